"""Subscription services shared by the CLI, the Slack app and the web pages.

These are the verbs: subscribe, list, unsubscribe (by id, by journal, by signed link),
confirm an address, sign up on the web (and start that sign-up), record a vote. Each
takes the store and an injected `now`; every setting arrives as `DigestRules`, already
parsed by the edge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.registry import Registry, spec
from bot.config import LinkSettings, Rate
from bot.delivery.links import signup_url
from bot.delivery.notices import send_confirmation
from bot.digest.feedback import active_semantics, fit_preference
from bot.records.cadence import due_slot, next_slot_after
from bot.records.feedback import VALUES
from bot.records.names import journal_key
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store import feedback as feedback_store
from bot.store import subscriptions as subs
from bot.store.profiles import EVERY_TEAM, Suggestions, find_profile
from bot.store.scores import find_preprint
from bot.store.signups import PENDING, WEB_OWNER, lock_asks, recent_asks, recent_web_signups
from bot.store.subscriptions import FollowedProfile, LastDigest, SubscriptionRecord
from bot.tokens import (
    CONFIRM,
    CONFIRM_SUBSCRIPTION,
    FEEDBACK_RESET,
    LIFETIMES,
    UNSUBSCRIBE,
    VOTE,
    TokenError,
    binding_for,
    verify_token,
)

CONFIRMATION_EVERY = timedelta(days=1)


class SubscribeError(ValueError):
    """The request cannot be done as asked; the message says what to do instead."""


@dataclass(frozen=True)
class AskLimit:
    """At most `rate` subscriptions asked for by the owners it names: `owner` exactly, or
    every owner starting with `owner_prefix` (a whole workspace)."""

    rate: Rate
    owner: str | None = None
    owner_prefix: str | None = None


class TooManyAsks(SubscribeError):
    """`limit` was reached: nothing was stored or sent; asking works again at `again_at`."""

    def __init__(self, limit: AskLimit, again_at: datetime) -> None:
        super().__init__(f"at most {limit.rate.count} requests per {limit.rate.per}")
        self.limit = limit
        self.again_at = again_at


@dataclass(frozen=True)
class VoteResult:
    subscription: int
    preprint_id: str
    value: int
    changed: bool = True  # False when the same vote was already recorded


def resolve_profiles(
    store: Store, journals: Sequence[str], profiles: Sequence[str] = (),
    team: str | None = EVERY_TEAM,
) -> list[FollowedProfile]:  # fmt: skip
    """Look up every name `team` may follow; unknown names fail with 'did you mean'."""
    found: list[FollowedProfile] = []
    problems: list[str] = []
    for name in [*journals, *profiles]:
        match = find_profile(store, name, team)
        if isinstance(match, Suggestions):
            problems.append(match.message())
        else:
            found.append(FollowedProfile(match.id, match.name, match.kind))
    if problems:
        raise SubscribeError(" ".join(problems) + " (`rxradar journals search WORD` lists names)")
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
    rules: DigestRules | None = None,
    owner: str = "cli",
    confirmed: bool = True,
    team: str | None = EVERY_TEAM,
) -> SubscriptionRecord:
    """Follow journals/profiles (those `team` may see); an identical active subscription
    is updated, not doubled."""
    followed = resolve_profiles(store, journals, profiles, team)
    ids = sorted({p.id for p in followed})
    with store.session() as session:
        subscriber = subs.ensure_subscriber(session, target, confirmed)
        same = [
            r
            for r in subs.subscriptions(session, target=target)
            if sorted(p.id for p in r.profiles) == ids
        ]
        created = subs.create_subscription(
            session, subscriber, ids, rules or DigestRules(), owner, now
        )
        for old in same:  # replaced by the new settings, keeping its votes
            feedback_store.move_votes(session, old.id, created)
            subs.unsubscribe(session, old.id, now)
            refit(session, old.id)  # no votes left: its stored fit goes
        if same:
            refit(session, created)
        record = subs.subscription(session, created)
    assert record is not None
    return record


def subscribe_for_someone(
    store: Store,
    links: LinkSettings,
    registry: Registry,
    target: Target,
    journals: Sequence[str],
    now: datetime,
    *,
    requester: str,
    owner: str,
    rules: DigestRules | None = None,
    team: str | None = EVERY_TEAM,
    limits: Sequence[AskLimit] = (),
    lock_scope: str = "",
) -> SubscriptionRecord:
    """A target given by someone other than its owner (an email address typed in Slack).

    When its channel asks for consent nothing is sent before the address agrees: a new
    address confirms itself (and the digests its confirm page lists) through its link; an
    address that confirmed before gets a link for this one subscription, which stays paused
    until then. A request only ever replaces its own requester's subscriptions.

    Each of `limits` counts the stored requests (kept across restarts and processes; the
    counting is serialised per `lock_scope`); when one is reached TooManyAsks is raised and
    nothing is stored or sent.
    """
    if not spec(target.kind).confirm_first:
        return subscribe(store, target, journals, now, rules=rules, owner=owner, team=team)
    ids = sorted({p.id for p in resolve_profiles(store, journals, (), team)})
    with store.session() as session:
        lock_asks(session, lock_scope or owner)
        for limit in limits:
            asked = recent_asks(
                session, target.kind, now - limit.rate.per, owner=limit.owner,
                owner_prefix=limit.owner_prefix,
            )  # fmt: skip
            if len(asked) >= limit.rate.count:  # free again when the oldest counted one ages out
                raise TooManyAsks(limit, asked[len(asked) - limit.rate.count] + limit.rate.per)
        subscriber = subs.ensure_subscriber(session, target, confirmed=False)
        known = bool(subscriber.confirmed)
        for old in subs.subscriptions(session, target=target):
            same = sorted(p.id for p in old.profiles) == ids
            if same and old.owner == owner and (old.paused_reason == PENDING or not known):
                subs.unsubscribe(session, old.id, now)  # this requester's own earlier ask
        created = subs.create_subscription(
            session, subscriber, ids, rules or DigestRules(), owner, now
        )
        if known:
            subs.pause(session, created, PENDING, now)
        record = subs.subscription(session, created)
        # one request a day at most, so nobody can flood someone's inbox through us
        due = subs.confirmation_due(session, subscriber.id, now, CONFIRMATION_EVERY, known)
    assert record is not None
    if due:
        link = signup_url(links, record, now) if known else None
        send_confirmation(store, links, registry, record, requester, now, link=link)
    return record


def sign_up(
    store: Store,
    links: LinkSettings,
    registry: Registry,
    target: Target,
    profile_id: int,
    rules: DigestRules,
    now: datetime,
    *,
    per_address: Rate,
    requester: str,
) -> bool:
    """A digest asked for by someone on the web: stored paused, with its own emailed link.

    Only that link (`start_sign_up`) starts it and confirms the address, so a stranger can
    neither start digests to someone's inbox, nor add journals to an address that confirmed
    before, nor change an existing subscription. An address that already gets this digest
    gets nothing; a sign-up still waiting is replaced, so the newest link is the one that
    works. False when the address had `per_address` sign-ups already (nothing is stored).
    """
    with store.session() as session:
        if recent_web_signups(session, target.key, now - per_address.per) >= per_address.count:
            return False
        same = [
            r
            for r in subs.subscriptions(session, target=target)
            if [p.id for p in r.profiles] == [profile_id]
            and r.rules.cadence.kind == rules.cadence.kind
        ]
        if any(r.sendable for r in same):
            return True
        for waiting in (r for r in same if r.paused_reason == PENDING):
            subs.unsubscribe(session, waiting.id, now)
        subscriber = subs.ensure_subscriber(session, target, confirmed=False)
        created = subs.create_subscription(session, subscriber, [profile_id], rules, WEB_OWNER, now)
        subs.pause(session, created, PENDING, now)
        record = subs.subscription(session, created)
    assert record is not None
    link = signup_url(links, record, now)
    send_confirmation(store, links, registry, record, requester, now, link=link)
    return True


def sign_up_by_token(
    store: Store, links: LinkSettings, token: str, now: datetime
) -> SubscriptionRecord | None:
    """The web sign-up a confirmation link names; None when it was replaced or stopped.

    Raises TokenError when the link is damaged, forged or expired.
    """
    claims = verify_token(links.secret.get(), CONFIRM_SUBSCRIPTION, token, now)
    with store.session() as session:
        record = subs.subscription(session, claims.subject)
    if record is None or not record.active or binding_for(record.target.key) != claims.binding:
        return None
    return record


def start_sign_up(store: Store, record: SubscriptionRecord, now: datetime) -> None:
    """Start a waiting web sign-up and confirm its address (the link's button was pressed)."""
    if record.paused_reason != PENDING:
        return
    ids = sorted(p.id for p in record.profiles)
    with store.session() as session:
        if record.owner != WEB_OWNER:  # a changed request replaces its requester's older one
            for old in subs.subscriptions(session, target=record.target):
                same = old.owner == record.owner and sorted(p.id for p in old.profiles) == ids
                if same and old.id != record.id and old.paused_reason != PENDING:
                    subs.unsubscribe(session, old.id, now)
        subs.resume(session, record.id)
        subs.confirm_subscriber(session, record.subscriber_id, record.target.key, now)


def set_alert_hours(store: Store, changed: Sequence[tuple[int, DigestRules]]) -> None:
    """Store the quiet hours and time zone an email subscriber chose for instant alerts."""
    with store.session() as session:
        for subscription_id, rules in changed:
            subs.set_rules(session, subscription_id, rules)


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
    store: Store, target: Target, now: datetime, journal: str | None = None,
    owner: str | None = None,
) -> list[int]:  # fmt: skip
    """Stop a target's subscriptions that follow `journal` (every one when None), only
    those `owner` created when given."""
    wanted = journal_key(journal) if journal else None
    stopped = []
    with store.session() as session:
        for record in subs.subscriptions(session, target=target):
            if owner is not None and record.owner != owner:
                continue
            names = {journal_key(p.name) for p in record.profiles}
            if (wanted is None or wanted in names) and subs.unsubscribe(session, record.id, now):
                stopped.append(record.id)
    return stopped


