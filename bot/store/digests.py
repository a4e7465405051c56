"""Ledger queries: what a digest may contain, claiming it, and recording every attempt.

Two processes never send the same digest: the (subscription, period) row is created with
INSERT … ON CONFLICT DO NOTHING (whoever inserts, builds it), and sending takes a short
lease with a conditional UPDATE, one digest at a time. The list of what to send is a plain
read: locking it (FOR UPDATE SKIP LOCKED, as an earlier version did) made a second process
whose read overlapped the first's find every row locked and send nothing at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.records.cadence import Slot
from bot.records.digest import Candidate, Digest, History, ProfileWindow
from bot.store.base import UTCDateTime, record_of
from bot.store.delivery_models import (
    DeliveryAttempt,
    DigestItem,
    DigestRow,
    Subscriber,
    Subscription,
)
from bot.store.models import PreprintRow
from bot.store.profile_models import ProfileStats, Score
from bot.store.trust import lease_free


@dataclass(frozen=True)
class PendingDigest:
    id: int
    subscription_id: int
    period: str
    payload: dict[str, object]
    message_id: str | None
    attempts: int
    first_attempt_at: datetime | None
    unfinished_attempt: bool  # a previous run crashed between sending and recording


def claim(session: Session, subscription_id: int, slot: Slot, now: datetime) -> int | None:
    """Create the period's digest row; None when it already exists (claimed elsewhere)."""
    values = {
        "subscription_id": subscription_id,
        "period": slot.period,
        "slot_at": slot.at,
        "window_start": now,
        "window_end": now,
        "status": "building",
        "payload": {},
        "created_at": now,
        "n_items": 0,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        upsert(DigestRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["subscription_id", "period"])
        .returning(DigestRow.id)
    )
    return session.execute(statement).scalar_one_or_none()


BUILD_LOCK = "rxradar build "  # namespace of the advisory locks taken while building


