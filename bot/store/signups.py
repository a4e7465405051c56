"""Sign-ups asked for on the web: counted per address, so the limit holds across restarts
and instances (a visitor's own limit is kept in memory by the web edge)."""

from __future__ import annotations

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
