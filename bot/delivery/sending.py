"""Send recorded digests once each, and record every attempt.

Order of events for one digest (each step its own transaction):
1. claim + build + record (`preparing`);
2. lease: a conditional UPDATE takes the digest for this run; the attempt row is written
   with outcome "started" *before* the send (`attempts`);
3. send through the channel;
4. record the outcome: accepted → digest sent, items delivered; temporary → retry at a
   later run (5, 15, 60 minutes, then hourly, for up to 24 h, then failed); permanent →
   digest failed, subscription paused with the reason, owner told.
A crash between 3 and 4 leaves a "started" attempt; the next run after the lease expires
(or as soon as the holder's heartbeat is stale, see `instances`) tries again, marked as a
retry: Slack skips the parts its metadata shows were posted, email is sent again with the
same Message-ID (the one duplicate SMTP cannot rule out).

A failure on the operator's side (`DeliveryError.operator`: SMTP login, server down, no
channel configured) is not the digest's: the channel is marked failing (one log line when
that changes), the digest stays pending without using up a retry, and the rest of the
channel's digests wait untouched until a later run finds the channel working.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.channels.base import Channel, DeliveryError, DigestBody, DigestLinks, Message, Receipt
from bot.channels.registry import Registry
from bot.config import DeliverySettings, LinkSettings
from bot.delivery.attempts import attempt, begin
from bot.delivery.instances import Instance
from bot.delivery.links import feedback_reset_url, unsubscribe_url, vote_url
from bot.delivery.notices import notify_owner
from bot.delivery.preparing import prepare_due
from bot.delivery.results import DeliveryResult
from bot.records.digest import Digest
from bot.store import Store, trust
from bot.store import digests as ledger
from bot.store import subscriptions as subs
from bot.store.subscriptions import SubscriptionRecord
from bot.store.workspaces import pause_group

log = logging.getLogger("rxradar.delivery")

BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
RETRY_EVERY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)


def next_retry(first_attempt_at: datetime, failures: int, now: datetime) -> datetime | None:
    """When to try again after `failures` failed attempts; None once 24 h have passed."""
    delay = BACKOFF[failures - 1] if failures <= len(BACKOFF) else RETRY_EVERY
    retry_at = now + delay
    return retry_at if retry_at <= first_attempt_at + GIVE_UP_AFTER else None


def digest_message(
    links: LinkSettings,
    record: SubscriptionRecord,
    digest: Digest,
    now: datetime,
    message_id: str,
    digest_id: int | None = None,
    retry: bool = False,
) -> Message:
    """A digest addressed to its subscription's target, with a signed unsubscribe link.

    The reference (digest id, subscription, period) lets Slack recognise its own posts."""
    body = DigestBody(digest, digest_links(links, record, digest, now), record.rules.cadence.kind)
    reference = {"subscription": str(record.id), "period": digest.period}
    if digest_id is not None:
        reference["digest"] = str(digest_id)
    return Message(record.target, body, message_id, reference, retry)


def digest_links(
    links: LinkSettings, record: SubscriptionRecord, digest: Digest, now: datetime
) -> DigestLinks:
    """Unsubscribe, and (for channels without buttons) a vote link per entry and a reset."""
    votes = {
        entry.preprint_id: (
            vote_url(links, record, entry.preprint_id, "up", now),
            vote_url(links, record, entry.preprint_id, "down", now),
        )
        for entry in digest.entries
    }
    return DigestLinks(
        unsubscribe_url(links, record, now), votes, feedback_reset_url(links, record, now)
    )


def _final_reason(error: DeliveryError) -> str:
    if error.permanent:
        return error.reason
    return f"gave up after {GIVE_UP_AFTER.total_seconds() / 3600:.0f} h of retries: {error.reason}"


@dataclass(frozen=True)
class Verdict:
    """What one attempt's outcome makes of its digest (decided without the database)."""

    status: str  # sent | pending | failed
    reason: str | None = None
    retry_at: datetime | None = None
    channel_failing: bool = False  # operator side: the digest waits, no retry used up


def verdict(
    outcome: Receipt | DeliveryError, item: ledger.PendingDigest, retry_at: datetime | None,
    now: datetime,
) -> Verdict:  # fmt: skip
    if not isinstance(outcome, DeliveryError):
        return Verdict("sent")
    if outcome.operator:
        # the channel is broken, not this digest: it stays pending for the next run, until
        # it has waited `GIVE_UP_AFTER`, when it fails like any other expired digest
        if now >= (item.first_attempt_at or now) + GIVE_UP_AFTER:
            return Verdict("failed", _final_reason(outcome), channel_failing=True)
        return Verdict("pending", outcome.reason, now, channel_failing=True)
    retry_at = None if outcome.permanent else retry_at
    if retry_at is None:
        return Verdict("failed", _final_reason(outcome))
    return Verdict("pending", outcome.reason, retry_at)


