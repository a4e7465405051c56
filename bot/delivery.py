"""The delivery ledger: claim what is due, record it, send it once, record every attempt.

Order of events for one digest (each step its own transaction):
1. claim + build + record: the (subscription, period) row and its items are written in
   one transaction, so a crash leaves either nothing (the next run claims again) or a
   complete pending digest;
2. lease + start attempt: a conditional UPDATE takes the digest for this run and an
   attempt row with outcome "started" is written *before* the send;
3. send through the channel;
4. record the outcome: accepted → digest sent, items delivered; temporary → retry at a
   later run (5, 15, 60 minutes, then hourly, for up to 24 h, then failed); permanent →
   digest failed, subscription paused with the reason, owner told.
A crash between 3 and 4 leaves a "started" attempt; the next run after the lease expires
tries again, marked as a retry: Slack skips the parts its metadata shows were posted,
email is sent again with the same Message-ID (the one duplicate SMTP cannot rule out).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.base import DeliveryError, DigestMessage
from bot.channels.email import message_id_for
from bot.channels.registry import Registry
from bot.config import Settings, ensure_secret_key
from bot.digest.build import build_digest, window
from bot.digest.cadence import Slot, due_slot
from bot.digest.model import Candidate, Digest, Target
from bot.digest.render import Links, render_digest
from bot.notices import notify_owner
from bot.store import Store
from bot.store import digests as ledger
from bot.store import subscriptions as subs
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import UNSUBSCRIBE, make_token

log = logging.getLogger("rxradar.delivery")

BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
RETRY_EVERY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class DeliveryResult:
    subscription: int
    period: str
    target: Target
    status: str  # sent | failed | pending | skipped
    items: int
    error: str | None = None
    retry_at: datetime | None = None
    message_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "period": self.period,
            "target": self.target.to_json(),
            "status": self.status,
            "items": self.items,
            "error": self.error,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "message_id": self.message_id,
        }


def next_retry(first_attempt_at: datetime, failures: int, now: datetime) -> datetime | None:
    """When to try again after `failures` failed attempts; None once 24 h have passed."""
    delay = BACKOFF[failures - 1] if failures <= len(BACKOFF) else RETRY_EVERY
    retry_at = now + delay
    return retry_at if retry_at <= first_attempt_at + GIVE_UP_AFTER else None


def unsubscribe_url(settings: Settings, record: SubscriptionRecord, now: datetime) -> str:
    secret = ensure_secret_key(settings).get()
    token = make_token(secret, UNSUBSCRIBE, record.id, record.target.key, now)
    return f"{settings.public_url}/unsubscribe/{token}"


class RunCache:
    """Reads shared by the subscriptions of one run (same window, same journals).

    Subscriptions due at the same slot mostly have identical windows, so the window's
    preprint count and each journal's candidates are read once per run, not once per
    subscription. Only for the duration of one `send_due`: nothing here outlives it.
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[datetime, datetime], int] = {}
        self.candidates: dict[tuple[Any, ...], list[Candidate]] = {}

    def considered(self, session: Session, start: datetime, end: datetime) -> int:
        if (start, end) not in self.counts:
            self.counts[start, end] = ledger.considered(session, start, end)
        return self.counts[start, end]

    def found(
        self, session: Session, ids: list[int], start: datetime, end: datetime, limit: int | None
    ) -> tuple[list[Candidate], bool]:
        """Each followed profile's best `limit` candidates (read once per run and profile),
        and whether that was all of them."""
        found: list[Candidate] = []
        complete = True
        for profile_id in ids:
            key = (profile_id, start, end, limit)
            if key not in self.candidates:
                rows = ledger.candidates(session, [profile_id], start, end, limit)
                self.candidates[key] = rows
            rows = self.candidates[key]
            complete = complete and (limit is None or len(rows) < limit)
            found.extend(rows)
        return found, complete


def load_digest(
    store: Store,
    record: SubscriptionRecord,
    period: str,
    now: datetime,
    cache: RunCache | None = None,
) -> Digest:
    """Everything `build_digest` needs, read from the store; the building itself is pure.

    Candidates come best first, so the first few hundred usually fill a top-N digest; only
    when filters or history leave it short is the whole window read.
    """
    cache = cache or RunCache()
    ids = [p.id for p in record.profiles]
    limit = None if record.rules.top is None else max(100, 10 * record.rules.top)
    with store.session() as session:
        last = ledger.history(session, record.subscriber_id, record.id, ())
        start, end = window(record.rules, last, now)
        profiles = ledger.profile_summaries(
            session, [(p.id, p.name, p.kind) for p in record.profiles]
        )
        count = cache.considered(session, start, end)
        while True:
            found, complete = cache.found(session, ids, start, end, limit)
            past = ledger.history(
                session, record.subscriber_id, record.id, {c.preprint_id for c in found}
            )
            digest = build_digest(record.rules, profiles, found, past, now, period, count)
            full = len(digest.entries) >= (record.rules.top or 0)
            if complete or full:
                return digest
            limit = None


