"""Harvest journal profiles: the bioRxiv/medRxiv `pubs` API and a journal's Crossref works.

Each `pubs` page's papers and the advanced cursor are written in one transaction, so an
interrupted harvest resumes at the first page it did not store; each Crossref page is
stored in its own transaction, so an interruption keeps what was already fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.feeds.biorxiv_api import ApiPage, BiorxivApi
from bot.feeds.crossref_api import MAX_PAGE, CrossrefApi
from bot.feeds.fetch import FetchError
from bot.profiles.crossref import IssnError, normalise_issn
from bot.records.paper import Paper
from bot.records.plain import plain
from bot.records.progress import Progress
from bot.records.servers import BIORXIV_API_SERVERS
from bot.store.db import Store
from bot.store.harvest_cursors import (
    CursorState,
    finished_keys,
    harvest_cursor,
    save_harvest_cursor,
)
from bot.store.profiles import add_issn_papers, add_journal_papers

OVERLAP_DAYS = 2  # publication records can appear a day late; duplicates are skipped anyway


class HarvestError(RuntimeError):
    """A harvest stopped; the message says where and how to continue."""


class HarvestCutOff(HarvestError):
    """The API failed part-way; what was stored stays, and the next harvest resumes there.

    The message does not say *how* to carry on: that depends on who runs it (the command
    line says "run it again", the daemon when it tries again by itself).
    """


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
        return plain(self, names={"key": "harvest"}, strip_prefix="n_")


@dataclass(frozen=True)
class CrossrefReport:
    issn: str
    journal: str | None
    n_records: int
    n_added: int
    n_duplicates: int
    n_skipped: int  # works without title or abstract

    def to_json(self) -> dict[str, Any]:
        return plain(self, strip_prefix="n_")


@dataclass(frozen=True)
class PubsWindow:
    """Published preprints of one server, by publication date in [start, end]."""

    server: str
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"pubs:{self.server}:{self.start.isoformat()}:{self.end.isoformat()}"


@dataclass
class _Tally:
    records: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: int = 0
    created: int = 0


def _store_page(
    store: Store, source: str, state: CursorState, page: ApiPage[Paper], tally: _Tally
) -> None:
    """The page's papers and the advanced cursor, in one transaction."""
    with store.session() as session:
        report = add_journal_papers(session, page.items, source=source)
        save_harvest_cursor(session, state)
    tally.records += page.n_records
    tally.added += report.n_added
    tally.duplicates += report.n_duplicates
    tally.skipped += page.n_records - len(page.items)
    tally.created += report.n_profiles_created


def _next_page(api: BiorxivApi, window: PubsWindow, state: CursorState) -> ApiPage[Paper]:
    try:
        return api.pubs(window.server, window.start, window.end, state.cursor)
    except FetchError as exc:
        if not state.cursor:
            raise HarvestCutOff(str(exc)) from exc
        raise HarvestCutOff(
            f"{exc} at record {state.cursor}; the {state.cursor} records before it are "
            "stored and the next harvest resumes there"
        ) from exc


def harvest_pubs(
    store: Store,
    api: BiorxivApi,
    window: PubsWindow,
    *,
    progress: Progress | None = None,
    restart: bool = False,
) -> HarvestReport:
    """Harvest published preprints in the window into journal profiles, resuming if cut off."""
    if window.server not in BIORXIV_API_SERVERS:
        raise HarvestError(
            f"unknown server {window.server!r}; use one of: {', '.join(BIORXIV_API_SERVERS)}"
        )
    if window.end < window.start:
        raise HarvestError(f"--to {window.end} is before --from {window.start}; swap them")
    with store.session() as session:
        first = harvest_cursor(session, window.key)
    if restart:
        first = CursorState(window.key, 0, None, False)
    state, tally = first, _Tally()
    while not state.done:
        page = _next_page(api, window, state)
        cursor = state.cursor + page.n_records
        state = CursorState(
            window.key, cursor, page.total, page.n_records == 0 or cursor >= page.total
        )
        _store_page(store, f"{window.server}-pubs", state, page, tally)
        if progress:
            progress(state.cursor, state.total or state.cursor)
    return HarvestReport(
        key=window.key,
        n_records=tally.records,
        n_added=tally.added,
        n_duplicates=tally.duplicates,
        n_skipped=tally.skipped,
        n_profiles_created=tally.created,
        total=state.total or 0,
        resumed_from=first.cursor,
        already_done=first.done,
    )


def _window_dates(key: str) -> tuple[date, date]:
    _, _, start, end = key.split(":")
    return date.fromisoformat(start), date.fromisoformat(end)


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
    api: BiorxivApi,
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
    windows = [
        (date.fromisoformat(k.split(":")[2]), date.fromisoformat(k.split(":")[3])) for k in keys
    ]
    covered = covered_through(windows, start)
    if covered is not None:
        start = max(start, min(covered, today) - timedelta(days=OVERLAP_DAYS))
    return harvest_pubs(store, api, PubsWindow(server, start, today), progress=progress)


def harvest_crossref(
    store: Store, api: CrossrefApi, issn: str, rows: int = 1000, progress: Progress | None = None
) -> CrossrefReport:
    """Fetch up to `rows` of the journal's works with abstracts into its profile."""
    try:
        issn = normalise_issn(issn)
    except IssnError as exc:
        raise HarvestError(str(exc)) from exc
    cursor, fetched, added, duplicates, skipped = "*", 0, 0, 0, 0
    journal: str | None = None
    while fetched < rows:
        try:
            page = api.works(issn, min(MAX_PAGE, rows - fetched), cursor)
        except FetchError as exc:
            raise HarvestError(str(exc)) from exc
        with store.session() as session:
            name, page_added, page_dupes = add_issn_papers(session, issn, page.papers)
        journal = journal or name
        fetched, added, duplicates = (
            fetched + page.n_records,
            added + page_added,
            duplicates + page_dupes,
        )
        skipped += page.n_records - len(page.papers)
        total = min(rows, page.total or fetched)
        if progress:
            progress(fetched, max(total, fetched))
        cursor = page.next_cursor
        if not page.n_records or not cursor or fetched >= total:
            break
    return CrossrefReport(issn, journal, fetched, added, duplicates, skipped)
