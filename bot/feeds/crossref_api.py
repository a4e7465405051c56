"""The Crossref REST API: a journal's works with abstracts, page by page, and a preprint's
published version (`works/{doi}` → `relation.is-preprint-of` → the journal article).

`journals/{issn}/works?filter=has-abstract:true&rows=N&cursor=*` pages with deep-paging
cursors; `mailto=` joins Crossref's polite pool. The JSON stays here: callers get Papers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from bot.feeds.fetch import Fetcher, FetchError
from bot.profiles.crossref import paper_from_work
from bot.profiles.text import strip_markup
from bot.records.outcome import Publication
from bot.records.paper import Paper

MAX_PAGE = 200  # Crossref allows 1000; smaller pages keep each request quick
_FIELDS = "DOI,title,abstract,container-title,issued,ISSN,publisher,subject"


@dataclass(frozen=True)
class WorksPage:
    papers: tuple[Paper, ...]
    n_records: int  # works on the page, with or without an abstract
    total: int
    next_cursor: str  # "" at the end


def _message(payload: Any) -> Mapping[str, Any]:
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict):
        raise FetchError("Crossref answered without a 'message' object")
    return message


class CrossrefApi:
    def __init__(self, fetcher: Fetcher, base_url: str, contact_email: str | None) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.contact_email = contact_email

    def works_url(self, issn: str, rows: int, cursor: str) -> str:
        query: dict[str, str | int] = {
            "filter": "has-abstract:true", "rows": rows, "cursor": cursor, "select": _FIELDS,
        }  # fmt: skip
        if self.contact_email:
            query["mailto"] = self.contact_email  # Crossref's "polite pool"
        return f"{self.base_url}/journals/{issn}/works?{urlencode(query)}"

    def works(self, issn: str, rows: int, cursor: str) -> WorksPage:
        try:
            payload = self.fetcher.get_json(self.works_url(issn, rows, cursor), "Crossref")
        except FetchError as exc:
            if exc.status == 404:
                raise FetchError(f"Crossref knows no journal with ISSN {issn}; check it") from exc
            raise
        message = _message(payload)
        items = [i for i in message.get("items") or [] if isinstance(i, dict)]
        papers = tuple(p for i in items if (p := paper_from_work(i)) is not None)
        total = int(message.get("total-results") or len(items))
        return WorksPage(papers, len(items), total, str(message.get("next-cursor") or ""))


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _published_dois(message: Mapping[str, Any]) -> list[str]:
    """DOIs in the work's `relation.is-preprint-of` (the preprint's published versions)."""
    relation = message.get("relation")
    links = relation.get("is-preprint-of") if isinstance(relation, dict) else None
    return [
        str(link["id"]).lower()
        for link in links or []
        if isinstance(link, dict) and link.get("id-type") == "doi" and link.get("id")
    ]


def _work_date(message: Mapping[str, Any]) -> date | None:
    for name in ("published", "published-print", "published-online", "issued"):
        value = message.get(name)
        parts = (value.get("date-parts") or [[None]])[0] if isinstance(value, dict) else [None]
        if parts and all(isinstance(p, int) for p in parts[:3]):
            padded = [*parts[:3], 1, 1][:3]
            try:
                return date(padded[0], padded[1], padded[2])
            except ValueError:
                continue
    return None


class CrossrefRelations:
    """A preprint DOI's published version through Crossref's `is-preprint-of` relation."""

    def __init__(self, api: CrossrefApi) -> None:
        self.api = api

    def _work(self, doi: str) -> Mapping[str, Any] | None:
        return work_message(self.api, doi)

    def publication(self, preprint_doi: str) -> Publication | None:
        """Where Crossref says this preprint was published; None when it says nothing."""
        work = self._work(preprint_doi)
        dois = _published_dois(work) if work is not None else []
        if not dois:
            return None
        published = self._work(dois[0])
        journal = strip_markup(_first(published.get("container-title"))) if published else ""
        if not journal:
            return None
        return Publication(
            preprint_id=preprint_doi.lower(),
            published_doi=dois[0],
            journal=journal,
            published_date=_work_date(published) if published else None,
            source="crossref",
        )


def work_message(api: CrossrefApi, doi: str) -> Mapping[str, Any] | None:
    """The `works/{doi}` record; None when Crossref does not know the DOI (e.g. DataCite)."""
    query = f"?{urlencode({'mailto': api.contact_email})}" if api.contact_email else ""
    url = f"{api.base_url}/works/{quote(doi, safe='/')}{query}"
    try:
        payload = api.fetcher.get_json(url, "Crossref")
    except FetchError as exc:
        if exc.status == 404:
            return None
        raise
    return _message(payload)


def work(api: CrossrefApi, doi: str) -> Paper | None:
    """One work by DOI (title and abstract); None when Crossref does not know it or has
    no abstract for it."""
    message = work_message(api, doi)
    return paper_from_work(message) if message is not None else None
