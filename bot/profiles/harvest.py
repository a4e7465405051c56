"""Harvest journal profiles from the bioRxiv/medRxiv `pubs` API.

`pubs/{server}/{from}/{to}/{cursor}` lists preprints that were later published, with the
journal that published them: the text a journal accepted, the best data for its profile.
Pages hold 100 records. Each page's papers and the advanced cursor are written in one
transaction, so an interrupted harvest resumes at the first page it did not store.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bot.config import Settings
from bot.feeds.fetch import retry_after
from bot.profiles.records import Paper
from bot.profiles.text import strip_markup
from bot.store.db import Store
from bot.store.harvest_cursors import (
    CursorState,
    finished_keys,
    harvest_cursor,
    save_harvest_cursor,
)
from bot.store.profiles import add_journal_papers

log = logging.getLogger(__name__)

SERVERS = ("biorxiv", "medrxiv")
PAGE_SIZE = 100
ATTEMPTS = 3  # per page, for timeouts, 5xx and 429 answers
MAX_RETRY_AFTER = timedelta(minutes=5)  # longer requested waits end the run (resumable)
sleep = time.sleep  # module attribute so tests can record the pauses

Progress = Callable[[int, int], None]  # (records done, total records)


class HarvestError(RuntimeError):
    """A harvest stopped; the message says where and how to continue."""


@dataclass(frozen=True)
class PubsPage:
    papers: tuple[Paper, ...]
    n_records: int  # records on the page, including ones without journal or abstract
    total: int


@dataclass(frozen=True)
class HarvestReport:
    key: str
    n_records: int  # records read in this run
    n_added: int
    n_duplicates: int
    n_skipped: int  # records without a journal name or abstract
    n_profiles_created: int
    total: int
    resumed_from: int
    already_done: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "harvest": self.key,
            "records": self.n_records,
            "added": self.n_added,
            "duplicates": self.n_duplicates,
            "skipped": self.n_skipped,
            "profiles_created": self.n_profiles_created,
            "total": self.total,
            "resumed_from": self.resumed_from,
            "already_done": self.already_done,
        }


def http_client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
        timeout=settings.http_timeout,
        follow_redirects=True,
    )


def get_json(client: httpx.Client, url: str, delay: float, what: str) -> Any:
    """GET a JSON document, retrying timeouts, 5xx and 429 answers with a growing pause.

    A `Retry-After` on 429/503 is obeyed; one longer than MAX_RETRY_AFTER ends the harvest
    with a message saying when to resume (the cursor is saved, nothing is lost).
    """
    for attempt in range(1, ATTEMPTS + 1):
        wait = delay * 2**attempt
        try:
            response = client.get(url)
            retryable = response.status_code >= 500 or response.status_code == 429
            if not retryable or attempt == ATTEMPTS:
                response.raise_for_status()
                return response.json()
            asked = retry_after(response.headers, datetime.now(UTC))
            if asked is not None:
                if asked > MAX_RETRY_AFTER:
                    raise HarvestError(
                        f"{what} answered HTTP {response.status_code} and asks us to wait "
                        f"{asked.total_seconds() / 60:.0f} min; run the same command after "
                        "that to resume where this one stopped"
                    )
                wait = asked.total_seconds()
        except httpx.HTTPStatusError as exc:
            raise HarvestError(f"{what} answered HTTP {exc.response.status_code}") from exc
        except (httpx.TransportError, ValueError) as exc:
            if attempt == ATTEMPTS:
                raise HarvestError(f"{what} could not be read: {exc}") from exc
        log.info("retrying %s in %.0f s (attempt %d of %d)", url, wait, attempt + 1, ATTEMPTS)
        sleep(wait)
    raise AssertionError("unreachable")


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None or str(value).strip() in ("", "NA") else str(value).strip()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def paper_from_pubs(record: Mapping[str, Any], server: str) -> Paper | None:
    """A `pubs` record as a Paper; None when it lacks a journal, title or abstract."""
    journal = html.unescape(_text(record, "published_journal"))  # "X &amp; Y" is "X & Y"
    title = strip_markup(_text(record, "preprint_title"))
    abstract = strip_markup(_text(record, "preprint_abstract"))
    if not (journal and title and abstract):
        return None
    doi = _text(record, "preprint_doi") or None
    extra = {
        k: _text(record, f"preprint_{k}" if k == "authors" else k)
        for k in ("authors", "published_date")
    }
    return Paper(
        title=title,
        abstract=abstract,
        journal=" ".join(journal.split()),
        id=doi,
        doi=doi,
        published_doi=_text(record, "published_doi") or None,
        category=_text(record, "preprint_category") or None,
        server=_text(record, "server") or server,
        posted_date=_date(_text(record, "preprint_date")),
        extra={k: v for k, v in extra.items() if v},
    )


def _number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_pubs_page(payload: Any, server: str) -> PubsPage:
    if not isinstance(payload, dict):
        raise HarvestError("the pubs API answered something that is not a JSON object")
    records = payload.get("collection") or []
    messages = payload.get("messages") or [{}]
    message = messages[0] if isinstance(messages[0], dict) else {}
    papers = tuple(p for r in records if isinstance(r, dict) and (p := paper_from_pubs(r, server)))
    total = _number(message.get("total"), len(records))
    return PubsPage(papers=papers, n_records=len(records), total=total)


@dataclass(frozen=True)
class PubsWindow:
    """Published preprints of one server, by publication date in [start, end]."""

    server: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"pubs:{self.server}:{self.start.isoformat()}:{self.end.isoformat()}"

    def url(self, base: str, cursor: int) -> str:
        dates = f"{self.start.isoformat()}/{self.end.isoformat()}"
        return f"{base.rstrip('/')}/pubs/{self.server}/{dates}/{cursor}"


@dataclass
class _Tally:
    records: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: int = 0
    created: int = 0

    def add(self, other: _Tally) -> None:
        self.records += other.records
        self.added += other.added
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.created += other.created


def _store_page(store: Store, state: CursorState, page: PubsPage, source: str) -> _Tally:
    """The page's papers and the advanced cursor, in one transaction."""
    with store.session() as session:
        report = add_journal_papers(session, page.papers, source=source)
        save_harvest_cursor(session, state)
    return _Tally(
        records=page.n_records,
        added=report.n_added,
        duplicates=report.n_duplicates,
        skipped=page.n_records - len(page.papers),
        created=report.n_profiles_created,
    )


