"""Queries for subscribers and subscriptions (who follows what, when, and whether paused)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.records.rules import DigestRules, rules_columns, rules_from_columns
from bot.records.target import Target
from bot.store.base import record_of
from bot.store.delivery_models import (
    DigestRow,
    Subscriber,
    Subscription,
    SubscriptionProfile,
    Vote,
)
from bot.store.profile_models import Profile


@dataclass(frozen=True)
class FollowedProfile:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class SubscriptionRecord:
    id: int
    subscriber_id: int
    target: Target
    confirmed: bool
    profiles: tuple[FollowedProfile, ...]
    rules: DigestRules
    active: bool
    paused_reason: str | None
    owner: str
    created_at: datetime

    @property
    def journals(self) -> list[str]:
        return [p.name for p in self.profiles if p.kind == "journal"]

    @property
    def custom_profiles(self) -> list[str]:
        return [p.name for p in self.profiles if p.kind != "journal"]

    @property
    def names(self) -> str:
        return ", ".join(p.name for p in self.profiles) or "(no journals)"

    @property
    def sendable(self) -> bool:
        return self.active and self.paused_reason is None and self.confirmed


@dataclass(frozen=True)
class LastDigest:
    """The newest digest of a subscription, as `subscriptions list` and `status` show it."""

    period: str
    status: str  # building | pending | sent | failed | skipped
    items: int
    error: str | None
    retry_at: datetime | None  # when a pending digest is tried again

    @property
    def waiting(self) -> bool:
        """Claimed but not done: it goes out (again) before any later period."""
        return self.status in ("building", "pending")


def ensure_subscriber(session: Session, target: Target, confirmed: bool) -> Subscriber:
    """Get or create the subscriber; an operator's (confirmed) add confirms a pending one."""
    row = session.scalar(select(Subscriber).where(Subscriber.key == target.key))
    if row is None:
        row = Subscriber(
            key=target.key, kind=target.kind, address=target.address, confirmed=confirmed
        )
        session.add(row)
        session.flush()
    elif confirmed and not row.confirmed:
        row.confirmed = True
    return row


def create_subscription(
    session: Session,
    subscriber: Subscriber,
    profile_ids: Sequence[int],
    rules: DigestRules,
    owner: str,
    now: datetime,
) -> int:
    row = Subscription(
        subscriber_id=subscriber.id, owner=owner, created_at=now, **rules_columns(rules)
    )
    session.add(row)
    session.flush()
    for profile_id in dict.fromkeys(profile_ids):
        session.add(SubscriptionProfile(subscription_id=row.id, profile_id=profile_id))
    session.flush()
    return row.id


def _rules(row: Subscription) -> DigestRules:
    return rules_from_columns({name: getattr(row, name) for name in rules_columns(DigestRules())})


def _followed(session: Session, ids: Sequence[int]) -> dict[int, list[FollowedProfile]]:
    rows = session.execute(
        select(SubscriptionProfile.subscription_id, Profile.id, Profile.name, Profile.kind)
        .join(Profile, Profile.id == SubscriptionProfile.profile_id)
        .where(SubscriptionProfile.subscription_id.in_(list(ids)))
        .order_by(SubscriptionProfile.subscription_id, Profile.name)
    )
    followed: dict[int, list[FollowedProfile]] = {}
    for sub_id, pid, name, kind in rows:
        followed.setdefault(sub_id, []).append(FollowedProfile(pid, name, kind))
    return followed


def subscriptions(
    session: Session,
    *,
    ids: Sequence[int] | None = None,
    target: Target | None = None,
    include_inactive: bool = False,
) -> list[SubscriptionRecord]:
    query = select(Subscription, Subscriber).join(
        Subscriber, Subscriber.id == Subscription.subscriber_id
    )
    if ids is not None:
        query = query.where(Subscription.id.in_(list(ids)))
    if target is not None:
        query = query.where(Subscriber.key == target.key)
    if not include_inactive:
        query = query.where(Subscription.active.is_(True))
    pairs = [(sub, person) for sub, person in session.execute(query.order_by(Subscription.id))]
    followed = _followed(session, [sub.id for sub, _ in pairs])
    return [
        SubscriptionRecord(
            id=sub.id,
            subscriber_id=person.id,
            target=Target.from_key(person.key),
            confirmed=person.confirmed,
            profiles=tuple(followed.get(sub.id, ())),
            rules=_rules(sub),
            active=sub.active,
            paused_reason=sub.paused_reason,
            owner=sub.owner,
            created_at=sub.created_at,
        )
        for sub, person in pairs
    ]


