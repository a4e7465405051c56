"""The arXiv API: one paper's title and abstract by its arXiv id (an Atom answer)."""

from __future__ import annotations

from urllib.parse import urlencode

import feedparser

from bot.feeds.fetch import Fetcher, FetchError, FetchRequest
from bot.feeds.text import clean_text
from bot.records.paper import Paper

ATOM = "application/atom+xml"


class ArxivApi:
    def __init__(self, fetcher: Fetcher, base_url: str) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def paper(self, arxiv_id: str) -> Paper | None:
        """The paper with this id (`2401.01234`); None when arXiv does not know it."""
        url = f"{self.base_url}/query?{urlencode({'id_list': arxiv_id, 'max_results': 1})}"
        result = self.fetcher.fetch(FetchRequest(url), accept=ATOM)
        if result.error is not None:
            raise FetchError(f"the arXiv API: {result.error}", result.status)
        for entry in feedparser.parse(result.body).entries:
            title = clean_text(str(entry.get("title") or ""))
            abstract = clean_text(str(entry.get("summary") or ""))
            if "arxiv.org/api/errors" in str(entry.get("id") or "") or not title:
                continue
            return Paper(title=title, abstract=abstract, id=f"arxiv:{arxiv_id}", server="arXiv")
        return None