def _settle(
    session: Session, record: SubscriptionRecord, item: ledger.PendingDigest,
    outcome: Receipt | DeliveryError, decided: Verdict, now: datetime,
) -> None:  # fmt: skip
    """Write the verdict, in the transaction that records the attempt's outcome."""
    if decided.status == "sent":
        ledger.mark_sent(session, item.id, now)
    elif decided.channel_failing and decided.status == "pending":
        ledger.wait_for_channel(session, item.id, now, decided.reason or "")
    else:
        ledger.mark_failed_attempt(session, item.id, now, decided.reason or "", decided.retry_at)
    if not isinstance(outcome, DeliveryError) or not outcome.permanent or outcome.operator:
        return
    if outcome.group:
        paused = pause_group(session, outcome.group, outcome.reason, now)
        log.warning("paused subscriptions %s: %s", paused, outcome.reason)
    else:
        subs.pause(session, record.id, outcome.reason, now)


def deliver(
    store: Store,
    links: LinkSettings,
    channel: Channel,
    record: SubscriptionRecord,
    item: ledger.PendingDigest,
    now: datetime,
    started: int | None = None,
) -> DeliveryResult:
    """Send one leased digest and record what happened (the attempt's outcome and the
    digest's new state in one transaction); `started`: its attempt, already recorded."""
    digest = Digest.from_payload(item.payload)
    retried = item.attempts > 0 or item.unfinished_attempt
    message = digest_message(links, record, digest, now, item.message_id or "", item.id, retried)
    retry_at = next_retry(item.first_attempt_at or now, item.attempts + 1, now)

    def settle(session: Session, outcome: Receipt | DeliveryError) -> None:
        _settle(session, record, item, outcome, verdict(outcome, item, retry_at, now), now)

    outcome = attempt(
        store, channel, message, now, purpose="digest", digest_id=item.id,
        subscriber_id=record.subscriber_id, retry_at=retry_at, started=started, settle=settle,
    )  # fmt: skip
    decided = verdict(outcome, item, retry_at, now)
    if isinstance(outcome, DeliveryError):
        return DeliveryResult(
            record.id, item.period, record.target, decided.status, len(digest.entries),
            decided.reason, decided.retry_at, item.message_id, decided.channel_failing,
        )  # fmt: skip
    shown_id = outcome.message_id or outcome.external_id  # Slack: the first message's ts
    return DeliveryResult(
        record.id, item.period, record.target, "sent", len(digest.entries), None, None, shown_id
    )


@dataclass(frozen=True)
class Taken:
    record: SubscriptionRecord
    item: ledger.PendingDigest
    attempt_id: int | None  # recorded as started when the subscription may be sent to


def _take(
    store: Store, digest_id: int, instance: str, at: datetime, delivery: DeliverySettings,
    kind: str, now: datetime,
) -> Taken | None:  # fmt: skip
    """Lease one digest for this instance (on the run's advancing clock `at`), load it and
    record its attempt as started at the run's `now` (one transaction); None when a live
    process has it."""
    stale_before = at - delivery.heartbeat_stale
    with store.session() as session:
        if not ledger.take_lease(session, digest_id, instance, at, delivery.lease, stale_before):
            return None
        item = ledger.pending(session, digest_id)
        record = subs.subscription(session, item.subscription_id)
        if record is None:
            return None
        attempt_id = None
        if record.sendable:
            attempt_id = begin(
                session, kind, "digest", item.message_id or "", now, digest_id=item.id,
                subscriber_id=record.subscriber_id, unfinished=item.unfinished_attempt,
            )  # fmt: skip
    return Taken(record, item, attempt_id)


def _hold_reason(record: SubscriptionRecord) -> str:
    if not record.active:
        return "unsubscribed before it was sent"
    if record.paused_reason:
        return f"subscription paused: {record.paused_reason}"
    return "email address not confirmed"


def _hold(
    store: Store, record: SubscriptionRecord, item: ledger.PendingDigest, now: datetime
) -> DeliveryResult:
    """A digest whose subscription was stopped or paused after it was recorded."""
    with store.session() as session:
        ledger.mark_failed_attempt(session, item.id, now, _hold_reason(record), None)
    n_items = len(Digest.from_payload(item.payload).entries)
    return DeliveryResult(
        record.id, item.period, record.target, "skipped", n_items, _hold_reason(record)
    )


def _newly_paused(store: Store, record: SubscriptionRecord) -> bool:
    if record.paused_reason is not None:
        return False
    with store.session() as session:
        fresh = subs.subscription(session, record.id)
    return fresh is not None and fresh.paused_reason is not None


