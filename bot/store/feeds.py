"""Queries for feeds: add, list, remove, what is due, and what a poll found."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from bot.records.plain import plain
from bot.store.base import record_of
from bot.store.db import Store
from bot.store.models import Feed

log = logging.getLogger(__name__)

REMOVED = "removed with `rxradar feeds remove`"


class FeedExists(ValueError):
    """The URL is already a feed; the message names its id."""


_SHOWN = ("id", "url", "source", "kind", "title", "enabled", "last_status", "last_error",
          "consecutive_failures", "last_polled_at", "next_poll_at", "disabled_reason")  # fmt: skip


@dataclass(frozen=True)
class FeedInfo:
    id: int
    url: str
    source: str | None
    kind: str
    title: str | None
    enabled: bool
    etag: str | None
    last_modified: str | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_poll_at: datetime | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    disabled_reason: str | None

    @property
    def removed(self) -> bool:
        return not self.enabled and self.disabled_reason == REMOVED

    def to_json(self) -> dict[str, Any]:
        return plain(self, only=_SHOWN)


@dataclass(frozen=True)
class FeedOutcome:
    """What one poll of one feed found; `record_poll` writes it."""

    polled_at: datetime
    status: int | None
    next_poll_at: datetime
    success: bool
    failures: int  # consecutive failures after this poll (0 after a success)
    error: str | None = None  # stored in last_error; a note when a successful poll had problems
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    kind: str | None = None
    title: str | None = None
    disabled_reason: str | None = None  # set: the feed is disabled (410)


def _info(row: Feed) -> FeedInfo:
    return record_of(FeedInfo, row)


def add_feed(store: Store, url: str, source: str | None = None, kind: str = "unknown") -> FeedInfo:
    """Add a feed, or bring back one that was removed or disabled; FeedExists if it is active."""
    with store.session() as session:
        row = session.scalars(select(Feed).where(Feed.url == url)).one_or_none()
        if row is not None and row.enabled:
            raise FeedExists(f"{url} is already feed {row.id}")
        if row is None:
            row = Feed(url=url, source=source, kind=kind, consecutive_failures=0, enabled=True)
            session.add(row)
        else:
            row.enabled, row.disabled_reason, row.consecutive_failures = True, None, 0
            row.next_poll_at, row.last_error = None, None
        session.flush()
        return _info(row)


def list_feeds(store: Store, include_removed: bool = False) -> list[FeedInfo]:
    with store.session() as session:
        rows = session.scalars(select(Feed).order_by(Feed.id)).all()
        infos = [_info(row) for row in rows]
    return [info for info in infos if include_removed or not info.removed]


def get_feed(store: Store, feed_id: int) -> FeedInfo | None:
    with store.session() as session:
        row = session.get(Feed, feed_id)
        return _info(row) if row is not None else None


def count_feeds(store: Store) -> int:
    """Every feed ever added, removed ones included (so defaults are added only once)."""
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Feed)) or 0)


def remove_feed(store: Store, feed_id: int) -> FeedInfo | None:
    """Stop polling a feed. The row stays so its preprints keep their source."""
    with store.session() as session:
        row = session.get(Feed, feed_id)
        if row is None or (not row.enabled and row.disabled_reason == REMOVED):
            return None
        row.enabled, row.disabled_reason = False, REMOVED
        session.flush()
        return _info(row)


def due_feeds(store: Store, now: datetime, ignore_due_times: bool = False) -> list[FeedInfo]:
    """Enabled feeds whose next poll time has come (all enabled feeds with ignore_due_times)."""
    query = select(Feed).where(Feed.enabled.is_(True)).order_by(Feed.id)
    if not ignore_due_times:
        query = query.where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
    with store.session() as session:
        return [_info(row) for row in session.scalars(query).all()]


def record_poll(store: Store, feed_id: int, outcome: FeedOutcome) -> None:
    with store.session() as session:
        row = session.get(Feed, feed_id)
        if row is None:
            return
        row.last_polled_at, row.last_status = outcome.polled_at, outcome.status
        row.next_poll_at, row.consecutive_failures = outcome.next_poll_at, outcome.failures
        row.last_error = outcome.error
        if outcome.success:
            row.last_success_at = outcome.polled_at
            # an over-long validator is useless to send back; drop it rather than fail
            row.etag = _fits(outcome.etag, 500)
            row.last_modified = _fits(outcome.last_modified, 100)
        row.kind = outcome.kind or row.kind
        row.title = (outcome.title or row.title or "")[:500] or None
        if outcome.disabled_reason:
            row.enabled, row.disabled_reason = False, outcome.disabled_reason
        if outcome.moved_to and outcome.moved_to != row.url:
            _move(session, row, outcome.moved_to)


def _fits(value: str | None, limit: int) -> str | None:
    return value if value is not None and len(value) <= limit else None


def _move(session: Any, row: Feed, url: str) -> None:
    taken = session.scalars(select(Feed.id).where(Feed.url == url)).first()
    if taken is not None:
        log.warning("feed %s moved to %s, which is already feed %s", row.id, url, taken)
        return
    log.info("feed %s moved permanently: %s -> %s", row.id, row.url, url)
    row.url = url
