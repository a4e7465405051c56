"""Harvest a journal's own recent papers (with abstracts) from the Crossref REST API.

`journals/{issn}/works?filter=has-abstract:true&rows=N&cursor=*` pages through a journal's
works with deep-paging cursors. Abstracts are JATS XML; we keep their text. Each page is
stored in its own transaction, so an interruption keeps what was already fetched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.config import Settings
from bot.profiles.harvest import HarvestError, Progress, get_json, http_client
from bot.profiles.records import Paper
from bot.profiles.text import strip_markup
from bot.store.db import Store
from bot.store.profiles import PaperWriter, add_alias, profile_by_issn, upsert_profile

MAX_PAGE = 200  # Crossref allows 1000; smaller pages keep each request quick
_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")
_FIELDS = "DOI,title,abstract,container-title,issued,ISSN,publisher,subject"


@dataclass(frozen=True)
class CrossrefReport:
    issn: str
    journal: str | None
    n_records: int
    n_added: int
    n_duplicates: int
    n_skipped: int  # works without title or abstract

    def to_json(self) -> dict[str, Any]:
        return {
            "issn": self.issn,
            "journal": self.journal,
            "records": self.n_records,
            "added": self.n_added,
            "duplicates": self.n_duplicates,
            "skipped": self.n_skipped,
        }


def normalise_issn(raw: str) -> str:
    match = _ISSN.match(raw.strip().upper())
    if not match:
        raise HarvestError(f"{raw!r} is not an ISSN; use the form 1234-567X")
    return f"{match.group(1)}-{match.group(2)}"


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _issued(item: Mapping[str, Any]) -> date | None:
    parts = ((item.get("issued") or {}).get("date-parts") or [[None]])[0]
    if len(parts) >= 3 and all(isinstance(p, int) for p in parts[:3]):
        try:
            return date(parts[0], parts[1], parts[2])
        except ValueError:
            return None
    return None


def paper_from_work(item: Mapping[str, Any]) -> Paper | None:
    """A Crossref work as a Paper; None without a title or abstract."""
    title = strip_markup(_first(item.get("title")))
    abstract = strip_markup(str(item.get("abstract") or ""))
    if not (title and abstract):
        return None
    doi = str(item.get("DOI") or "").lower() or None
    issued = _issued(item)
    return Paper(
        title=title,
        abstract=abstract,
        journal=strip_markup(_first(item.get("container-title"))) or None,
        id=doi,
        doi=doi,
        published_doi=doi,
        category=_first(item.get("subject")) or None,
        posted_date=issued,
        extra={"issns": list(item.get("ISSN") or [])},
    )


def works_url(settings: Settings, issn: str, rows: int, cursor: str) -> str:
    query = {"filter": "has-abstract:true", "rows": rows, "cursor": cursor, "select": _FIELDS}
    if settings.contact_email:
        query["mailto"] = settings.contact_email  # Crossref's "polite pool"
    return f"{settings.crossref_api_url.rstrip('/')}/journals/{issn}/works?{urlencode(query)}"


def _message(payload: Any) -> Mapping[str, Any]:
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict):
        raise HarvestError("Crossref answered without a 'message' object")
    return message


def _store_works(store: Store, issn: str, papers: Sequence[Paper]) -> tuple[str | None, int, int]:
    """Add one page to the ISSN's profile; (journal name, added, duplicates)."""
    if not papers:
        return None, 0, 0
    with store.session() as session:
        name = next((p.journal for p in papers if p.journal), None) or f"ISSN {issn}"
        profile = profile_by_issn(session, issn)
        if profile is None:
            profile, _ = upsert_profile(session, name, issns=[issn])
        for spelling in {p.journal for p in papers if p.journal}:
            add_alias(session, profile, spelling)
        writer = PaperWriter(session, source="crossref")
        for paper in papers:
            writer.add(profile.id, paper)
        writer.flush()
        return profile.name, sum(writer.added.values()), writer.duplicates


def harvest_crossref(
    store: Store, settings: Settings, issn: str, rows: int = 1000, progress: Progress | None = None
) -> CrossrefReport:
    """Fetch up to `rows` of the journal's works with abstracts into its profile."""
    issn = normalise_issn(issn)
    cursor, fetched, added, duplicates, skipped = "*", 0, 0, 0, 0
    journal: str | None = None
    with http_client(settings) as http:
        while fetched < rows:
            message = _fetch(http, settings, issn, min(MAX_PAGE, rows - fetched), cursor)
            items = [i for i in message.get("items") or [] if isinstance(i, dict)]
            papers = [p for i in items if (p := paper_from_work(i))]
            name, page_added, page_dupes = _store_works(store, issn, papers)
            journal = journal or name
            fetched, added, duplicates = (
                fetched + len(items),
                added + page_added,
                duplicates + page_dupes,
            )
            skipped += len(items) - len(papers)
            total = min(rows, int(message.get("total-results") or fetched))
            if progress:
                progress(fetched, max(total, fetched))
            cursor = str(message.get("next-cursor") or "")
            if not items or not cursor or fetched >= total:
                break
            time.sleep(settings.host_delay)
    return CrossrefReport(issn, journal, fetched, added, duplicates, skipped)


def _fetch(
    http: httpx.Client, settings: Settings, issn: str, rows: int, cursor: str
) -> Mapping[str, Any]:
    url = works_url(settings, issn, rows, cursor)
    try:
        return _message(get_json(http, url, settings.host_delay, "Crossref"))
    except HarvestError as exc:
        if "HTTP 404" in str(exc):
            raise HarvestError(f"Crossref knows no journal with ISSN {issn}; check it") from exc
        raise
