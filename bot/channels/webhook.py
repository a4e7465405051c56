"""Incoming webhooks: an HTTPS POST of JSON to a URL (Slack, Mattermost, Discord's `/slack`
endpoint, Teams and other Slack-compatible receivers).

The payload is Slack's incoming-webhook shape: `text` (plain text with bare links, which
every receiver shows) plus Block Kit `blocks` without buttons (a webhook cannot answer
clicks). A digest longer than one message is posted as several, in order. The target's
address is the webhook URL; it is a secret, so it is never shown whole.

2xx means accepted. 404/410 (the webhook was deleted), 401/403 (refused) and 400/413/422
(the receiver will never take this payload) are permanent; 429, 5xx and network errors
are temporary.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.channels.base import ChannelSpec, DeliveryError, DigestBody, Message, Receipt
from bot.channels.email import digest_context
from bot.channels.slack import digest_posts, notice_post
from bot.config import HttpSettings, Settings
from bot.records.target import TargetError
from bot.store import Store
from bot.templating import render

PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 410, 413, 422})


def payloads(message: Message) -> list[dict[str, Any]]:
    """The JSON bodies to POST, in order."""
    if not isinstance(message.body, DigestBody):
        post = notice_post(message.body)
        return [{"text": post.text, "blocks": list(post.blocks)}]
    text = render("webhook/digest.txt.j2", **digest_context(message.body)).strip()
    posts = digest_posts(message.body.digest, interactive=False)
    return [
        {"text": text if part == 0 else post.text, "blocks": list(post.blocks)}
        for part, post in enumerate(posts)
    ]


def preview(message: Message) -> str:
    return json.dumps(payloads(message), ensure_ascii=False, indent=2)


def parse_address(text: str) -> str:
    """An http(s) URL without credentials in it."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetError(f"{text!r} is not a webhook URL: write it as https://host/path")
    if parts.username or parts.password:
        raise TargetError("a webhook URL must not carry a user name or password")
    return url


class WebhookChannel:
    kind = "webhook"

    def __init__(self, http: HttpSettings) -> None:
        self._client = httpx.Client(
            timeout=http.timeout,
            headers={"User-Agent": http.user_agent},
            follow_redirects=False,
        )

    def _post(self, url: str, body: dict[str, Any], message_id: str) -> None:
        host = urlsplit(url).hostname
        try:
            response = self._client.post(
                url, json=body, headers={"X-Rxradar-Delivery": message_id.strip("<>")}
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(False, f"cannot reach the webhook at {host}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = f"the webhook at {host} answered HTTP {status}: {response.text[:200]}"
        raise DeliveryError(status in PERMANENT_STATUSES or 300 <= status < 400, reason)

    def send(self, message: Message) -> Receipt:
        # A webhook cannot be asked what it already has: a retry after a crash posts the
        # whole digest again, with the same X-Rxradar-Delivery id for receivers that dedupe.
        bodies = payloads(message)
        for body in bodies:
            self._post(message.target.address, body, message.message_id)
        return Receipt(message_id=message.message_id, detail=f"{len(bodies)} post(s)")

    def close(self) -> None:
        self._client.close()


def _open(settings: Settings, store: Store) -> WebhookChannel:
    return WebhookChannel(settings.http)


SPEC = ChannelSpec(
    kind="webhook",
    open=_open,
    missing=lambda settings: None,  # nothing to configure: the address is the whole setup
    parse_address=parse_address,
    preview=preview,
)
