"""Subscription services shared by the CLI, the Slack app and the web pages.

These are the verbs: subscribe, list, unsubscribe (by id, by journal, by signed link),
confirm an email address, record a vote. Each takes the store and an injected `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.channels.registry import Registry
from bot.config import Settings, ensure_secret_key
from bot.digest.cadence import due_slot, next_slot_after
from bot.digest.model import Target
from bot.notices import send_confirmation
from bot.profiles.names import journal_key
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.delivery_models import DigestItem, Subscriber, Vote
from bot.store.profiles import Suggestions, find_profile
from bot.store.subscriptions import FollowedProfile, Options, SubscriptionRecord
from bot.tokens import CONFIRM, UNSUBSCRIBE, TokenError, binding_for, verify_token

CONFIRMATION_EVERY = timedelta(days=1)


class SubscribeError(ValueError):
    """The request cannot be done as asked; the message says what to do instead."""


@dataclass(frozen=True)
class VoteResult:
    subscription: int
    preprint_id: str
    value: int


def resolve_profiles(
    store: Store, journals: Sequence[str], profiles: Sequence[str] = ()
) -> list[FollowedProfile]:
    """Look up every name; unknown names fail with 'did you mean' suggestions."""
    found: list[FollowedProfile] = []
    problems: list[str] = []
    for name in [*journals, *profiles]:
        match = find_profile(store, name)
        if isinstance(match, Suggestions):
            problems.append(match.message())
        else:
            found.append(FollowedProfile(match.id, match.name, match.kind))
    if problems:
        raise SubscribeError(" ".join(problems) + " (list names with `rxradar profiles list`)")
    if not found:
        raise SubscribeError("follow at least one journal (--journal NAME) or profile")
    return found


def subscribe(
    store: Store,
    target: Target,
    journals: Sequence[str],
    now: datetime,
    *,
    profiles: Sequence[str] = (),
    options: Options | None = None,
    owner: str = "cli",
    confirmed: bool = True,
) -> SubscriptionRecord:
    """Follow journals/profiles; an identical active subscription is updated, not doubled."""
    followed = resolve_profiles(store, journals, profiles)
    ids = sorted({p.id for p in followed})
    with store.session() as session:
        subscriber = subs.ensure_subscriber(session, target, confirmed)
        same = [
            r
            for r in subs.subscriptions(session, target=target)
            if sorted(p.id for p in r.profiles) == ids
        ]
        for old in same:
            subs.unsubscribe(session, old.id, now)  # replaced by the new settings
        created = subs.create_subscription(
            session, subscriber, ids, options or Options(), owner, now
        )
        record = subs.subscription(session, created)
    assert record is not None
    return record


def subscribe_email_from_slack(
    store: Store,
    settings: Settings,
    registry: Registry,
    address: str,
    journals: Sequence[str],
    now: datetime,
    *,
    requester: str,
    owner: str,
    options: Options | None = None,
) -> SubscriptionRecord:
    """An address given by someone else: stored unconfirmed, and asked to confirm by email.

    Nothing is sent to it until the link in that email is opened (`confirm_email`).
    """
    target = Target("email", address=address.strip().lower())
    record = subscribe(store, target, journals, now, options=options, owner=owner, confirmed=False)
    with store.session() as session:
        row = session.get_one(Subscriber, record.subscriber_id)
        last = row.confirmation_sent_at
        # one request a day at most, so Slack cannot be used to flood someone's inbox
        due = not row.confirmed and (last is None or now - last >= CONFIRMATION_EVERY)
        if due:
            row.confirmation_sent_at = now
    if due:
        send_confirmation(store, settings, registry, record, requester, now)
    return record


def resume(store: Store, subscription_id: int) -> bool:
    """Lift a pause (after the cause was fixed); False when there is no such subscription."""
    with store.session() as session:
        record = subs.subscription(session, subscription_id)
        if record is None or not record.active:
            return False
        subs.resume(session, subscription_id)
    return True


def list_for_target(store: Store, target: Target) -> list[SubscriptionRecord]:
    with store.session() as session:
        return subs.subscriptions(session, target=target)


def unsubscribe(store: Store, subscription_id: int, now: datetime) -> bool:
    with store.session() as session:
        return subs.unsubscribe(session, subscription_id, now)


def unsubscribe_target(
    store: Store, target: Target, now: datetime, journal: str | None = None
) -> list[int]:
    """Stop a target's subscriptions that follow `journal` (every one when None)."""
    wanted = journal_key(journal) if journal else None
    stopped = []
    with store.session() as session:
        for record in subs.subscriptions(session, target=target):
            names = {journal_key(p.name) for p in record.profiles}
            if (wanted is None or wanted in names) and subs.unsubscribe(session, record.id, now):
                stopped.append(record.id)
    return stopped


