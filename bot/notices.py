"""Messages about subscriptions rather than preprints: confirmation requests, pause notices.

Both go through the same channels and are recorded as delivery attempts (purpose
"confirm" / "notice"), so they show up in the ledger like digests do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.channels.base import DeliveryError, DigestMessage
from bot.channels.email import message_id_for
from bot.channels.registry import Registry
from bot.config import Settings, ensure_secret_key
from bot.digest.model import Target
from bot.digest.render import SlackPost, escape_mrkdwn
from bot.resources import resource_dir
from bot.store import Store
from bot.store import digests as ledger
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import CONFIRM, make_token

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
}


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(resource_dir("templates")),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _render(name: str, **values: object) -> str:
    return _env().get_template(f"notices/{name}").render(values)


def owner_target(owner: str) -> Target | None:
    """'slack:<team>:<user>' → a DM to that user; 'email:<address>' → that address."""
    kind, _, rest = owner.partition(":")
    if kind == "email" and rest:
        return Target("email", address=rest)
    if kind == "slack" and rest.count(":") == 1:
        team, user = rest.split(":")
        return Target("slack", team=team or None, channel=user)
    return None


def _send(
    store: Store, registry: Registry, message: DigestMessage, purpose: str, now: datetime
) -> bool:
    channel = registry.open(message.target.kind)
    with store.session() as session:
        attempt = ledger.start_attempt(
            session, None, None, channel.kind, purpose, message.message_id, now
        )
    try:
        receipt = channel.send(message)
    except DeliveryError as error:
        with store.session() as session:
            outcome = "permanent" if error.permanent else "temporary"
            ledger.finish_attempt(session, attempt, outcome, now, error=error.reason)
        log.warning("%s to %s failed: %s", purpose, message.target.describe(), error.reason)
        return False
    finally:
        channel.close()
    with store.session() as session:
        ledger.finish_attempt(session, attempt, "accepted", now, external_id=receipt.external_id)
    return True


def _hint(reason: str) -> str:
    for marker, hint in HINTS.items():
        if marker in reason:
            return hint
    return "see `rxradar subscriptions list` for details"


def notify_owner(
    store: Store,
    settings: Settings,
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
    journals = ", ".join(p.name for p in record.profiles)
    text = _render(
        "paused.txt.j2",
        subscription=record.id,
        journals=journals,
        target=record.target.describe(),
        reason=reason,
        hint=_hint(reason),
    )
    block = {"type": "section", "text": {"type": "mrkdwn", "text": escape_mrkdwn(text)}}
    message = DigestMessage(
        target=target,
        subject=f"rxradar paused your digest for {journals}",
        text=text,
        slack=(SlackPost(text=escape_mrkdwn(text), blocks=(block,)),),
        message_id=message_id_for(settings) if target.kind == "email" else None,
    )
    return _send(store, registry, message, "notice", now)


def send_confirmation(
    store: Store,
    settings: Settings,
    registry: Registry,
    record: SubscriptionRecord,
    requester: str,
    now: datetime,
) -> bool:
    """Ask an email address added by someone else to confirm before anything is sent."""
    secret = ensure_secret_key(settings).get()
    token = make_token(secret, CONFIRM, record.subscriber_id, record.target.key, now)
    values = {
        "requester": requester,
        "cadence": record.options.cadence.kind,
        "journals": ", ".join(p.name for p in record.profiles),
        "address": record.target.address,
        "confirm_url": f"{settings.public_url}/confirm/{token}",
    }
    message = DigestMessage(
        target=record.target,
        subject="Confirm your rxradar preprint digest",
        text=_render("confirm.txt.j2", **values),
        html=_render("confirm.html.j2", **values),
        message_id=message_id_for(settings),
    )
    return _send(store, registry, message, "confirm", now)
