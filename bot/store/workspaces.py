"""Pausing and resuming every subscription of one Slack workspace at once.

When a workspace uninstalls the app or revokes its token, nothing can be posted there;
its subscriptions are paused with `WORKSPACE_PAUSED` in the reason, so that reinstalling
resumes exactly those (and not ones paused for another reason, such as an archived channel).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.delivery_models import Subscriber, Subscription

WORKSPACE_PAUSED = "rxradar is no longer installed in this Slack workspace"


def _in_group(session: Session, prefix: str) -> list[Subscription]:
    query = (
        select(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscriber.key.startswith(prefix, autoescape=True))
        .where(Subscription.active.is_(True))
        .order_by(Subscription.id)
    )
    return list(session.scalars(query))


def pause_group(session: Session, prefix: str, reason: str, now: datetime) -> list[int]:
    """Pause every running subscription whose target key starts with `prefix`."""
    paused = []
    for row in _in_group(session, prefix):
        if row.paused_reason is None:
            row.paused_reason, row.paused_at = reason, now
            paused.append(row.id)
    return paused


def resume_group(session: Session, prefix: str) -> list[int]:
    """Resume the subscriptions of `prefix` that were paused because the install was gone."""
    resumed = []
    for row in _in_group(session, prefix):
        if row.paused_reason and row.paused_reason.startswith(WORKSPACE_PAUSED):
            row.paused_reason, row.paused_at = None, None
            resumed.append(row.id)
    return resumed