def confirm(store: Store, links: LinkSettings, token: str, now: datetime) -> Target:
    """Confirm the address a /confirm/<token> link was sent to; raise TokenError if invalid."""
    claims = verify_token(links.secret.get(), CONFIRM, token, now)
    with store.session() as session:
        key = subs.subscriber_key(session, claims.subject)
        if key is None or binding_for(key) != claims.binding:
            raise TokenError("this link is for an address that is no longer subscribed")
        subs.confirm_subscriber(session, claims.subject, key, now)
    return Target.from_key(key)


def unsubscribe_by_token(
    store: Store, links: LinkSettings, token: str, now: datetime
) -> SubscriptionRecord:
    """Stop the subscription an /unsubscribe/<token> link names (idempotent)."""
    claims = verify_token(links.secret.get(), UNSUBSCRIBE, token, now)
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
        if record is None or not record.active:
            raise SubscribeError(
                f"there is no active subscription {subscription_id}; "
                "see `rxradar subscriptions list`"
            )
        found = find_preprint(session, preprint_id)
        if found is None:
            raise SubscribeError(f"there is no preprint {preprint_id!r} in the database")
        preprint_id = found.id
        changed = feedback_store.record_vote(
            session, record.id, record.subscriber_id, preprint_id, voter, value, now
        )
        if changed:
            refit(session, record.id)
    return VoteResult(subscription_id, preprint_id, value, changed)