def _prepare_one(
    store: Store,
    settings: Settings,
    record: SubscriptionRecord,
    slot: Slot,
    now: datetime,
    cache: RunCache,
) -> DeliveryResult | None:
    digest = load_digest(store, record, slot.period, now, cache)
    with store.session() as session:
        digest_id = ledger.claim(session, record.id, slot, now)
        if digest_id is None:
            return None
        if digest.is_empty and not settings.empty_digest_message:
            ledger.mark_skipped(session, digest_id, (digest.window_start, digest.window_end))
            return DeliveryResult(record.id, slot.period, record.target, "skipped", 0)
        # email retries reuse this Message-ID, so a duplicate after a crash is recognisable
        message_id = message_id_for(settings) if record.target.kind == "email" else None
        ledger.record_digest(session, digest_id, record.subscriber_id, digest, message_id)
    return None


def prepare_due(store: Store, settings: Settings, now: datetime) -> list[DeliveryResult]:
    """Claim, build and record every digest due at `now`; report the empty (skipped) ones."""
    due: list[tuple[SubscriptionRecord, Slot]] = []
    with store.session() as session:
        for record in subs.subscriptions(session):
            slot = due_slot(record.options.cadence, record.created_at, now)
            if record.sendable and slot is not None:
                due.append((record, slot))
        # a cheap pre-check in one query; the unique key in `claim` is what really decides
        claimed = subs.claimed_periods(session, {slot.period for _, slot in due})
    results = []
    cache = RunCache()
    for record, slot in due:
        if (record.id, slot.period) in claimed:
            continue
        result = _prepare_one(store, settings, record, slot, now, cache)
        if result is not None:
            results.append(result)
    return results


def message_for(
    settings: Settings,
    record: SubscriptionRecord,
    digest: Digest,
    now: datetime,
    message_id: str | None = None,
    reference: dict[str, Any] | None = None,
) -> DigestMessage:
    """Render a digest for its target, with a signed unsubscribe link."""
    url = unsubscribe_url(settings, record, now)
    rendered = render_digest(digest, Links(url), record.options.cadence.kind)
    return DigestMessage(
        target=record.target,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        slack=rendered.slack,
        message_id=message_id,
        unsubscribe_url=url,
        reference=reference or {"subscription": record.id, "period": digest.period},
    )


def _start(
    store: Store, record: SubscriptionRecord, item: ledger.PendingDigest, kind: str, now: datetime
) -> int:
    with store.session() as session:
        if item.unfinished_attempt:
            ledger.abandon_unfinished(session, item.id, now)
        return ledger.start_attempt(
            session, item.id, record.subscriber_id, kind, "digest", item.message_id, now
        )


def _accepted(
    store: Store, item: ledger.PendingDigest, attempt: int, external: str | None, now: datetime
) -> None:
    with store.session() as session:
        ledger.finish_attempt(session, attempt, "accepted", now, external_id=external)
        ledger.mark_sent(session, item.id, now)


def _failed(
    store: Store,
    record: SubscriptionRecord,
    item: ledger.PendingDigest,
    attempt: int,
    error: DeliveryError,
    now: datetime,
) -> tuple[datetime | None, str]:
    first = item.first_attempt_at or now
    retry_at = None if error.permanent else next_retry(first, item.attempts + 1, now)
    outcome = "permanent" if error.permanent else "temporary"
    with store.session() as session:
        ledger.finish_attempt(session, attempt, outcome, now, error=error.reason, retry_at=retry_at)
        reason = error.reason if retry_at is not None else _final_reason(error)
        ledger.mark_failed_attempt(session, item.id, now, reason, retry_at)
        if error.permanent:
            subs.pause(session, record.id, error.reason, now)
    return retry_at, reason


def _final_reason(error: DeliveryError) -> str:
    if error.permanent:
        return error.reason
    return f"gave up after {GIVE_UP_AFTER.total_seconds() / 3600:.0f} h of retries: {error.reason}"