def lock_for_building(session: Session, subscription_id: int) -> bool:
    """PostgreSQL: take this subscription's build lock for the transaction, or False at once
    when another process holds it. SQLite has one writer at a time anyway: always True.

    Advisory locks belong to the whole database, not to a schema: the namespace includes
    the schema, so two deployments (or test runs) in one database never skip each other's
    subscription 1."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    namespace = func.hashtext(literal(BUILD_LOCK) + func.current_schema())
    locked = session.scalar(select(func.pg_try_advisory_xact_lock(namespace, subscription_id)))
    return bool(locked)


def record_digest(
    session: Session,
    digest_id: int,
    subscriber_id: int,
    digest: Digest,
    message_id: str | None,
) -> None:
    """Store the built digest and its items before anything is sent."""
    session.execute(
        update(DigestRow)
        .where(DigestRow.id == digest_id)
        .values(
            window_start=digest.window_start,
            window_end=digest.window_end,
            payload=digest.to_payload(),
            n_items=len(digest.entries),
            message_id=message_id,
            status="pending",
            retry_at=digest.window_end,
        )
        .execution_options(synchronize_session=False)
    )
    rows = [
        {
            "digest_id": digest_id,
            "subscriber_id": subscriber_id,
            "preprint_id": entry.preprint_id,
            "profile_id": entry.profile_id,
            "position": entry.rank,
            "probability": entry.probability,
            "text_fingerprint": entry.fingerprint,
            "updated": entry.updated,
        }
        for entry in digest.entries
    ]
    if rows:
        session.execute(insert(DigestItem), rows)


def mark_skipped(session: Session, digest_id: int, window: tuple[datetime, datetime]) -> None:
    row = session.get_one(DigestRow, digest_id)
    row.window_start, row.window_end = window
    row.status = "skipped"


def _in_window(first: date, last: date) -> ColumnElement[bool]:
    """Posted or updated within [first, last]."""
    return or_(PreprintRow.posted.between(first, last), PreprintRow.updated.between(first, last))


def candidates(
    session: Session,
    profile_ids: Sequence[int],
    start: datetime,
    end: datetime,
    limit: int | None = None,
    preprint_ids: Collection[str] | None = None,
) -> list[Candidate]:
    """Scored preprints for the profiles, posted or updated within the window's dates,
    best first (plain columns, not ORM objects: this is the hot query of every digest);
    only `preprint_ids` when given (instant alerts: what a poll just scored)."""
    first, last = start.date(), end.date()
    query = (
        select(
            PreprintRow.id,
            Score.profile_id,
            Score.probability,
            PreprintRow.title,
            PreprintRow.abstract,
            PreprintRow.authors,
            PreprintRow.categories,
            PreprintRow.server,
            PreprintRow.posted,
            PreprintRow.updated,
            PreprintRow.doi,
            PreprintRow.url,
        )
        .join(Score, Score.preprint_id == PreprintRow.id)
        .where(Score.profile_id.in_(list(profile_ids)))
        .where(PreprintRow.posted <= last)
        .where(
            or_(PreprintRow.posted.between(first, last), PreprintRow.updated.between(first, last))
        )
        .order_by(Score.probability.desc(), PreprintRow.id)
        .limit(limit)
    )
    if preprint_ids is not None:
        query = query.where(PreprintRow.id.in_(list(preprint_ids)))
    return [
        record_of(Candidate, row, preprint_id=row.id, abstract=row.abstract or "")
        for row in session.execute(query)
    ]


def considered(session: Session, start: datetime, end: datetime) -> int:
    first, last = start.date(), end.date()
    query = select(func.count(PreprintRow.id)).where(
        PreprintRow.posted <= last, _in_window(first, last)
    )
    return int(session.scalar(query) or 0)


def profile_windows(
    session: Session, profiles: Sequence[tuple[int, str, str]]
) -> list[ProfileWindow]:
    """(id, name, kind) of followed profiles plus their score statistics, in the given order."""
    ids = [pid for pid, _, _ in profiles]
    stats = {
        s.profile_id: s
        for s in session.scalars(select(ProfileStats).where(ProfileStats.profile_id.in_(ids)))
    }
    summaries = []
    for pid, name, kind in profiles:
        s = stats.get(pid)
        summaries.append(
            ProfileWindow(
                id=pid,
                name=name,
                kind=kind,
                n_papers=s.n_papers if s else 0,
                # the mean of no preprints is stored as 0: "the average preprint has 0.0%"
                mean_probability=s.mean_probability if s and s.n_preprints else None,
                quantiles=tuple(s.quantiles or ()) if s else (),
                n_preprints=s.n_preprints if s else 0,
            )
        )
    return summaries


def history(
    session: Session,
    subscriber_id: int,
    subscription_id: int,
    preprint_ids: Collection[str],
    last: History | None = None,
) -> History:
    """What this subscriber was already sent (any subscription), and this one's last window
    (read again unless `last`, an earlier answer of this transaction, already has it)."""
    delivered: dict[str, str] = {}
    ids = list(preprint_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(DigestItem.preprint_id, DigestItem.text_fingerprint)
            .where(DigestItem.subscriber_id == subscriber_id)
            .where(DigestItem.delivered_at.is_not(None))
            .where(DigestItem.preprint_id.in_(ids[start : start + 500]))
            .order_by(DigestItem.delivered_at)
        )
        delivered.update(dict(rows.all()))  # newest delivery wins
    if last is not None:
        return History(delivered, last.last_window_end, last.unsent_since)
    done = DigestRow.status.in_(("sent", "skipped"))
    last_end, first_failed = session.execute(
        select(
            func.max(case((done, DigestRow.window_end))),
            func.min(case((DigestRow.status == "failed", DigestRow.window_start))),
        ).where(DigestRow.subscription_id == subscription_id)
    ).one()
    unsent = first_failed if last_end is None else None
    return History(delivered=delivered, last_window_end=last_end, unsent_since=unsent)


def sendable(session: Session, now: datetime, stale_before: datetime) -> list[tuple[int, str]]:
    """(digest id, target kind) of pending digests whose (re)try time has come and that
    nobody alive holds a lease on (see `lease_free`), oldest first."""
    query = (
        select(DigestRow.id, Subscriber.kind)
        .join(Subscription, Subscription.id == DigestRow.subscription_id)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(DigestRow.status == "pending")
        .where(or_(DigestRow.retry_at.is_(None), DigestRow.retry_at <= now))
        .where(lease_free(now, stale_before))
        .order_by(DigestRow.id)
    )
    return [(digest_id, kind) for digest_id, kind in session.execute(query)]


def take_lease(
    session: Session, digest_id: int, instance: str, at: datetime, lease: timedelta,
    stale_before: datetime,
) -> bool:  # fmt: skip
    """Conditional UPDATE: True only for the one process that got the digest.

    Taken just before sending (not for a whole batch up front), so a lease never runs
    out while its digest is still waiting in a long run. A lease whose holder's heartbeat
    is older than `stale_before` is free: that instance is dead.
    """
    result = session.execute(
        update(DigestRow)
        .where(DigestRow.id == digest_id, DigestRow.status == "pending")
        .where(or_(DigestRow.retry_at.is_(None), DigestRow.retry_at <= at))
        .where(lease_free(at, stale_before))
        .values(claimed_until=at + lease, claimed_by=instance)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def pending(session: Session, digest_id: int) -> PendingDigest:
    unfinished = (
        select(func.count(DeliveryAttempt.id))
        .where(and_(DeliveryAttempt.digest_id == digest_id, DeliveryAttempt.outcome == "started"))
        .scalar_subquery()
    )
    row, n_unfinished = session.execute(
        select(DigestRow, unfinished).where(DigestRow.id == digest_id)
    ).one()
    return record_of(PendingDigest, row, unfinished_attempt=bool(n_unfinished))


def start_attempt(
    session: Session,
    digest_id: int | None,
    subscriber_id: int | None,
    kind: str,
    purpose: str,
    message_id: str | None,
    now: datetime,
) -> int:
    row = DeliveryAttempt(
        digest_id=digest_id,
        subscriber_id=subscriber_id,
        kind=kind,
        purpose=purpose,
        outcome="started",
        message_id=message_id,
        started_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def finish_attempt(
    session: Session,
    attempt_id: int,
    outcome: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    external_id: str | None = None,
) -> None:
    session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.id == attempt_id)
        .values(
            outcome=outcome,
            error=error,
            retry_at=retry_at,
            external_id=external_id,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def abandon_unfinished(session: Session, digest_id: int, now: datetime) -> None:
    """Close attempts a crashed run left open: their outcome is unknown."""
    session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.digest_id == digest_id, DeliveryAttempt.outcome == "started")
        .values(outcome="unknown", finished_at=now, error="the run ended before recording")
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, digest_id: int, now: datetime) -> None:
    session.execute(
        update(DigestRow)
        .where(DigestRow.id == digest_id)
        .values(
            status="sent",
            sent_at=now,
            error=None,
            retry_at=None,
            claimed_until=None,
            attempts=DigestRow.attempts + 1,
            first_attempt_at=func.coalesce(DigestRow.first_attempt_at, literal(now, UTCDateTime())),
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DigestItem)
        .where(DigestItem.digest_id == digest_id)
        .values(delivered_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_failed_attempt(
    session: Session, digest_id: int, now: datetime, error: str, retry_at: datetime | None
) -> None:
    """A failed attempt: pending again at `retry_at`, or failed for good when None."""
    row = session.get_one(DigestRow, digest_id)
    row.attempts += 1
    row.first_attempt_at = row.first_attempt_at or now
    row.error = error
    row.status = "pending" if retry_at is not None else "failed"
    row.retry_at = retry_at
    row.claimed_until = None


def wait_for_channel(session: Session, digest_id: int, now: datetime, error: str) -> None:
    """The channel (not this digest) failed: pending again at once, no retry used up; the
    24-hour clock starts, so a channel that never recovers does not hold it forever."""
    row = session.get_one(DigestRow, digest_id)
    row.first_attempt_at = row.first_attempt_at or now
    row.error = error
    row.claimed_until = None