def refit(session: Session, subscription_id: int) -> None:
    """Fit the subscription's adjustment now that its votes changed, and store it: its
    digests then rank with it instead of fitting it while they are built."""
    session.flush()
    votes = feedback_store.voted(session, subscription_id)
    fitted = fit_preference(votes, semantics=active_semantics(session))
    feedback_store.save_fit(session, subscription_id, fitted)


def reset_feedback(store: Store, subscription_id: int) -> int:
    """Forget a subscription's votes: its next digest is ranked as if nobody had voted."""
    with store.session() as session:
        if subs.subscription(session, subscription_id) is None:
            raise SubscribeError(
                f"there is no subscription {subscription_id}; see `rxradar subscriptions list`"
            )
        return feedback_store.reset(session, subscription_id)


@dataclass(frozen=True)
class VoteLink:
    """What an emailed vote link would record (shown on its page before the button)."""

    record: SubscriptionRecord
    preprint_id: str
    title: str
    value: int


def _linked_subscription(store: Store, purpose: str, token: str, links: LinkSettings,
                         now: datetime) -> tuple[SubscriptionRecord, str]:  # fmt: skip
    """The active subscription a genuine link names, and the link's item; TokenError else."""
    claims = verify_token(links.secret.get(), purpose, token, now)
    with store.session() as session:
        record = subs.subscription(session, claims.subject)
    if record is None or not record.active or binding_for(record.target.key) != claims.binding:
        raise TokenError("this link is for a subscription that no longer exists")
    return record, claims.item