def deliver(
    store: Store,
    settings: Settings,
    channel: Any,
    record: SubscriptionRecord,
    item: ledger.PendingDigest,
    now: datetime,
) -> DeliveryResult:
    """Send one leased digest and record what happened."""
    reference: dict[str, Any] = {
        "digest": item.id,
        "subscription": record.id,
        "period": item.period,
    }
    if item.attempts or item.unfinished_attempt:
        reference["retry"] = True  # lets the channel skip parts an earlier attempt posted
    digest = Digest.from_payload(item.payload)
    message = message_for(settings, record, digest, now, item.message_id, reference)
    attempt = _start(store, record, item, channel.kind, now)
    n_items = len(digest.entries)
    try:
        receipt = channel.send(message)
    except DeliveryError as error:
        retry_at, reason = _failed(store, record, item, attempt, error, now)
        log.warning("digest %s to %s failed: %s", item.id, record.target.describe(), error.reason)
        status = "pending" if retry_at is not None else "failed"
        return DeliveryResult(
            record.id,
            item.period,
            record.target,
            status,
            n_items,
            reason,
            retry_at,
            item.message_id,
        )
    _accepted(store, item, attempt, receipt.external_id, now)
    shown_id = receipt.message_id or receipt.external_id  # Slack: the first message's ts
    return DeliveryResult(
        record.id, item.period, record.target, "sent", n_items, None, None, shown_id
    )


def _take(
    store: Store, digest_id: int, run_id: str, at: datetime, lease: timedelta
) -> tuple[SubscriptionRecord, ledger.PendingDigest] | None:
    """Lease one digest for this run and load it; None when another process has it."""
    with store.session() as session:
        if not ledger.take_lease(session, digest_id, run_id, at, lease):
            return None
    with store.session() as session:
        item = ledger.pending(session, digest_id)
        record = subs.subscription(session, item.subscription_id)
    return None if record is None else (record, item)


def send_pending(
    store: Store, settings: Settings, registry: Registry, now: datetime
) -> list[DeliveryResult]:
    """Send every recorded digest whose time has come, once each, one channel per kind.

    Retries wait for a later run (each attempt moves `retry_at` past `now`). A digest left
    with a "started" attempt by a crashed run is retried once its lease has expired.
    Leases are taken one digest at a time on a clock that advances with the run.
    """
    run_id, started = uuid.uuid4().hex, time.monotonic()
    with store.session() as session:
        work = ledger.sendable(session, now)
    results: list[DeliveryResult] = []
    for kind in sorted({kind for _, kind in work}):
        channel = registry.open(kind)
        try:
            for digest_id, _ in (w for w in work if w[1] == kind):
                at = now + timedelta(seconds=time.monotonic() - started)
                taken = _take(store, digest_id, run_id, at, settings.delivery_lease)
                if taken is None:
                    continue  # another process has it
                record, item = taken
                result = _deliver_or_hold(store, settings, channel, record, item, now)
                results.append(result)
                if result.status == "failed" and _newly_paused(store, record):
                    notify_owner(store, settings, registry, record, result.error or "", now)
        finally:
            channel.close()
    return results


def _deliver_or_hold(
    store: Store,
    settings: Settings,
    channel: Any,
    record: SubscriptionRecord,
    item: ledger.PendingDigest,
    now: datetime,
) -> DeliveryResult:
    if not record.sendable:  # unsubscribed or paused since it was recorded
        with store.session() as session:
            ledger.mark_failed_attempt(session, item.id, now, _hold_reason(record), None)
        n_items = len(Digest.from_payload(item.payload).entries)
        return DeliveryResult(
            record.id, item.period, record.target, "skipped", n_items, _hold_reason(record)
        )
    return deliver(store, settings, channel, record, item, now)


def _hold_reason(record: SubscriptionRecord) -> str:
    if not record.active:
        return "unsubscribed before it was sent"
    if record.paused_reason:
        return f"subscription paused: {record.paused_reason}"
    return "email address not confirmed"


def _newly_paused(store: Store, record: SubscriptionRecord) -> bool:
    if record.paused_reason is not None:
        return False
    with store.session() as session:
        fresh = subs.subscription(session, record.id)
    return fresh is not None and fresh.paused_reason is not None


def send_due(
    store: Store, settings: Settings, registry: Registry, now: datetime
) -> list[DeliveryResult]:
    """Everything due at `now`: new periods are claimed and built, then all pending sent."""
    skipped = prepare_due(store, settings, now)
    return skipped + send_pending(store, settings, registry, now)