def channel_failed(store: Store, kind: str, reason: str, now: datetime) -> None:
    """Mark `kind` failing; logs once per change, not once per digest."""
    with store.session() as session:
        news = trust.mark_failing(session, kind, reason, now)
    if news:
        log.error(
            "%s channel is failing: %s. No subscription is paused; its digests wait and go "
            "out once it works (rxradar check tests it).", kind, reason,
        )  # fmt: skip


def channel_worked(store: Store, kind: str) -> None:
    with store.session() as session:
        recovered = trust.mark_working(session, kind)
    if recovered:
        log.warning("%s channel works again; sending what waited for it", kind)


class RunClock:
    """The run's `now`, advancing with the run.

    Leases and heartbeats are taken on it, so a lease runs for `lease` from the moment it
    is taken however long the run has been building and sending before (an earlier clock
    restarted at each channel: after 10 minutes of email, Slack leases were 10 minutes
    shorter, and another process could take and send a digest still being sent)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._started = time.monotonic()

    def at(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._started)


def _send_kind(
    store: Store, delivery: DeliverySettings, links: LinkSettings, registry: Registry,
    kind: str, ids: list[int], instance: Instance, clock: RunClock,
) -> tuple[list[DeliveryResult], list[int], bool]:  # fmt: skip
    """Send one kind's digests through one channel: (results, the ids tried, whether the
    channel failed). Stops at the first operator failure, and when it meets another
    process: alone it goes in order; once a digest turns out taken, it takes the rest from
    the other end, and the second time (the two met) it leaves the rest to a fresh read."""
    now = clock.now
    results: list[DeliveryResult] = []
    tried: list[int] = []
    order, from_end = deque(ids), False
    channel = registry.open(kind)
    try:
        while order:
            digest_id = order.pop() if from_end else order.popleft()
            tried.append(digest_id)
            at = clock.at()
            instance.beat(store, at)
            taken = _take(store, digest_id, instance.id, at, delivery, channel.kind, now)
            if taken is None:  # another process has it
                if from_end:
                    break
                from_end = True
                continue
            record, item = taken.record, taken.item
            if taken.attempt_id is None:
                results.append(_hold(store, record, item, now))
                continue
            result = deliver(store, links, channel, record, item, now, taken.attempt_id)
            results.append(result)
            if result.channel_failing:
                channel_failed(store, kind, result.error or "", now)
                return results, tried, True  # the rest waits untouched for the channel
            if result.status == "sent" and len(results) == 1:
                channel_worked(store, kind)
            if result.status == "failed" and _newly_paused(store, record):
                notify_owner(store, links, registry, record, result.error or "", now)
    finally:
        channel.close()
    return results, tried, False


def send_pending(
    store: Store, delivery: DeliverySettings, links: LinkSettings, registry: Registry,
    now: datetime, instance: Instance | None = None, clock: RunClock | None = None,
) -> list[DeliveryResult]:  # fmt: skip
    """Send every recorded digest whose time has come, once each, one channel per kind.

    Retries wait for a later run (each attempt moves `retry_at` past `now`). A digest left
    with a "started" attempt by a crashed run is retried once its lease has expired or its
    holder's heartbeat is stale. Leases are taken one digest at a time on the run's clock.
    The ledger is read again until nothing is left that this run has not tried: digests
    another process recorded meanwhile, or left when the two met. Each digest is tried at
    most once per run, and a channel that failed is not tried again in it.
    """
    instance = instance or Instance(delivery.tick)
    clock = clock or RunClock(now)
    instance.beat(store, clock.at(), force=True)
    results: list[DeliveryResult] = []
    tried: set[int] = set()
    failing: set[str] = set()
    while True:
        with store.session() as session:
            work = [
                (digest_id, kind)
                for digest_id, kind in ledger.sendable(session, now, now - delivery.heartbeat_stale)
                if digest_id not in tried and kind not in failing
            ]
        if not work:
            return results
        for kind in sorted({kind for _, kind in work}):
            ids = [digest_id for digest_id, k in work if k == kind]
            sent, attempted, failed = _send_kind(
                store, delivery, links, registry, kind, ids, instance, clock
            )
            results.extend(sent)
            tried.update(attempted)
            if failed:
                failing.add(kind)


def send_due(
    store: Store, delivery: DeliverySettings, links: LinkSettings, registry: Registry,
    now: datetime, instance: Instance | None = None,
) -> list[DeliveryResult]:  # fmt: skip
    """Everything due at `now`: new periods are claimed and built, then all pending sent."""
    clock = RunClock(now)
    skipped = prepare_due(store, links.public_url, delivery.empty_digest_message, now)
    return skipped + send_pending(store, delivery, links, registry, now, instance, clock)