def open_vote_link(store: Store, links: LinkSettings, token: str, now: datetime) -> VoteLink:
    """The vote an email link stands for; TokenError when damaged, forged, expired or stale."""
    record, item = _linked_subscription(store, VOTE, token, links, now)
    word, _, preprint_id = item.partition(":")
    if word not in VALUES:
        raise TokenError("this link is not valid for this action")
    with store.session() as session:
        found = find_preprint(session, preprint_id)
        if found is None:
            raise TokenError("this link is for a preprint that is no longer in the database")
        return VoteLink(record, found.id, found.title, VALUES[word])


def use_vote_link(store: Store, link: VoteLink, token: str, now: datetime) -> bool:
    """Record the link's vote once; False when the link was used before (nothing changes)."""
    used = hashlib.sha256(token.encode()).hexdigest()
    record = link.record
    with store.session() as session:
        if not feedback_store.spend_token(session, used, now, LIFETIMES[VOTE]):
            return False
        if feedback_store.record_vote(
            session, record.id, record.subscriber_id, link.preprint_id,
            record.target.address, link.value, now,
        ):  # fmt: skip
            refit(session, record.id)
    return True


def open_reset_link(
    store: Store, links: LinkSettings, token: str, now: datetime
) -> SubscriptionRecord:
    record, _ = _linked_subscription(store, FEEDBACK_RESET, token, links, now)
    return record


def next_digest(
    record: SubscriptionRecord, claimed: set[str], now: datetime, last: LastDigest | None = None
) -> datetime | None:
    """When the next digest goes out: a claimed digest still waiting (its retry, or now while
    it is being built or sent), else the current slot if still unsent, else the next one."""
    if not record.sendable or record.rules.instant:
        return None
    if last is not None and last.waiting:
        return max(last.retry_at or now, now)
    cadence = record.rules.cadence
    slot = due_slot(cadence, record.created_at, now)
    if slot is not None and slot.period not in claimed:
        return slot.at
    return next_slot_after(cadence, max(now, record.created_at)).at


def _row(
    record: SubscriptionRecord, last: LastDigest | None, upcoming: datetime | None
) -> dict[str, Any]:
    rules = record.rules.to_json()
    if rules["cadence"] != "weekly":
        rules["day"] = None
    return {
        "id": record.id,
        "target": record.target.to_json(),
        "journals": record.journals,
        "profiles": record.custom_profiles,
        **rules,
        "active": record.active,
        "paused": record.paused_reason is not None or not record.confirmed,
        "paused_reason": record.paused_reason
        or (None if record.confirmed else "waiting for email confirmation"),
        "next_digest": upcoming,
        "last_result": None if last is None else {
            "period": last.period, "status": last.status, "items": last.items,
            "error": last.error, "retry_at": last.retry_at,
        },
    }  # fmt: skip


def describe(store: Store, now: datetime, include_inactive: bool = False) -> list[dict[str, Any]]:
    """The rows of `subscriptions list --json` (the pinned shape)."""
    with store.session() as session:
        records = subs.subscriptions(session, include_inactive=include_inactive)
        last = subs.last_digests(session, [r.id for r in records])
        claimed = subs.claimed_periods(session, subscription_ids=[r.id for r in records])
    return [
        _row(
            r,
            last.get(r.id),
            next_digest(r, {p for s, p in claimed if s == r.id}, now, last.get(r.id)),
        )
        for r in records
    ]
