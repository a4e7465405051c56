"""The one path from a message to a channel: every attempt is a ledger row with its outcome.

The row is written (outcome "started") before the send, so a crash between the channel
accepting a message and the outcome being recorded is visible afterwards. What the outcome
means for the digest (`settle`) is written in the same transaction as the outcome itself:
an accepted attempt and its digest marked sent commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.channels.base import Channel, DeliveryError, Message, Receipt
from bot.store import Store
from bot.store import digests as ledger

log = logging.getLogger("rxradar.delivery")

Settle = Callable[[Session, Receipt | DeliveryError], None]


def begin(
    session: Session, kind: str, purpose: str, message_id: str, now: datetime, *,
    digest_id: int | None = None, subscriber_id: int | None = None, unfinished: bool = True,
) -> int:  # fmt: skip
    """Record an attempt as "started" (closing any a crashed run left open); its id.

    The sender calls this in the transaction that leases the digest (one commit less per
    digest); `attempt` calls it itself otherwise."""
    if digest_id is not None and unfinished:
        ledger.abandon_unfinished(session, digest_id, now)
    return ledger.start_attempt(session, digest_id, subscriber_id, kind, purpose, message_id, now)


def attempt(
    store: Store,
    channel: Channel,
    message: Message,
    now: datetime,
    *,
    purpose: str,
    digest_id: int | None = None,
    subscriber_id: int | None = None,
    retry_at: datetime | None = None,
    started: int | None = None,
    settle: Settle | None = None,
) -> Receipt | DeliveryError:
    """Send through `channel` and record the attempt; returns the receipt or the error.

    `retry_at` is when a temporary failure will be tried again (stored with the attempt).
    `started` is the id of the attempt `begin` already recorded (else it is recorded here).
    `settle` records what the outcome does to the digest, in the transaction that records
    the outcome.
    """
    attempt_id = started
    if attempt_id is None:
        with store.session() as session:
            attempt_id = begin(
                session, channel.kind, purpose, message.message_id, now,
                digest_id=digest_id, subscriber_id=subscriber_id,
            )  # fmt: skip
    try:
        outcome: Receipt | DeliveryError = channel.send(message)
    except DeliveryError as error:
        outcome = error
    with store.session() as session:
        if isinstance(outcome, DeliveryError):
            ledger.finish_attempt(
                session, attempt_id, "permanent" if outcome.permanent else "temporary", now,
                error=outcome.reason, retry_at=None if outcome.permanent else retry_at,
            )  # fmt: skip
        else:
            ledger.finish_attempt(
                session, attempt_id, "accepted", now, external_id=outcome.external_id
            )
        if settle is not None:
            settle(session, outcome)
    if isinstance(outcome, DeliveryError) and not outcome.operator:
        # a failing channel is logged once per change by the sender, not once per digest
        log.warning("%s to %s failed: %s", purpose, message.target.describe(), outcome.reason)
    return outcome
