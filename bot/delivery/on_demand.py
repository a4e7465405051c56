"""A test digest on demand (`rxradar digest ID --send`): the current period's digest, sent
now to the subscription's target through the real channel, marked as a test in its subject
and intro, recorded as a "test" attempt, and consuming nothing: the scheduled digest of
the period still goes out, with the same preprints."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.channels.base import DeliveryError, Receipt, new_message_id
from bot.channels.registry import Registry
from bot.config import LinkSettings
from bot.delivery.attempts import attempt
from bot.delivery.preparing import load_digest
from bot.delivery.sending import digest_message
from bot.store import Store
from bot.store.subscriptions import SubscriptionRecord


class NotSendable(ValueError):
    """The subscription cannot be sent a test now; the message says why."""


def send_test_digest(
    store: Store, links: LinkSettings, registry: Registry, record: SubscriptionRecord,
    now: datetime,
) -> tuple[int, Receipt | DeliveryError]:  # fmt: skip
    """(preprints in it, the channel's answer)."""
    if not record.active:
        raise NotSendable(f"subscription {record.id} was stopped")
    if not record.confirmed:
        raise NotSendable(f"{record.target.describe()} has not confirmed its address yet")
    digest = replace(load_digest(store, record, "test", now), test=True)
    message = digest_message(links, record, digest, now, new_message_id(links.public_url))
    channel = registry.open(record.target.kind)
    try:
        outcome = attempt(
            store, channel, message, now, purpose="test", subscriber_id=record.subscriber_id
        )
    finally:
        channel.close()
    return len(digest.entries), outcome
