"""Queries for channel health and for the instances that hold delivery leases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.store.base import record_of
from bot.store.delivery_models import DigestRow
from bot.store.trust_models import ChannelHealth, DeliveryInstance


@dataclass(frozen=True)
class FailingChannel:
    kind: str
    reason: str
    failing_since: datetime
    checked_at: datetime


def mark_failing(session: Session, kind: str, reason: str, now: datetime) -> bool:
    """Record that `kind` fails for `reason`; True when this is news (new or another reason)."""
    row = session.get(ChannelHealth, kind)
    if row is None:
        session.add(ChannelHealth(kind=kind, reason=reason, failing_since=now, checked_at=now))
        return True
    changed = row.reason != reason
    row.reason, row.checked_at = reason, now
    return changed


def mark_working(session: Session, kind: str) -> bool:
    """Forget that `kind` was failing; True when it was."""
    result = session.execute(
        delete(ChannelHealth).where(ChannelHealth.kind == kind)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return bool(getattr(result, "rowcount", 0))


def failing_channels(session: Session) -> list[FailingChannel]:
    rows = session.scalars(select(ChannelHealth).order_by(ChannelHealth.kind))
    return [record_of(FailingChannel, row) for row in rows]


def beat(session: Session, instance: str, now: datetime) -> None:
    """This instance is alive (registers it on its first beat)."""
    row = session.get(DeliveryInstance, instance)
    if row is None:
        session.add(DeliveryInstance(id=instance, started_at=now, heartbeat_at=now))
    else:
        row.heartbeat_at = now


def leave(session: Session, instance: str) -> None:
    """A clean stop: this instance's leases are free at once."""
    session.execute(
        update(DigestRow).where(DigestRow.claimed_by == instance, DigestRow.status == "pending")
        .values(claimed_until=None).execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(delete(DeliveryInstance).where(DeliveryInstance.id == instance))


def lease_free(at: datetime, stale_before: datetime) -> ColumnElement[bool]:
    """Nobody holds the digest: no lease, an expired one, or one held by a dead instance."""
    dead = select(DeliveryInstance.id).where(DeliveryInstance.heartbeat_at < stale_before)
    return or_(
        DigestRow.claimed_until.is_(None),
        DigestRow.claimed_until <= at,
        DigestRow.claimed_by.in_(dead),
    )


def free_all_leases(session: Session) -> int:
    """Every lease is a dead predecessor's (only safe when a lock proves we are alone)."""
    result = session.execute(
        update(DigestRow).where(DigestRow.claimed_until.is_not(None))
        .values(claimed_until=None).execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(delete(DeliveryInstance))
    return int(getattr(result, "rowcount", 0) or 0)
