"""The bioRxiv/medRxiv API: `details` (every posted version) and `pubs` (what was published).

`GET {api}/details/{server}/{from}/{to}/{cursor}` and `GET {api}/pubs/{server}/{from}/{to}/
{cursor}` return 100 records per page, `messages[0]` carrying `count`, `total` and
`cursor`; `details/{server}/{doi}/na/json` lists one preprint's versions. Every request goes
through the one `Fetcher`, so the host is paced and retried the same way for backfills,
harvests and lookups. The JSON stays here: callers get `Preprint` and `Paper` records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.normalise import api_record, bounded
from bot.profiles.pubs import paper_from_pubs
from bot.records.doi import is_path_safe
from bot.records.paper import Paper
from bot.records.preprint import Preprint
from bot.records.servers import BIORXIV_API_SERVERS

T = TypeVar("T")
PAGE_SIZE = 100


@dataclass(frozen=True)
class ApiPage(Generic[T]):
    items: tuple[T, ...]  # the usable records, converted
    n_records: int  # records on the page, usable or not
    total: int  # records in the whole window


def _number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _page(payload: Any, what: str, convert: Callable[[Mapping[str, Any]], T | None]) -> ApiPage[T]:
    if not isinstance(payload, dict):
        raise FetchError(f"{what} answered JSON that is not an object; check the API URL")
    messages = payload.get("messages") or [{}]
    message = messages[0] if isinstance(messages[0], dict) else {}
    records = [r for r in payload.get("collection") or [] if isinstance(r, dict)]
    items = tuple(item for r in records if (item := convert(r)) is not None)
    return ApiPage(items, len(records), _number(message.get("total"), len(records)))


class BiorxivApi:
    def __init__(self, fetcher: Fetcher, base_url: str) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def _url(self, endpoint: str, server: str, start: date, end: date, cursor: int) -> str:
        if server not in BIORXIV_API_SERVERS:
            raise FetchError(f"unknown server {server!r}: use {' or '.join(BIORXIV_API_SERVERS)}")
        dates = f"{start.isoformat()}/{end.isoformat()}"
        return f"{self.base_url}/{endpoint}/{server}/{dates}/{cursor}"

    def details(self, server: str, start: date, end: date, cursor: int) -> ApiPage[Preprint]:
        """One page of every version posted in [start, end]."""
        url = self._url("details", server, start, end, cursor)
        payload = self.fetcher.get_json(url, f"the {server} details API")
        return _page(payload, f"the {server} details API", lambda r: bounded(api_record(r, server)))

    def pubs(self, server: str, start: date, end: date, cursor: int) -> ApiPage[Paper]:
        """One page of the preprints published in [start, end] (by publication date)."""
        url = self._url("pubs", server, start, end, cursor)
        payload = self.fetcher.get_json(url, f"the {server} pubs API")
        return _page(payload, f"the {server} pubs API", lambda r: paper_from_pubs(r, server))

    def latest_version(self, doi: str) -> Preprint | None:
        """The newest version of a bioRxiv or medRxiv preprint; None when neither knows it."""
        if not is_path_safe(doi):
            return None  # never a real DOI; and it must not walk the API host's paths
        for server in BIORXIV_API_SERVERS:
            url = f"{self.base_url}/details/{server}/{quote(doi, safe='/')}/na/json"
            payload = self.fetcher.get_json(url, f"the {server} API")
            page = _page(payload, f"the {server} API", partial(api_record, server=server))
            if page.items:
                return max(page.items, key=lambda p: p.version)
        return None
