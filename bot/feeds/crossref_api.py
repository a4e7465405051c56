"""The Crossref REST API: a journal's works with abstracts, page by page.

`journals/{issn}/works?filter=has-abstract:true&rows=N&cursor=*` pages with deep-paging
cursors; `mailto=` joins Crossref's polite pool. The JSON stays here: callers get Papers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.feeds.fetch import Fetcher, FetchError
from bot.profiles.crossref import paper_from_work
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