def subscription(session: Session, subscription_id: int) -> SubscriptionRecord | None:
    found = subscriptions(session, ids=[subscription_id], include_inactive=True)
    return found[0] if found else None


def unsubscribe(session: Session, subscription_id: int, now: datetime) -> bool:
    """Stop a subscription (kept, inactive, so its ledger stays); False if already stopped."""
    row = session.get(Subscription, subscription_id)
    if row is None or not row.active:
        return False
    row.active = False
    row.unsubscribed_at = now
    # what the subscriber taught this subscription goes with it (feedback.move_votes first
    # when new settings replace it)
    session.execute(delete(Vote).where(Vote.subscription_id == subscription_id))
    return True


def set_rules(session: Session, subscription_id: int, rules: DigestRules) -> None:
    """Replace a subscription's settings in place (its ledger stays with it)."""
    row = session.get(Subscription, subscription_id)
    if row is not None:
        for name, value in rules_columns(rules).items():
            setattr(row, name, value)


def pause(session: Session, subscription_id: int, reason: str, now: datetime) -> None:
    row = session.get(Subscription, subscription_id)
    if row is not None:
        row.paused_reason = reason
        row.paused_at = now


def resume(session: Session, subscription_id: int) -> None:
    row = session.get(Subscription, subscription_id)
    if row is not None:
        row.paused_reason = None
        row.paused_at = None


def subscriber(session: Session, subscriber_id: int) -> Subscriber | None:
    return session.get(Subscriber, subscriber_id)


def confirm_subscriber(
    session: Session, subscriber_id: int, binding_key: str, now: datetime
) -> bool:
    """Mark confirmed when the id still belongs to the same target; False otherwise."""
    row = session.get(Subscriber, subscriber_id)
    if row is None or row.key != binding_key:
        return False
    if not row.confirmed:
        row.confirmed = True
        row.confirmed_at = now
    return True


def confirmation_due(
    session: Session, subscriber_id: int, now: datetime, every: timedelta,
    confirmed_too: bool = False,
) -> bool:  # fmt: skip
    """Whether a subscriber may be sent a confirmation request now (and note it): only an
    unconfirmed one, unless `confirmed_too` (a new subscription asks for its own consent)."""
    row = session.get_one(Subscriber, subscriber_id)
    last = row.confirmation_sent_at
    due = (confirmed_too or not row.confirmed) and (last is None or now - last >= every)
    if due:
        row.confirmation_sent_at = now
    return due


def subscriber_key(session: Session, subscriber_id: int) -> str | None:
    row = session.get(Subscriber, subscriber_id)
    return row.key if row else None


def last_digests(session: Session, ids: Sequence[int]) -> dict[int, LastDigest]:
    """The newest digest of each subscription."""
    rows = session.scalars(
        select(DigestRow)
        .where(DigestRow.subscription_id.in_(list(ids)))
        .order_by(DigestRow.subscription_id, DigestRow.slot_at)
    )
    return {
        row.subscription_id: record_of(
            LastDigest, row, items=row.n_items,
            retry_at=row.retry_at if row.status == "pending" else None,
        )
        for row in rows
    }  # fmt: skip


def claimed_periods(
    session: Session,
    *,
    subscription_ids: Collection[int] | None = None,
    periods: Collection[str] | None = None,
) -> set[tuple[int, str]]:
    """(subscription id, period) of every digest already claimed, for these subscriptions
    and/or these periods."""
    query = select(DigestRow.subscription_id, DigestRow.period)
    if subscription_ids is not None:
        query = query.where(DigestRow.subscription_id.in_(list(subscription_ids)))
    if periods is not None:
        if not periods:
            return set()
        query = query.where(DigestRow.period.in_(list(periods)))
    return {(sub_id, period) for sub_id, period in session.execute(query)}
