"""The signed links messages carry: unsubscribe (digests) and confirm (email addresses)."""

from __future__ import annotations

from datetime import datetime

from bot.config import LinkSettings
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import CONFIRM, UNSUBSCRIBE, make_token


def unsubscribe_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    token = make_token(links.secret.get(), UNSUBSCRIBE, record.id, record.target.key, now)
    return f"{links.public_url}/unsubscribe/{token}"


def confirm_url(links: LinkSettings, record: SubscriptionRecord, now: datetime) -> str:
    token = make_token(links.secret.get(), CONFIRM, record.subscriber_id, record.target.key, now)
    return f"{links.public_url}/confirm/{token}"
