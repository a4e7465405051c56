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
    unfinished: bool = True,
    settle: Settle | None = None,
) -> Receipt | DeliveryError:
    """Send through `channel` and record the attempt; returns the receipt or the error.

    `retry_at` is when a temporary failure will be tried again (stored with the attempt).
    `unfinished=False` says the caller knows the digest has no attempt a crashed run left
    open (nothing to close first). `settle` records what the outcome does to the digest,
    in the transaction that records the outcome.
    """
    with store.session() as session:
        if digest_id is not None and unfinished:
            ledger.abandon_unfinished(session, digest_id, now)
        attempt_id = ledger.start_attempt(
            session, digest_id, subscriber_id, channel.kind, purpose, message.message_id, now
        )
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
