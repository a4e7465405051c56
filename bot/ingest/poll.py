"""One poll: fetch every due feed concurrently, parse, store, and record each feed's outcome.

A feed's problems stay with that feed: its error is stored on it and its next poll moves out
(exponential backoff); every other feed lands as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.config import ConfigError, HttpSettings
from bot.feeds.authority import authoritative
from bot.feeds.catalogue import UnknownSource, resolve_source
from bot.feeds.fetch import Fetcher, FetchRequest, FetchResult, describe_status
from bot.feeds.parse import parse_feed
from bot.feeds.parsed import ParsedFeed
from bot.records.plain import plain
from bot.records.progress import Say
from bot.records.wording import counted
from bot.store.base import utcnow
from bot.store.db import Store
from bot.store.feeds import FeedInfo, FeedOutcome, add_feed, count_feeds, due_feeds, record_poll
from bot.store.preprints import UpsertResult, upsert_preprints

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class FeedPollResult:
    feed_id: int
    feed: str  # the URL that was polled
    status: int | None
    new: int = 0
    updated: int = 0
    skipped: int = 0
    error: str | None = None  # set only when the feed as a whole failed
    changed_ids: tuple[str, ...] = ()
    # Items already stored as they are (from another feed, or an earlier poll): with new,
    # updated and skipped they add up to the items the feed listed.
    unchanged: int = 0

    def to_json(self) -> dict[str, Any]:
        """The pinned `poll --json` row."""
        fields = ("feed", "status", "new", "updated", "unchanged", "skipped", "error")
        return plain(self, only=fields)


@dataclass(frozen=True)
class PollReport:
    started_at: datetime
    results: tuple[FeedPollResult, ...]

    @property
    def changed_ids(self) -> tuple[str, ...]:
        """Preprints new or changed in this poll, each once: the input for scoring."""
        ids = (i for result in self.results for i in result.changed_ids)
        return tuple(dict.fromkeys(ids))


def _duration(wait: timedelta) -> str:
    seconds = int(wait.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


def backoff(poll_interval: timedelta, failures: int) -> timedelta:
    """How long a feed rests after its n-th failure in a row: doubling, capped at a day."""
    grown: timedelta = poll_interval * (2 ** min(failures, 16))
    return min(grown, MAX_BACKOFF)


def ensure_default_feeds(store: Store, feeds: Sequence[str]) -> list[FeedInfo]:
    """Add RXRADAR_FEEDS when the database has never had a feed; returns what was added."""
    if count_feeds(store) > 0:
        return []
    added = []
    for name in feeds:
        try:
            source = resolve_source(name)
        except UnknownSource as exc:
            raise ConfigError(f"RXRADAR_FEEDS: {exc}") from exc
        added.append(add_feed(store, source.url, source.name, source.kind))
    return added


def poll_feeds(
    store: Store,
    http: HttpSettings,
    poll_interval: timedelta,
    ignore_due_times: bool = False,
    now: datetime | None = None,
    fetcher: Fetcher | None = None,
    waiting: Say | None = None,
) -> PollReport:
    """Poll every enabled feed that is due (all enabled feeds with ignore_due_times).

    `waiting` hears which hosts the poll still waits on, whenever that changes.
    """
    started = now or utcnow()
    feeds = {feed.url: feed for feed in due_feeds(store, started, ignore_due_times)}
    requests = [FetchRequest(f.url, f.etag, f.last_modified) for f in feeds.values()]
    results: list[FeedPollResult] = []
    client = fetcher or Fetcher(http)
    pending = {url: urlsplit(url).hostname or url for url in feeds}
    say = waiting or (lambda text: None)
    try:
        say(_waiting_for(pending, 0))
        for fetched in client.fetch_many(requests):
            feed = feeds[fetched.url]
            results.append(ingest(store, poll_interval, feed, fetched, started, http.max_items))
            pending.pop(fetched.url, None)
            say(_waiting_for(pending, len(results)))
    finally:
        if fetcher is None:
            client.close()
    results.sort(key=lambda result: result.feed_id)
    return PollReport(started_at=started, results=tuple(results))


def _waiting_for(pending: dict[str, str], done: int) -> str:
    hosts = sorted(set(pending.values()))
    shown = ", ".join(hosts[:3]) + (f" and {len(hosts) - 3} more" if len(hosts) > 3 else "")
    polled = f"{done} of {counted(done + len(pending), 'feed')} polled"
    return f"{polled}; waiting for {shown}" if hosts else ""


def ingest(
    store: Store, poll_interval: timedelta, feed: FeedInfo, fetched: FetchResult, now: datetime,
    max_items: int | None = None,
) -> FeedPollResult:  # fmt: skip
    """Store what one fetch brought and record the outcome on the feed. Never raises."""
    try:
        if fetched.gone:
            return _disable(store, feed, fetched, now)
        if fetched.error:
            return _fail(store, poll_interval, feed, fetched, fetched.error, now)
        if fetched.not_modified:
            return _succeed(store, poll_interval, feed, fetched, None, UpsertResult(), now)
        parsed = parse_feed(fetched.body, fetched.content_type, feed.url, now.date(), max_items)
        if parsed.problem:
            return _fail(store, poll_interval, feed, fetched, parsed.problem, now, parsed)
        stored = upsert_preprints(
            store, parsed.preprints, feed.id, now, lambda id_: authoritative(feed.url, id_)
        )
        return _succeed(store, poll_interval, feed, fetched, parsed, stored, now)
    except Exception as exc:  # job boundary: one broken feed must not stop the others
        log.exception("polling feed %s (%s) failed", feed.id, feed.url)
        message = f"internal error while storing this feed: {type(exc).__name__}: {exc}"
        return _fail_safely(store, poll_interval, feed, fetched, message, now)


def _fail_safely(
    store: Store, poll_interval: timedelta, feed: FeedInfo, fetched: FetchResult,
    message: str, now: datetime,
) -> FeedPollResult:  # fmt: skip
    """Record a failure; if even that fails, the error still stays in this feed's result."""
    try:
        return _fail(store, poll_interval, feed, fetched, message, now)
    except Exception:  # job boundary (the store itself may be what broke)
        log.exception("recording the failure of feed %s (%s) failed", feed.id, feed.url)
        return FeedPollResult(feed.id, feed.url, fetched.status, error=message)