def _pages(
    http: httpx.Client, settings: Settings, window: PubsWindow, first: CursorState
) -> Iterator[tuple[CursorState, PubsPage]]:
    what = f"the {window.server} pubs API"
    state = first
    while not state.done:
        if state.cursor != first.cursor:
            time.sleep(settings.host_delay)  # politeness: about one request per host_delay
        url = window.url(settings.biorxiv_api_url, state.cursor)
        try:
            page = parse_pubs_page(get_json(http, url, settings.host_delay, what), window.server)
        except HarvestError as exc:
            raise HarvestError(
                f"{exc} at record {state.cursor}; the {state.cursor} records before it are "
                "stored: run the same command again to resume"
            ) from exc
        cursor = state.cursor + page.n_records
        done = page.n_records == 0 or cursor >= page.total
        state = CursorState(state.key, cursor, page.total, done)
        yield state, page


def harvest_pubs(
    store: Store,
    settings: Settings,
    window: PubsWindow,
    *,
    progress: Progress | None = None,
    restart: bool = False,
) -> HarvestReport:
    """Harvest published preprints in the window into journal profiles, resuming if cut off."""
    if window.server not in SERVERS:
        raise HarvestError(f"unknown server {window.server!r}; use one of: {', '.join(SERVERS)}")
    if window.end < window.start:
        raise HarvestError(f"--to {window.end} is before --from {window.start}; swap them")
    with store.session() as session:
        first = harvest_cursor(session, window.key)
    if restart:
        first = CursorState(window.key, 0, None, False)
    last, tally = first, _Tally()
    with http_client(settings) as http:
        for last, page in _pages(http, settings, window, first):
            tally.add(_store_page(store, last, page, source=f"{window.server}-pubs"))
            if progress:
                progress(last.cursor, last.total or last.cursor)
    return HarvestReport(
        key=window.key,
        n_records=tally.records,
        n_added=tally.added,
        n_duplicates=tally.duplicates,
        n_skipped=tally.skipped,
        n_profiles_created=tally.created,
        total=last.total or 0,
        resumed_from=first.cursor,
        already_done=first.done,
    )


OVERLAP_DAYS = 2  # publication records can appear a day late; duplicates are skipped anyway


def covered_through(windows: list[tuple[date, date]], start: date) -> date | None:
    """The last day of the unbroken run of finished windows that covers `start`, if any."""
    covered: date | None = None
    for first, last in sorted(windows):
        if covered is None:
            if first <= start <= last:
                covered = last
        elif first <= covered + timedelta(days=1):
            covered = max(covered, last)
    return covered


def harvest_recent(
    store: Store,
    settings: Settings,
    server: str,
    days: int,
    today: date,
    progress: Progress | None = None,
) -> HarvestReport:
    """The last `days` of publications, skipping what finished harvests already cover.

    A daily or weekly job then fetches only what is new instead of the whole period again.
    """
    start = today - timedelta(days=days)
    with store.session() as session:
        keys = finished_keys(session, f"pubs:{server}:")
    windows = [tuple(map(date.fromisoformat, key.split(":")[2:4])) for key in keys]
    covered = covered_through([(w[0], w[1]) for w in windows], start)
    if covered is not None:
        start = max(start, min(covered, today) - timedelta(days=OVERLAP_DAYS))
    return harvest_pubs(store, settings, PubsWindow(server, start, today), progress=progress)