def confirm_email(store: Store, settings: Settings, token: str, now: datetime) -> Target:
    """Confirm the address a /confirm/<token> link was sent to; raise TokenError if invalid."""
    claims = verify_token(ensure_secret_key(settings).get(), CONFIRM, token, now)
    with store.session() as session:
        key = subs.subscriber_key(session, claims.subject)
        if key is None or binding_for(key) != claims.binding:
            raise TokenError("this link is for an address that is no longer subscribed")
        subs.confirm_subscriber(session, claims.subject, key, now)
        row = session.get_one(Subscriber, claims.subject)
        return subs.target_of(row)


def unsubscribe_by_token(
    store: Store, settings: Settings, token: str, now: datetime
) -> SubscriptionRecord:
    """Stop the subscription an /unsubscribe/<token> link names (idempotent)."""
    claims = verify_token(ensure_secret_key(settings).get(), UNSUBSCRIBE, token, now)
    with store.session() as session:
        record = subs.subscription(session, claims.subject)
        if record is None or binding_for(record.target.key) != claims.binding:
            raise TokenError("this link is for a subscription that no longer exists")
        subs.unsubscribe(session, record.id, now)
    return record


def record_vote(
    store: Store, subscription_id: int, preprint_id: str, voter: str, value: int, now: datetime
) -> VoteResult:
    """👍 (+1) / 👎 (-1) from `voter` on a delivered preprint; a second vote replaces the first."""
    if value not in (1, -1):
        raise SubscribeError("a vote is +1 (relevant) or -1 (not relevant)")
    with store.session() as session:
        record = subs.subscription(session, subscription_id)
        if record is None:
            raise SubscribeError(f"there is no subscription {subscription_id}")
        item = session.scalar(
            select(DigestItem)
            .where(DigestItem.subscriber_id == record.subscriber_id)
            .where(DigestItem.preprint_id == preprint_id)
            .order_by(DigestItem.id.desc())
        )
        vote = session.scalar(
            select(Vote).where(
                Vote.subscriber_id == record.subscriber_id,
                Vote.preprint_id == preprint_id,
                Vote.voter == voter,
            )
        )
        if vote is None:
            vote = Vote(
                subscriber_id=record.subscriber_id,
                preprint_id=preprint_id,
                voter=voter,
                created_at=now,
            )
            session.add(vote)
        vote.value, vote.updated_at = value, now
        vote.profile_id = item.profile_id if item else None
        vote.digest_item_id = item.id if item else None
    return VoteResult(subscription_id, preprint_id, value)


def next_digest(record: SubscriptionRecord, claimed: set[str], now: datetime) -> datetime | None:
    """When the next digest goes out: the current slot if still unsent, else the next one."""
    if not record.sendable:
        return None
    cadence = record.options.cadence
    slot = due_slot(cadence, record.created_at, now)
    if slot is not None and slot.period not in claimed:
        return slot.at
    return next_slot_after(cadence, max(now, record.created_at)).at


def describe(store: Store, now: datetime, include_inactive: bool = False) -> list[dict[str, Any]]:
    """The rows of `subscriptions list --json` (the pinned shape)."""
    with store.session() as session:
        records = subs.subscriptions(session, include_inactive=include_inactive)
        last = subs.last_results(session, [r.id for r in records])
        claimed = {r.id: subs.periods_claimed(session, r.id) for r in records}
    rows = []
    for r in records:
        o = r.options
        rows.append(
            {
                "id": r.id,
                "target": r.target.to_json(),
                "journals": r.journals,
                "profiles": r.custom_profiles,
                "cadence": o.cadence.kind,
                "day": o.cadence.day if o.cadence.kind == "weekly" else None,
                "time": o.cadence.at,
                "tz": o.cadence.tz,
                "top": o.top,
                "min_percentile": o.min_percentile,
                "min_probability": o.min_probability,
                "active": r.active,
                "paused": r.paused_reason is not None or not r.confirmed,
                "paused_reason": r.paused_reason
                or (None if r.confirmed else "waiting for email confirmation"),
                "next_digest": next_digest(r, claimed[r.id], now),
                "last_result": last.get(r.id),
            }
        )
    return rows
