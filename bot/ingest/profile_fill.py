"""Fill a custom profile from identifiers: DOIs, arXiv ids, or an ORCID iD's works.

Each work is resolved to a title and abstract through, in order: our own database, the
bioRxiv/medRxiv API (openRxiv DOIs), Crossref (other DOIs) and the arXiv API. Works
without an abstract anywhere are counted and named in the report, not silently dropped.
Requests are paced per host by the `Fetcher`; each resolved work is committed with the
cursor, so an interrupted fill resumes at the next work.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.feeds.arxiv_api import ArxivApi
from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.crossref_api import CrossrefApi, work
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.orcid_api import OrcidApi
from bot.records.doi import OPENRXIV_PREFIXES, PastedIds
from bot.records.paper import Paper
from bot.records.progress import Progress
from bot.store import Store
from bot.store.harvest_cursors import CursorState, harvest_cursor, save_harvest_cursor
from bot.store.profiles import PaperWriter, profile_summary, upsert_profile
from bot.store.scores import find_preprint, preprint_as_paper

log = logging.getLogger("rxradar.profiles")
MIN_PROFILE_PAPERS = 5  # fewer and a profile is too thin to match anything reliably


@dataclass(frozen=True)
class Sources:
    """The APIs a work is resolved through (each behind the one paced `Fetcher`)."""

    biorxiv: BiorxivApi
    crossref: CrossrefApi
    arxiv: ArxivApi
    orcid: OrcidApi


@contextmanager
def open_sources(settings: Settings) -> Iterator[Sources]:
    """The four APIs over one Fetcher (so per-host pacing covers them all)."""
    src = settings.sources
    with Fetcher(settings.http) as fetcher:
        yield Sources(
            BiorxivApi(fetcher, src.biorxiv_api_url),
            CrossrefApi(fetcher, src.crossref_api_url, settings.contact_email),
            ArxivApi(fetcher, src.arxiv_api_url),
            OrcidApi(fetcher, src.orcid_api_url),
        )


@dataclass(frozen=True)
class Wanted:
    """A work to find: its identifiers, and its title when the source gave one."""

    title: str = ""
    doi: str | None = None
    arxiv_id: str | None = None

    def describe(self) -> str:
        return self.title or self.doi or (f"arXiv:{self.arxiv_id}" if self.arxiv_id else "?")


@dataclass(frozen=True)
class FillReport:
    profile: str
    n_works: int  # works asked for (this run and any run it resumed)
    n_added: int
    n_duplicates: int
    without_abstract: tuple[str, ...]  # works found nowhere with an abstract (this run)
    n_papers: int  # the profile's papers now
    resumed_from: int

    @property
    def usable(self) -> bool:
        return self.n_papers >= MIN_PROFILE_PAPERS

    def shortfall(self) -> str | None:
        """What to do when the profile has too few papers; None when it has enough."""
        if self.usable:
            return None
        return too_few(self.profile, self.n_papers)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile, "works": self.n_works, "added": self.n_added,
            "duplicates": self.n_duplicates, "without_abstract": len(self.without_abstract),
            "without_abstract_titles": list(self.without_abstract), "papers": self.n_papers,
            "needed": MIN_PROFILE_PAPERS, "resumed_from": self.resumed_from,
        }  # fmt: skip


def too_few(name: str, have: int) -> str:
    return (
        f"{name} has {have} usable paper{'' if have == 1 else 's'} (with title and abstract); "
        f"it needs at least {MIN_PROFILE_PAPERS}. Add more DOIs, arXiv ids, an ORCID iD or "
        "a BibTeX/RIS file"
    )


def wanted_from(ids: PastedIds) -> list[Wanted]:
    return [*(Wanted(doi=d) for d in ids.dois), *(Wanted(arxiv_id=a) for a in ids.arxiv_ids)]


def resolve(store: Store, sources: Sources, wanted: Wanted) -> Paper | None:
    """The work's title and abstract from the first source that has both, else None."""
    with store.session() as session:
        for key in (wanted.doi, f"arxiv:{wanted.arxiv_id}" if wanted.arxiv_id else None):
            row = find_preprint(session, key) if key else None
            if row is not None and row.abstract:
                return preprint_as_paper(row)
    found: Paper | None = None
    if wanted.doi and wanted.doi.startswith(OPENRXIV_PREFIXES):
        preprint = sources.biorxiv.latest_version(wanted.doi)
        if preprint is not None and preprint.abstract:
            found = preprint_as_paper(preprint)
    if found is None and wanted.doi:
        found = work(sources.crossref, wanted.doi)
    if found is None and wanted.arxiv_id:
        found = sources.arxiv.paper(wanted.arxiv_id)
    return found if found is not None and found.abstract.strip() else None


def orcid_works(sources: Sources, orcid: str) -> list[Wanted]:
    return [Wanted(w.title, w.doi, w.arxiv_id) for w in sources.orcid.works(orcid)]


def fill_key(profile_key: str, wanted: Sequence[Wanted], source: str) -> str:
    """The cursor of one fill: the profile, and what it is filled from."""
    listed = "\n".join(f"{w.doi}|{w.arxiv_id}|{w.title}" for w in wanted)
    return f"fill:{profile_key}:{source}:{hashlib.sha256(listed.encode()).hexdigest()[:16]}"


def fill_profile(
    store: Store,
    sources: Sources,
    name: str,
    wanted: Sequence[Wanted],
    *,
    source: str,
    team: str | None = None,
    created_by: str | None = None,
    progress: Progress | None = None,
    restart: bool = False,
) -> FillReport:
    """Add every resolvable work to the custom profile `name` (created when new)."""
    with store.session() as session:
        profile, _ = upsert_profile(session, name, kind="custom", team=team,
                                    created_by=created_by)  # fmt: skip
        profile_id, shown, key = profile.id, profile.name, fill_key(profile.key, wanted, source)
        state = harvest_cursor(session, key)
    if restart or state.done:
        state = CursorState(key, 0, len(wanted), False)
    first, added, duplicates = state.cursor, 0, 0
    missing: list[str] = []
    for index in range(first, len(wanted)):
        item = wanted[index]
        try:
            paper = resolve(store, sources, item)
        except FetchError as exc:
            log.warning("could not resolve %s: %s", item.describe(), exc)
            paper = None
        with store.session() as session:
            if paper is None:
                missing.append(item.describe())
            else:
                writer = PaperWriter(session, source=source)
                new = writer.add(profile_id, paper)
                writer.flush()
                added, duplicates = added + int(new), duplicates + int(not new)
            done = index + 1 == len(wanted)
            save_harvest_cursor(session, CursorState(key, index + 1, len(wanted), done))
        if progress:
            progress(index + 1, len(wanted))
    with store.session() as session:
        summary = profile_summary(session, profile_id)
    n_papers = summary.n_papers if summary else 0
    return FillReport(shown, len(wanted), added, duplicates, tuple(missing), n_papers, first)
