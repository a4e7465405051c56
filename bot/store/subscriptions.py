"""Queries for subscribers and subscriptions (who follows what, when, and whether paused)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digest.cadence import Cadence
from bot.digest.model import Rules, Target
from bot.store.delivery_models import Digest, Subscriber, Subscription, SubscriptionProfile
from bot.store.profile_models import Profile


@dataclass(frozen=True)
class Options:
    """Everything a subscription can be told besides its target and profiles."""

    cadence: Cadence = field(default_factory=Cadence)
    top: int | None = 10
    min_percentile: float | None = None
    min_probability: float | None = None
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    lookback_days: int = 7


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
    options: Options
    active: bool
    paused_reason: str | None
    owner: str
    created_at: datetime

    @property
    def rules(self) -> Rules:
        o = self.options
        return Rules(
            subscription_id=self.id,
            top=o.top,
            min_percentile=o.min_percentile,
            min_probability=o.min_probability,
            keywords=o.keywords,
            exclude=o.exclude,
            servers=o.servers,
            categories=o.categories,
            lookback_days=o.lookback_days,
        )

    @property
    def journals(self) -> list[str]:
        return [p.name for p in self.profiles if p.kind == "journal"]

    @property
    def custom_profiles(self) -> list[str]:
        return [p.name for p in self.profiles if p.kind != "journal"]

    @property
    def sendable(self) -> bool:
        return self.active and self.paused_reason is None and self.confirmed


def target_of(subscriber: Subscriber) -> Target:
    return Target(subscriber.kind, subscriber.address, subscriber.team, subscriber.channel)


def ensure_subscriber(session: Session, target: Target, confirmed: bool) -> Subscriber:
    """Get or create the subscriber; an operator's (confirmed) add confirms a pending one."""
    row = session.scalar(select(Subscriber).where(Subscriber.key == target.key))
    if row is None:
        row = Subscriber(
            key=target.key,
            kind=target.kind,
            address=target.address.strip().lower() if target.address else None,
            team=target.team,
            channel=target.channel,
            confirmed=confirmed,
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
    options: Options,
    owner: str,
    now: datetime,
) -> int:
    c = options.cadence
    row = Subscription(
        subscriber_id=subscriber.id,
        top=options.top,
        min_percentile=options.min_percentile,
        min_probability=options.min_probability,
        keywords=list(options.keywords),
        exclude=list(options.exclude),
        servers=list(options.servers),
        categories=list(options.categories),
        cadence=c.kind,
        day=c.day,
        time=c.at,
        tz=c.tz,
        lookback_days=options.lookback_days,
        owner=owner,
        created_at=now,
    )
    session.add(row)
    session.flush()
    for profile_id in dict.fromkeys(profile_ids):
        session.add(SubscriptionProfile(subscription_id=row.id, profile_id=profile_id))
    session.flush()
    return row.id


def _options(row: Subscription) -> Options:
    return Options(
        cadence=Cadence(row.cadence, row.day, row.time, row.tz),
        top=row.top,
        min_percentile=row.min_percentile,
        min_probability=row.min_probability,
        keywords=tuple(row.keywords or ()),
        exclude=tuple(row.exclude or ()),
        servers=tuple(row.servers or ()),
        categories=tuple(row.categories or ()),
        lookback_days=row.lookback_days,
    )


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
            target=target_of(person),
            confirmed=person.confirmed,
            profiles=tuple(followed.get(sub.id, ())),
            options=_options(sub),
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
    return True


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


def subscriber_key(session: Session, subscriber_id: int) -> str | None:
    row = session.get(Subscriber, subscriber_id)
    return row.key if row else None


def last_results(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The newest digest of each subscription: status, period, items and error."""
    rows = session.scalars(
        select(Digest)
        .where(Digest.subscription_id.in_(list(ids)))
        .order_by(Digest.subscription_id, Digest.slot_at)
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        latest[row.subscription_id] = {
            "period": row.period,
            "status": row.status,
            "items": row.n_items,
            "error": row.error,
            "retry_at": row.retry_at if row.status == "pending" else None,
        }
    return latest


def periods_claimed(session: Session, subscription_id: int) -> set[str]:
    return set(
        session.scalars(select(Digest.period).where(Digest.subscription_id == subscription_id))
    )


def claimed_periods(session: Session, periods: set[str]) -> set[tuple[int, str]]:
    """(subscription id, period) of every digest already claimed for these periods."""
    if not periods:
        return set()
    rows = session.execute(
        select(Digest.subscription_id, Digest.period).where(Digest.period.in_(list(periods)))
    )
    return {(sub_id, period) for sub_id, period in rows}