def _success_outcome(
    poll_interval: timedelta,
    feed: FeedInfo,
    fetched: FetchResult,
    parsed: ParsedFeed | None,
    now: datetime,
) -> FeedOutcome:
    keep = fetched.not_modified  # a 304 may omit the validators: keep the ones we sent
    return FeedOutcome(
        polled_at=now,
        status=fetched.status,
        next_poll_at=now + poll_interval,
        success=True,
        failures=0,
        error=("; ".join(parsed.warnings) or None) if parsed else None,
        etag=fetched.etag or (feed.etag if keep else None),
        last_modified=fetched.last_modified or (feed.last_modified if keep else None),
        moved_to=fetched.moved_to,
        kind=parsed.kind if parsed else None,
        title=parsed.title if parsed else None,
    )


def _succeed(
    store: Store,
    poll_interval: timedelta,
    feed: FeedInfo,
    fetched: FetchResult,
    parsed: ParsedFeed | None,
    stored: UpsertResult,
    now: datetime,
) -> FeedPollResult:
    record_poll(store, feed.id, _success_outcome(poll_interval, feed, fetched, parsed, now))
    skipped = (parsed.skipped if parsed else 0) + stored.skipped
    listed = len(parsed.preprints) if parsed else 0
    unchanged = max(listed - len(stored.new) - len(stored.updated) - stored.skipped, 0)
    log.info(
        "feed %s: %s new, %s updated, %s already stored, %s skipped",
        feed.url,
        len(stored.new),
        len(stored.updated),
        unchanged,
        skipped,
    )
    return FeedPollResult(
        feed_id=feed.id,
        feed=feed.url,
        status=fetched.status,
        new=len(stored.new),
        updated=len(stored.updated),
        skipped=skipped,
        changed_ids=stored.changed_ids,
        unchanged=unchanged,
    )


def _fail(
    store: Store,
    poll_interval: timedelta,
    feed: FeedInfo,
    fetched: FetchResult,
    message: str,
    now: datetime,
    parsed: ParsedFeed | None = None,
) -> FeedPollResult:
    failures = feed.consecutive_failures + 1
    wait = backoff(poll_interval, failures)
    asked = fetched.retry_after(now)
    if asked is not None:  # the server said when to come back: never earlier than that
        message = f"{message}; the server asked us to wait {_duration(asked)}"
        wait = max(wait, min(asked, MAX_BACKOFF))
    retry_at = now + wait
    text = f"{message} (failure {failures} in a row; next try after {retry_at:%Y-%m-%d %H:%M} UTC)"
    outcome = _failure(now, fetched, retry_at, failures, text, parsed)
    record_poll(store, feed.id, outcome)
    log.warning("feed %s: %s", feed.url, text)
    return FeedPollResult(feed.id, feed.url, fetched.status, error=text)


def _failure(
    now: datetime, fetched: FetchResult, retry_at: datetime, failures: int, error: str,
    parsed: ParsedFeed | None = None,
) -> FeedOutcome:  # fmt: skip
    return FeedOutcome(
        polled_at=now, status=fetched.status, next_poll_at=retry_at, success=False,
        failures=failures, error=error,
        kind=parsed.kind if parsed else None, title=parsed.title if parsed else None,
    )  # fmt: skip


def _disable(store: Store, feed: FeedInfo, fetched: FetchResult, now: datetime) -> FeedPollResult:
    text = f"{describe_status(410)}; if it has a new URL, add that (rxradar feeds add URL)"
    outcome = replace(
        _failure(now, fetched, now, feed.consecutive_failures + 1, text),
        disabled_reason="HTTP 410 Gone",
    )
    record_poll(store, feed.id, outcome)
    log.warning("feed %s: %s", feed.url, text)
    return FeedPollResult(feed.id, feed.url, fetched.status, error=text)
