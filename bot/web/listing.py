"""A profile's ranked preprints as the web shows them: filters in, a `Listing` out.

One builder serves the journal page, a custom profile's private page, both feeds and the
API, so "rank 3, 52.3%, Top 0.1%" is the same number everywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.digest.numbers import Shown, format_probability
from bot.matching.window import empty_reason, shown_in_window
from bot.records.names import journal_key
from bot.records.plain import plain
from bot.records.servers import display_server
from bot.store.profiles import ProfileSummary, list_profiles, search_profiles
from bot.store.scores import RankedPreprint, StatsRow, profile_stats, top_preprints
from bot.store.site_queries import Facets, ProfileCard, window_facets

DAYS_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 90
PER_PAGE = 20
API_MAX_DAYS = 365
API_MAX_LIMIT = 100
MAX_PAGE = 1000
MAX_FILTER = 200
FACET_DEPTH = 5000  # filters and counts describe the window's best 5,000 preprints


# what an entry's JSON shows of its preprint, in this order
_SHOWN = ("id", "title", "authors", "posted", "category", "doi", "abstract", "model_version")


class QueryError(ValueError):
    """A query parameter is out of range; the message says what is accepted (HTTP 400)."""


@dataclass(frozen=True)
class Filters:
    days: int = DEFAULT_DAYS
    server: str | None = None
    category: str | None = None
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters (with `changes`), defaults left out."""
        values = {
            "days": self.days,
            "server": self.server,
            "category": self.category,
            "page": self.page,
            **changes,
        }
        defaults = {"days": DEFAULT_DAYS, "page": 1}
        return {k: str(v) for k, v in values.items() if v is not None and defaults.get(k) != v}


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > MAX_FILTER:
        raise QueryError(f"{name} is too long (at most {MAX_FILTER} characters)")
    return value.casefold() if name == "server" and value else value or None


def page_filters(params: Mapping[str, str]) -> Filters:
    days = _integer(params, "days", DEFAULT_DAYS, 1, API_MAX_DAYS)
    if days not in DAYS_CHOICES:
        raise QueryError(f"days must be one of {', '.join(map(str, DAYS_CHOICES))}")
    return Filters(
        days,
        _text(params, "server"),
        _text(params, "category"),
        _integer(params, "page", 1, 1, MAX_PAGE),
    )


def api_filters(params: Mapping[str, str]) -> Filters:
    return Filters(
        days=_integer(params, "days", DEFAULT_DAYS, 1, API_MAX_DAYS),
        server=_text(params, "server"),
        category=_text(params, "category"),
        per_page=_integer(params, "limit", PER_PAGE, 1, API_MAX_LIMIT),
    )


@dataclass(frozen=True)
class Entry:
    rank: int
    preprint: RankedPreprint
    numbers: Shown
    server: str  # as the server spells itself: bioRxiv, medRxiv, arXiv

    @property
    def link(self) -> str:
        return self.preprint.url or self.doi_url or ""

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.preprint.doi}" if self.preprint.doi else None

    @property
    def texts(self) -> list[str]:
        """'52.3%', 'Top 0.1%', '870× the average preprint' ('–' where unknown)."""
        return self.numbers.cells()

    def to_json(self) -> dict[str, Any]:
        shown = plain(self.preprint, only=_SHOWN, names={"posted": "date"})
        return {
            "rank": self.rank,
            **shown,
            "server": self.server,
            "url": self.link or None,
            **self.numbers.to_json(),
        }


@dataclass(frozen=True)
class Listing:
    card: ProfileCard
    stats: StatsRow | None
    filters: Filters
    entries: tuple[Entry, ...]
    facets: Facets

    @property
    def name(self) -> str:
        return self.card.summary.name

    @property
    def n_papers(self) -> int:
        if self.stats and self.stats.n_papers:
            return self.stats.n_papers
        return self.card.summary.n_papers

    @property
    def average(self) -> float | None:
        return self.stats.mean_probability if self.stats and self.stats.n_preprints else None

    @property
    def average_text(self) -> str | None:
        """The average preprint's match score as shown ('0.06%')."""
        return None if self.average is None else format_probability(self.average)

    @property
    def pages(self) -> int:
        total = self.matching_total
        return max(1, -(-total // self.filters.per_page))

    @property
    def matching_total(self) -> int:
        """Preprints of the window passing the server/category filters."""
        return self.facets.count(self.filters.server, self.filters.category)

    @property
    def why_empty(self) -> str | None:
        return None if self.entries else empty_reason(self.card.summary, self.stats)

    def servers(self) -> list[tuple[str, str, int]]:
        """(value, shown name, count) of each server in the window."""
        return [(s, display_server(s), n) for s, n in self.facets.servers]


class Memo:
    """A small LRU of computed values keyed by data freshness (facets of a window)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def build_listing(
    session: Session, card: ProfileCard, filters: Filters, today: date, memo: Memo, marker: str
) -> Listing:
    """The page of ranked preprints `filters` asks for, with the window's facets."""
    profile_id = card.summary.id
    since = today - timedelta(days=filters.days)
    stats = profile_stats(session, [profile_id]).get(profile_id)
    ranked = top_preprints(
        session,
        profile_id,
        since,
        filters.per_page,
        filters.offset,
        server=filters.server,
        category=filters.category,
    )
    facets = memo.get(
        ("facets", profile_id, since, marker),
        lambda: window_facets(session, profile_id, since, FACET_DEPTH),
    )
    entries = tuple(
        Entry(rank, p, shown_in_window(p.probability, stats), display_server(p.server))
        for rank, p in enumerate(ranked, start=filters.offset + 1)
    )
    return Listing(card, stats, filters, entries, facets)


def search_journals(
    session: Session, memo: Memo, marker: str, query: str, limit: int
) -> list[ProfileSummary]:
    """Journals whose name has every word of `query`, largest first; else the closest names.

    The journal list is read once per data version (`marker`), not per keystroke; the
    "did you mean" fallback (`search_profiles`, difflib over every name) is cached per query.
    """
    words = journal_key(query).split()
    pool = memo.get(("journals", marker), lambda: list_profiles(session, kind="journal"))
    hits = [p for p in pool if all(w in p.key for w in words)]
    if hits or not words:
        return hits[:limit]
    close = memo.get(
        ("close", marker, query), lambda: search_profiles(session, query, limit=limit * 4)
    )
    return [p for p in close if p.kind == "journal"][:limit]


def matches_query(profile: ProfileSummary, query: str) -> bool:
    return all(w in profile.key for w in journal_key(query).split())
