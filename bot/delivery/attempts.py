"""The one path from a message to a channel: every attempt is a ledger row with its outcome.

The row is written (outcome "started") before the send, so a crash between the channel
accepting a message and the outcome being recorded is visible afterwards.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.channels.base import Channel, DeliveryError, Message, Receipt
from bot.store import Store
from bot.store import digests as ledger

log = logging.getLogger("rxradar.delivery")


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
) -> Receipt | DeliveryError:
    """Send through `channel` and record the attempt; returns the receipt or the error.

    `retry_at` is when a temporary failure will be tried again (stored with the attempt).
    """
    with store.session() as session:
        if digest_id is not None:
            ledger.abandon_unfinished(session, digest_id, now)
        attempt_id = ledger.start_attempt(
            session, digest_id, subscriber_id, channel.kind, purpose, message.message_id, now
        )
    try:
        receipt = channel.send(message)
    except DeliveryError as error:
        outcome = "permanent" if error.permanent else "temporary"
        with store.session() as session:
            ledger.finish_attempt(
                session, attempt_id, outcome, now, error=error.reason,
                retry_at=None if error.permanent else retry_at,
            )  # fmt: skip
        if not error.operator:  # a failing channel is logged once per change by the sender
            log.warning("%s to %s failed: %s", purpose, message.target.describe(), error.reason)
        return error
    with store.session() as session:
        ledger.finish_attempt(session, attempt_id, "accepted", now, external_id=receipt.external_id)
    return receipt
