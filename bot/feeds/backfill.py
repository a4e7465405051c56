"""Backfill from the bioRxiv/medRxiv `details` API: RSS shows only the newest items.

`GET {api}/details/{server}/{from}/{to}/{cursor}` returns 100 records per page (one per
version); `messages[0]` carries `count`, `total` and `cursor`. Requests to the API host are
spaced by RXRADAR_HOST_DELAY (default 1 s), as the API's operators ask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.config import Settings
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.normalise import api_record, bounded
from bot.store.base import utcnow
from bot.store.db import Store
from bot.store.preprints import upsert_preprints

SERVERS = ("biorxiv", "medrxiv")
PAGE_SIZE = 100

Progress = Callable[[int, int], None]  # (records done, records in total)


class BackfillError(RuntimeError):
    """The API could not be read; the message says what went wrong and what to check."""


@dataclass(frozen=True)
class BackfillResult:
    server: str
    start: date
    end: date
    pages: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    changed_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Page:
    records: list[dict[str, Any]]
    total: int
    count: int


def details_url(settings: Settings, server: str, start: date, end: date, cursor: int) -> str:
    base = settings.biorxiv_api_url.rstrip("/")
    return f"{base}/details/{server}/{start.isoformat()}/{end.isoformat()}/{cursor}"


def _page(payload: Any, url: str) -> _Page:
    if not isinstance(payload, dict):
        raise BackfillError(
            f"{url} returned JSON that is not an object; check RXRADAR_BIORXIV_API_URL"
        )
    messages = payload.get("messages") or [{}]
    message = messages[0] if isinstance(messages[0], dict) else {}
    records = [r for r in payload.get("collection") or [] if isinstance(r, dict)]
    total = _number(message.get("total"), len(records))
    count = _number(message.get("count"), len(records))
    return _Page(records=records, total=total, count=count)


def _number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def backfill(
    store: Store,
    settings: Settings,
    server: str,
    days: int,
    today: date | None = None,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> BackfillResult:
    """Store every preprint version the API lists for the last `days` days."""
    if server not in SERVERS:
        raise BackfillError(f"unknown server {server!r}: use biorxiv or medrxiv")
    end = today or utcnow().date()
    start = end - timedelta(days=days)
    client = fetcher or Fetcher(settings)
    try:
        return _run(store, settings, client, server, start, end, progress)
    finally:
        if fetcher is None:
            client.close()


def _run(
    store: Store,
    settings: Settings,
    client: Fetcher,
    server: str,
    start: date,
    end: date,
    progress: Progress | None,
) -> BackfillResult:
    totals = {"pages": 0, "records": 0, "new": 0, "updated": 0, "skipped": 0}
    changed: list[str] = []
    cursor = 0
    while True:
        url = details_url(settings, server, start, end, cursor)
        try:
            page = _page(client.get_json(url), url)
        except FetchError as exc:
            raise BackfillError(f"{exc}; check RXRADAR_BIORXIV_API_URL and try again") from exc
        preprints = [p for p in (bounded(api_record(r, server)) for r in page.records) if p]
        stored = upsert_preprints(store, preprints, None, utcnow())
        changed.extend(stored.changed_ids)
        totals["pages"] += 1
        totals["records"] += len(page.records)
        totals["new"] += len(stored.new)
        totals["updated"] += len(stored.updated)
        totals["skipped"] += len(page.records) - len(preprints)
        cursor += len(page.records)
        if progress:
            progress(min(cursor, page.total), page.total)
        if not page.records or cursor >= page.total:
            break
    return BackfillResult(server, start, end, changed_ids=tuple(dict.fromkeys(changed)), **totals)
