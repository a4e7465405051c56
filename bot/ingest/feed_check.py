"""`feeds add` tries a feed once before adding it: what a URL serves, in one line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import HttpSettings
from bot.feeds.fetch import Fetcher, FetchRequest
from bot.feeds.parse import parse_feed
from bot.records.wording import counted


@dataclass(frozen=True)
class FeedCheck:
    url: str
    problem: str | None = None  # why it cannot be polled as it is; None when it can
    kind: str = ""
    title: str | None = None
    n_items: int = 0
    n_skipped: int = 0

    def describe(self) -> str:
        if self.problem:
            return self.problem
        title = f"“{self.title}”, " if self.title else ""
        skipped = f" ({counted(self.n_skipped, 'item')} unreadable)" if self.n_skipped else ""
        return f"{title}{self.kind} feed, {counted(self.n_items, 'preprint')}{skipped}"


def check_feed(http: HttpSettings, url: str, today: date) -> FeedCheck:
    """Fetch and parse `url` once, storing nothing."""
    with Fetcher(http) as fetcher:
        fetched = fetcher.fetch(FetchRequest(url))
    if fetched.error:
        return FeedCheck(url, problem=fetched.error)
    parsed = parse_feed(fetched.body, fetched.content_type, url, today)
    if parsed.problem:
        return FeedCheck(url, problem=parsed.problem, kind=parsed.kind)
    return FeedCheck(
        url,
        kind=parsed.kind,
        title=parsed.title,
        n_items=len(parsed.preprints),
        n_skipped=parsed.skipped,
    )
