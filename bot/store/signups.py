"""Sign-ups asked for on the web: counted per address, so the limit holds across restarts
and instances (a visitor's own limit is kept in memory by the web edge)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.delivery_models import Subscriber, Subscription

WEB_OWNER = "web"
PENDING = "waiting for email confirmation (asked on the web)"


def recent_web_signups(session: Session, target_key: str, since: datetime) -> int:
    """Subscriptions asked for on the web for this address since `since`."""
    query = (
        select(func.count(Subscription.id))
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscriber.key == target_key,
            Subscription.owner == WEB_OWNER,
            Subscription.created_at >= since,
        )
    )
    return session.scalar(query) or 0


ASK_LOCK = 7_311  # namespace of the advisory locks held while counting a workspace's asks


def lock_asks(session: Session, scope: str) -> None:
    """PostgreSQL: hold `scope`'s ask lock for the transaction, so two requests counted at
    once cannot both take the last place. SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ASK_LOCK, _lock_key(scope))))


def _lock_key(scope: str) -> int:
    return int.from_bytes(hashlib.sha256(scope.encode()).digest()[:4], "big", signed=True)


def recent_asks(
    session: Session, kind: str, since: datetime, *, owner: str | None = None,
    owner_prefix: str | None = None,
) -> list[datetime]:  # fmt: skip
    """When subscriptions to `kind` targets were asked for after `since` by `owner` (or any
    owner starting with `owner_prefix`), oldest first; stored rows, so restarts keep them."""
    query = (
        select(Subscription.created_at)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscriber.key.startswith(f"{kind}:", autoescape=True))
        .where(Subscription.created_at > since)
        .order_by(Subscription.created_at)
    )
    if owner is not None:
        query = query.where(Subscription.owner == owner)
    if owner_prefix is not None:
        query = query.where(Subscription.owner.startswith(owner_prefix, autoescape=True))
    return list(session.scalars(query))
