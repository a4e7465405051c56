"""Messages about subscriptions rather than preprints: confirmation requests, pause notices.

Both go through the same channels and the same attempt ledger as digests (purpose
"confirm" / "notice"); each channel renders them from `templates/notices/`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.channels.base import DeliveryError, Message, Notice, new_message_id
from bot.channels.registry import Registry
from bot.config import LinkSettings
from bot.delivery.attempts import attempt
from bot.delivery.links import confirm_url
from bot.records.target import Target, TargetError
from bot.store import Store
from bot.store.subscriptions import SubscriptionRecord

log = logging.getLogger("rxradar.notices")

HINTS = {
    "channel_not_found": "the channel was deleted or the bot cannot see it",
    "not_in_channel": "invite the bot to the channel with /invite",
    "is_archived": "the channel is archived; unarchive it or choose another",
    "invalid_auth": "reinstall the app or set a valid RXRADAR_SLACK_BOT_TOKEN",
    "token_revoked": "reinstall the app to the workspace",
    "account_inactive": "reinstall the app to the workspace",
    "missing_scope": "reinstall the app so it gets the chat:write scope",
    "SMTP 5": "the mail server refused the address; check it is spelled right",
    "webhook": "check that the webhook still exists, then subscribe again",
}


def owner_target(owner: str) -> Target | None:
    """Who set a subscription up, as a target: 'slack:<team>:<user>' is a DM to that user,
    'email:<address>' that address; 'cli' (the operator) is nobody to message."""
    try:
        return Target.from_key(owner)
    except TargetError:
        return None


def _send(store: Store, registry: Registry, message: Message, purpose: str, now: datetime) -> bool:
    channel = registry.open(message.target.kind)
    try:
        outcome = attempt(store, channel, message, now, purpose=purpose)
    finally:
        channel.close()
    return not isinstance(outcome, DeliveryError)


def _hint(reason: str) -> str:
    for marker, hint in HINTS.items():
        if marker in reason:
            return hint
    return "see `rxradar subscriptions list` for details"


def notify_owner(
    store: Store,
    links: LinkSettings,
    registry: Registry,
    record: SubscriptionRecord,
    reason: str,
    now: datetime,
) -> bool:
    """Tell whoever set up a subscription that it was paused; False when nobody can be told."""
    target = owner_target(record.owner)
    if target is None or target.key == record.target.key:
        log.warning("subscription %s paused: %s", record.id, reason)
        return False
    notice = Notice(
        "paused",
        f"rxradar paused your digest for {record.names}",
        {
            "subscription": str(record.id),
            "journals": record.names,
            "target": record.target.describe(),
            "reason": reason,
            "hint": _hint(reason),
        },
    )
    message = Message(target, notice, new_message_id(links.public_url))
    return _send(store, registry, message, "notice", now)


def send_confirmation(
    store: Store,
    links: LinkSettings,
    registry: Registry,
    record: SubscriptionRecord,
    requester: str,
    now: datetime,
    *,
    link: str | None = None,
) -> bool:
    """Ask an address added by someone else to confirm before anything is sent.

    `link` completes it; by default the address's confirm link (a web sign-up passes the
    link that starts that one subscription).
    """
    notice = Notice(
        "confirm",
        "Confirm your rxradar preprint digest",
        {
            "requester": requester,
            "cadence": record.rules.cadence.kind,
            "journals": record.names,
            "address": record.target.address,
            "confirm_url": link or confirm_url(links, record, now),
        },
    )
    message = Message(record.target, notice, new_message_id(links.public_url))
    return _send(store, registry, message, "confirm", now)
