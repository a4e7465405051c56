"""Backfill from the bioRxiv/medRxiv `details` API: RSS shows only the newest items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.fetch import FetchError
from bot.records.progress import Progress
from bot.records.servers import BIORXIV_API_SERVERS
from bot.store.base import utcnow
from bot.store.db import Store
from bot.store.preprints import upsert_preprints


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


def backfill(
    store: Store,
    api: BiorxivApi,
    server: str,
    days: int,
    today: date | None = None,
    progress: Progress | None = None,
) -> BackfillResult:
    """Store every preprint version the API lists for the last `days` days."""
    if server not in BIORXIV_API_SERVERS:
        raise BackfillError(f"unknown server {server!r}: use {' or '.join(BIORXIV_API_SERVERS)}")
    end = today or utcnow().date()
    start = end - timedelta(days=days)
    totals = {"pages": 0, "records": 0, "new": 0, "updated": 0, "skipped": 0}
    changed: list[str] = []
    cursor = 0
    while True:
        try:
            page = api.details(server, start, end, cursor)
        except FetchError as exc:
            raise BackfillError(f"{exc}; check RXRADAR_BIORXIV_API_URL and try again") from exc
        stored = upsert_preprints(store, page.items, None, utcnow())
        changed.extend(stored.changed_ids)
        totals["pages"] += 1
        totals["records"] += page.n_records
        totals["new"] += len(stored.new)
        totals["updated"] += len(stored.updated)
        totals["skipped"] += page.n_records - len(page.items)
        cursor += page.n_records
        if progress:
            progress(min(cursor, page.total), page.total)
        if not page.n_records or cursor >= page.total:
            break
    return BackfillResult(server, start, end, changed_ids=tuple(dict.fromkeys(changed)), **totals)
