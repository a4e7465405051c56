"""`outcomes refresh`: which stored preprints were published, from the `pubs` API and Crossref.

bioRxiv/medRxiv: the `pubs` API by publication-date interval, page by page; each page's
outcomes and the advanced cursor are written in one transaction (key
`outcomes:<server>:<from>:<to>`), so an interrupted run resumes at the first page it did
not store, and a later run only fetches days that finished runs have not covered.
Other servers: each unpublished stored preprint with a DOI is looked up in Crossref
(`is-preprint-of`); the position in that day's list is the cursor. Every request goes
through the one paced `Fetcher`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.crossref_api import CrossrefRelations
from bot.feeds.fetch import FetchError
from bot.ingest.harvest import OVERLAP_DAYS, HarvestError, covered_through
from bot.records.outcome import Publication
from bot.records.paper import Paper
from bot.records.progress import ProgressFactory, quiet
from bot.records.servers import BIORXIV_API_SERVERS
from bot.store.db import Store
from bot.store.harvest_cursors import (
    CursorState,
    finished_keys,
    harvest_cursor,
    save_harvest_cursor,
)
from bot.store.outcomes import RecordCounts, record_publications, unpublished_dois
from bot.store.preprints import servers_present

DAYS_PER_MONTH = 30.44
CROSSREF_BATCH = 10  # lookups stored (with the cursor) per transaction


@dataclass(frozen=True)
class OutcomeRefresh:
    """What one `outcomes refresh` read and recorded."""

    n_records: int  # pubs records read and Crossref lookups made
    n_new: int
    n_changed: int
    n_unchanged: int
    n_not_stored: int
    n_papers_added: int  # preprint texts that joined their journal's profile
    windows: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.n_records,
            "new": self.n_new,
            "changed": self.n_changed,
            "unchanged": self.n_unchanged,
            "not_stored": self.n_not_stored,
            "papers_added": self.n_papers_added,
            "windows": list(self.windows),
        }


def months_back(today: date, months: int) -> date:
    return today - timedelta(days=round(months * DAYS_PER_MONTH))


def publication_of(paper: Paper, server: str) -> Publication | None:
    """A `pubs` record (read as a Paper) as the publication of the preprint it names."""
    if not paper.doi or not paper.journal:
        return None
    published = str(paper.extra.get("published_date") or "")[:10]
    try:
        when: date | None = date.fromisoformat(published)
    except ValueError:
        when = None
    return Publication(
        preprint_id=paper.doi.strip().lower(),
        published_doi=paper.published_doi,
        journal=paper.journal,
        published_date=when,
        source=f"{server}-pubs",
    )


def _pubs_start(store: Store, server: str, start: date, today: date) -> date:
    """Skip the days finished runs already covered (minus the overlap for late records)."""
    with store.session() as session:
        keys = finished_keys(session, f"outcomes:{server}:")
    windows = [
        (date.fromisoformat(k.split(":")[2]), date.fromisoformat(k.split(":")[3])) for k in keys
    ]
    covered = covered_through(windows, start)
    if covered is None:
        return start
    return max(start, min(covered, today) - timedelta(days=OVERLAP_DAYS))


def _refresh_pubs(
    store: Store, api: BiorxivApi, server: str, start: date, today: date, counts: RecordCounts,
    progress: ProgressFactory,
) -> tuple[str, int]:  # fmt: skip
    key = f"outcomes:{server}:{start.isoformat()}:{today.isoformat()}"
    with store.session() as session:
        state = harvest_cursor(session, key)
    bar, records = progress(f"outcomes from the {server} pubs API"), 0
    while not state.done:
        try:
            page = api.pubs(server, start, today, state.cursor)
        except FetchError as exc:
            raise HarvestError(
                f"{exc} at record {state.cursor} of {key}; what came before is stored: "
                "run `rxradar outcomes refresh` again to resume"
            ) from exc
        cursor = state.cursor + page.n_records
        state = CursorState(key, cursor, page.total, page.n_records == 0 or cursor >= page.total)
        publications = [p for paper in page.items if (p := publication_of(paper, server))]
        with store.session() as session:
            record_publications(session, publications, counts)
            save_harvest_cursor(session, state)
        records += page.n_records
        bar(state.cursor, state.total or state.cursor)
    return key, records


def _refresh_crossref(
    store: Store, relations: CrossrefRelations, start: date, today: date, counts: RecordCounts,
    progress: ProgressFactory,
) -> tuple[str, int]:  # fmt: skip
    key = f"outcomes:crossref:{today.isoformat()}"
    with store.session() as session:
        state = harvest_cursor(session, key)
        todo = unpublished_dois(session, start, BIORXIV_API_SERVERS)
    bar, looked_up = progress("outcomes from Crossref relations"), 0
    cursor = state.cursor if not state.done else len(todo)
    while cursor < len(todo):
        batch = todo[cursor : cursor + CROSSREF_BATCH]
        try:
            found = [
                replace(p, preprint_id=preprint_id)
                for preprint_id, doi in batch
                if (p := relations.publication(doi))
            ]
        except FetchError as exc:
            raise HarvestError(
                f"{exc} while looking up Crossref relations; run `rxradar outcomes refresh` "
                "again to resume"
            ) from exc
        cursor += len(batch)
        with store.session() as session:
            record_publications(session, found, counts)
            save_harvest_cursor(session, CursorState(key, cursor, len(todo), cursor >= len(todo)))
        looked_up += len(batch)
        bar(cursor, len(todo))
    if not todo and not state.done:
        with store.session() as session:
            save_harvest_cursor(session, CursorState(key, 0, 0, True))
    return key, looked_up


def refresh_outcomes(
    store: Store,
    api: BiorxivApi,
    relations: CrossrefRelations | None,
    *,
    months: int,
    today: date,
    progress: ProgressFactory = quiet,
) -> OutcomeRefresh:
    """Record the publications of stored preprints of the last `months` (idempotent)."""
    start = months_back(today, months)
    counts, windows, records = RecordCounts(), [], 0
    for server in sorted(servers_present(store, BIORXIV_API_SERVERS)):
        first = _pubs_start(store, server, start, today)
        key, n = _refresh_pubs(store, api, server, first, today, counts, progress)
        windows.append(key)
        records += n
    if relations is not None:
        key, n = _refresh_crossref(store, relations, start, today, counts, progress)
        windows.append(key)
        records += n
    return OutcomeRefresh(
        n_records=records,
        n_new=counts.new,
        n_changed=counts.changed,
        n_unchanged=counts.unchanged,
        n_not_stored=counts.not_stored,
        n_papers_added=counts.papers_added,
        windows=tuple(windows),
    )
