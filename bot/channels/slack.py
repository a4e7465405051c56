"""Slack via slack_sdk's WebClient: a first message plus threaded follow-ups.

Rate limits (429 + Retry-After) and 5xx answers are retried once inside the call by the
SDK's retry handlers; what still fails is reported as temporary and retried on a later run.
Errors that retrying cannot fix (the channel is gone, the bot was removed, the token was
revoked) are permanent: the subscription is paused and its owner told.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.channels.base import DeliveryError, DigestMessage, Receipt
from bot.config import Settings

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "user_not_found",
    }
)
METADATA_EVENT = "rxradar_digest"


def _part(posted: dict[str, Any], digest: str) -> int | None:
    """Which part of digest `digest` a posted message is, from its metadata."""
    meta = posted.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != METADATA_EVENT or payload.get("digest") != digest:
        return None
    part = str(payload.get("part", ""))
    return int(part) if part.isdigit() else None


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    bot_token = token or (settings.slack_bot_token.get() if settings.slack_bot_token else None)
    client = WebClient(
        token=bot_token, base_url=settings.slack_api_url, timeout=int(settings.http_timeout)
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=1))
    return client


def _classify(exc: SlackApiError) -> DeliveryError:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"HTTP {status}")
    if error in PERMANENT_ERRORS:
        return DeliveryError(True, f"Slack refused the message: {error}")
    if status == 429:
        retry = exc.response.headers.get("Retry-After", "?")
        return DeliveryError(False, f"Slack rate limit (429, Retry-After {retry}s)")
    return DeliveryError(False, f"Slack error: {error}")


TokenLookup = Callable[[str | None], str | None]  # team id -> that workspace's bot token


class SlackChannel:
    """Posts with RXRADAR_SLACK_BOT_TOKEN, or, for apps installed in several workspaces,
    with the token `token_for(team_id)` returns (e.g. from the OAuth installation store)."""

    kind = "slack"

    def __init__(
        self,
        settings: Settings,
        client: WebClient | None = None,
        token_for: TokenLookup | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.token_for = token_for
        self._clients: dict[str, WebClient] = {}

    def _client_for(self, team: str | None) -> WebClient:
        token = self.token_for(team) if self.token_for else None
        if not token or token == self.client.token:
            return self.client
        if token not in self._clients:
            self._clients[token] = make_client(self.settings, token)
        return self._clients[token]

    def _post(
        self,
        client: WebClient,
        channel: str,
        post: Any,
        thread_ts: str | None,
        meta: dict[str, Any],
    ) -> str:
        kwargs: dict[str, Any] = {
            "channel": channel,
            "text": post.text,
            "blocks": list(post.blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if meta:
            # lets a retry after a crash recognise a message that was already posted
            kwargs["metadata"] = {"event_type": METADATA_EVENT, "event_payload": meta}
        response = client.chat_postMessage(**kwargs)
        return str(response.get("ts"))

    def send(self, message: DigestMessage) -> Receipt:
        """Post the first message, then the follow-ups in its thread.

        On a retry (`reference["retry"]`), parts an earlier attempt already posted are
        found by their metadata and skipped, so a half-posted digest is completed rather
        than repeated.
        """
        channel = message.target.channel
        if not channel:
            raise DeliveryError(True, "the subscriber has no Slack channel")
        client = self._client_for(message.target.team)
        if not client.token:
            raise DeliveryError(
                False, "no Slack token: set RXRADAR_SLACK_BOT_TOKEN or install the app"
            )
        posts = message.slack or ()
        if not posts:
            raise DeliveryError(True, "nothing renderable for Slack in this message")
        meta = {k: str(v) for k, v in message.reference.items() if k != "retry"}
        try:
            posted = (
                self._posted_parts(client, channel, meta) if message.reference.get("retry") else {}
            )
            first = posted.get(1) or self._post(
                client, channel, posts[0], None, {**meta, "part": "1"}
            )
            for part, post in enumerate(posts[1:], start=2):
                if part not in posted:
                    self._post(client, channel, post, first, {**meta, "part": str(part)})
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise DeliveryError(False, f"cannot reach Slack: {exc}") from exc
        return Receipt(external_id=first)

    def _posted_parts(
        self, client: WebClient, channel: str, meta: dict[str, str]
    ) -> dict[int, str]:
        """part number -> ts of this digest's messages already in the channel."""
        digest = meta.get("digest")
        if not digest:
            return {}
        recent = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
        first = next((m for m in recent.get("messages") or [] if _part(m, digest) == 1), None)
        if first is None:
            return {}
        thread = client.conversations_replies(
            channel=channel, ts=first["ts"], limit=100, include_all_metadata=True
        )
        found = {1: str(first["ts"])}
        for reply in thread.get("messages") or []:
            part = _part(reply, digest)
            if part is not None:
                found.setdefault(part, str(reply["ts"]))
        return found

    def close(self) -> None:
        return None
