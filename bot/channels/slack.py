"""Slack: Block Kit digests (a first message plus threaded follow-ups) via slack_sdk.

Rate limits (429 + Retry-After) and 5xx answers are retried once inside the call by the
SDK's retry handlers; what still fails is reported as temporary and retried on a later run.
Errors that retrying cannot fix (the channel is gone, the bot was removed, the token was
revoked) are permanent: the subscription is paused and its owner told.

A Slack target's address is `TEAM:CHANNEL` (the team may be empty in single-workspace
setups). In multi-workspace (OAuth) mode each post uses the bot token its workspace
installed, looked up in the installation store.

Block structure is assembled here rather than by templating JSON, so the Block Kit limits
are enforced and long digests split; the wording is in `templates/slack/`, where every
interpolated value is escaped for mrkdwn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.channels.base import ChannelSpec, DeliveryError, DigestBody, Message, Notice, Receipt
from bot.config import Settings, SlackSettings
from bot.digest import feedback, wording
from bot.records.digest import Digest, Entry
from bot.records.target import Target, TargetError
from bot.store import Store
from bot.store.slack_installations import bot_token, workspace_prefix
from bot.store.token_cipher import TokenKeyError, token_cipher
from bot.store.workspaces import WORKSPACE_PAUSED
from bot.templating import escape_mrkdwn, render

# Slack interactivity contract (the Slack app handles these action_ids). Every button's
# `value` is compact JSON: {"subscription": id, "preprint": "<preprint id>", "profile": id}
# for the per-entry buttons and {"subscription": id} for unsubscribe.
ACTION_SHOW_ABSTRACT = "rxradar_show_abstract"
ACTION_VOTE_RELEVANT = "rxradar_vote_relevant"
ACTION_VOTE_NOT_RELEVANT = "rxradar_vote_not_relevant"
ACTION_UNSUBSCRIBE = "rxradar_unsubscribe"
DIGEST_ACTIONS = (
    ACTION_SHOW_ABSTRACT, ACTION_VOTE_RELEVANT, ACTION_VOTE_NOT_RELEVANT, ACTION_UNSUBSCRIBE,
)  # fmt: skip

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
ABSTRACT_CHARS = 280
METADATA_EVENT = "rxradar_digest"
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
    }
)
# the token itself is bad: with one bot token the operator's to fix (the channel fails);
# with OAuth the workspace revoked its install (every subscription there is paused)
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope"}
)
_ID = re.compile(r"^[A-Z0-9]{0,20}$")
Block = dict[str, Any]
TokenLookup = Callable[[str | None], str | None]  # team id -> that workspace's bot token


@dataclass(frozen=True)
class SlackPost:
    text: str  # notification text and fallback for clients without blocks
    blocks: tuple[Block, ...]


# ---------------------------------------------------------------- targets


def slack_target(team: str | None, channel: str) -> Target:
    """The target of a Slack channel (or, for notices, a user's DM) in a workspace."""
    return Target("slack", f"{team or ''}:{channel}")


def split_address(target: Target) -> tuple[str | None, str]:
    """(team or None, channel) of a Slack target."""
    team, _, channel = target.address.rpartition(":")
    return team or None, channel


def parse_address(text: str) -> str:
    """`T0123:C0456` (or `C0456` without a team) as a Slack address."""
    team, _, channel = text.strip().upper().rpartition(":")
    if not channel or not _ID.match(team) or not _ID.match(channel):
        raise TargetError(
            f"{text!r} is not a Slack channel: write TEAM:CHANNEL with the ids, e.g. T0123:C0456"
        )
    return f"{team}:{channel}"


# ---------------------------------------------------------------- client


def web_client(slack: SlackSettings, token: str | None = None) -> WebClient:
    """The one WebClient factory: the configured API URL, 429s waited out, 5xx retried."""
    client = WebClient(token=token, base_url=slack.api_url, timeout=int(slack.timeout))
    client.retry_handlers.extend(
        [RateLimitErrorRetryHandler(max_retry_count=1), ServerErrorRetryHandler(max_retry_count=1)]
    )
    return client


def _classify(exc: SlackApiError, team: str | None, oauth: bool) -> DeliveryError:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"HTTP {status}")
    if error in TOKEN_ERRORS and oauth:
        return DeliveryError(
            True, f"{WORKSPACE_PAUSED} (Slack answered {error})", group=workspace_prefix(team)
        )
    if error in TOKEN_ERRORS:
        return DeliveryError(
            False,
            f"Slack refused RXRADAR_SLACK_BOT_TOKEN: {error}; copy the Bot User OAuth Token "
            "again from the app's OAuth & Permissions page",
            operator=True,
        )
    if error in PERMANENT_ERRORS:
        return DeliveryError(True, f"Slack refused the message: {error}")
    if status == 429:
        retry = exc.response.headers.get("Retry-After", "?")
        return DeliveryError(False, f"Slack rate limit (429, Retry-After {retry}s)")
    return DeliveryError(False, f"Slack error: {error}")


# ---------------------------------------------------------------- rendering


def _mrkdwn(name: str, **values: Any) -> str:
    text = render(f"slack/{name}", **values).strip()
    return text if len(text) <= MAX_SECTION_TEXT else text[: MAX_SECTION_TEXT - 1] + "…"


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def button(text: str, action_id: str, value: dict[str, Any], style: str = "") -> Block:
    block: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": json.dumps(value, separators=(",", ":")),
    }
    if style:
        block["style"] = style
    return block


def _section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def entry_blocks(
    digest: Digest, entry: Entry, interactive: bool = True, position: int = 0
) -> list[Block]:
    """The entry's blocks; `position` (its place in the whole digest, default its rank)
    keeps block ids unique when several sections each number from 1."""
    position = position or entry.rank
    value = {
        "subscription": digest.subscription_id,
        "preprint": entry.preprint_id,
        "profile": entry.profile_id,
    }
    text = _mrkdwn("entry.mrkdwn.j2", entry=entry, feedback=feedback.feedback_line(entry))
    blocks = [_section(text, f"entry-{position}")]
    if entry.abstract:
        abstract = _mrkdwn("abstract.mrkdwn.j2", abstract=_trim(entry.abstract, ABSTRACT_CHARS))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": abstract}]})
    if interactive:
        buttons = [
            button("Show abstract", ACTION_SHOW_ABSTRACT, value),
            button("👍 relevant", ACTION_VOTE_RELEVANT, value),
            button("👎 not relevant", ACTION_VOTE_NOT_RELEVANT, value),
        ]
        blocks.append({"type": "actions", "block_id": f"actions-{position}", "elements": buttons})
    return blocks


def _units(digest: Digest, interactive: bool) -> list[list[Block]]:
    """Groups of blocks that must stay in the same message, in order."""
    heading = wording.heading(digest)
    if len(heading) > MAX_HEADER_TEXT:
        heading = heading[: MAX_HEADER_TEXT - 1] + "…"
    units = [
        [
            {"type": "header", "text": {"type": "plain_text", "text": heading, "emoji": True}},
            _section(_mrkdwn("intro.mrkdwn.j2", intro=wording.intro(digest))),
        ]
    ]
    if digest.outcome_line:
        line = _mrkdwn("outcomes.mrkdwn.j2", line=digest.outcome_line, links=digest.outcome_links)
        units[0].append(_section(line, "outcomes"))
    grouped = len(digest.sections) > 1
    # block ids number entries through the whole digest (entries are numbered per section)
    positions = iter(range(1, len(digest.entries) + 1))
    for section in wording.shown_sections(digest):
        if grouped:
            note = wording.section_note(section)
            if not section.entries:
                note += "\n" + wording.section_empty(section)
            units.append([_section(_mrkdwn("section.mrkdwn.j2", section=section, note=note))])
        units.extend(
            entry_blocks(digest, entry, interactive, next(positions)) for entry in section.entries
        )
    if not digest.entries:
        units.append([_section(_mrkdwn("abstract.mrkdwn.j2", abstract=wording.empty_note(digest)))])
    if interactive:
        footer = button("Unsubscribe", ACTION_UNSUBSCRIBE, {"subscription": digest.subscription_id})
        units.append([{"type": "actions", "block_id": "unsubscribe", "elements": [footer]}])
    return units


def digest_posts(digest: Digest, interactive: bool = True) -> tuple[SlackPost, ...]:
    """Messages of at most 50 blocks; follow-ups go in the first one's thread.

    `interactive=False` leaves out the buttons (for incoming webhooks, which cannot answer
    clicks)."""
    messages: list[list[Block]] = [[]]
    for unit in _units(digest, interactive):
        if len(messages[-1]) + len(unit) > MAX_BLOCKS:
            messages.append([])
        messages[-1].extend(unit)
    return tuple(
        SlackPost(
            text=render(
                "slack/fallback.txt.j2",
                part=part,
                heading=wording.heading(digest),
                count=len(digest.entries),
                window=wording.window(digest),
            ).strip(),
            blocks=tuple(blocks),
        )
        for part, blocks in enumerate(messages, start=1)
    )


def notice_post(notice: Notice) -> SlackPost:
    text = escape_mrkdwn(render(f"notices/{notice.name}.txt.j2", **notice.values).strip())
    return SlackPost(text=text, blocks=(_section(text[:MAX_SECTION_TEXT]),))


def render_posts(message: Message) -> tuple[SlackPost, ...]:
    if isinstance(message.body, DigestBody):
        return digest_posts(message.body.digest)
    return (notice_post(message.body),)


def preview(message: Message) -> str:
    payload = [{"text": p.text, "blocks": list(p.blocks)} for p in render_posts(message)]
    return json.dumps(payload, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- sending


def _part(posted: dict[str, Any], digest: str) -> int | None:
    """Which part of digest `digest` a posted message is, from its metadata."""
    meta = posted.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != METADATA_EVENT or payload.get("digest") != digest:
        return None
    part = str(payload.get("part", ""))
    return int(part) if part.isdigit() else None


class SlackChannel:
    """Posts with RXRADAR_SLACK_BOT_TOKEN, or, for apps installed in several workspaces,
    with the token `token_for(team_id)` returns (the OAuth installation store)."""

    kind = "slack"

    def __init__(self, slack: SlackSettings, token_for: TokenLookup | None = None) -> None:
        self.slack = slack
        self.token_for = token_for
        self._clients: dict[str | None, WebClient] = {}

    def _client_for(self, team: str | None) -> WebClient:
        if self.token_for is not None:
            try:
                token = self.token_for(team)
            except TokenKeyError as exc:  # the secret key changed: the operator's to fix
                raise DeliveryError(False, str(exc), operator=True) from exc
        else:
            token = self.slack.bot_token.get() if self.slack.bot_token else None
        if not token:
            raise DeliveryError(
                False,
                f"no Slack token for workspace {team}: install the app there "
                "(or set RXRADAR_SLACK_BOT_TOKEN)",
                operator=self.token_for is None,
            )
        if token not in self._clients:
            self._clients[token] = web_client(self.slack, token)
        return self._clients[token]

    def _post(
        self, client: WebClient, channel: str, post: SlackPost, thread_ts: str | None,
        meta: dict[str, str],
    ) -> str:  # fmt: skip
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

    def send(self, message: Message) -> Receipt:
        """Post the first message, then the follow-ups in its thread.

        On a retry, parts an earlier attempt already posted are found by their metadata
        and skipped, so a half-posted digest is completed rather than repeated.
        """
        team, channel = split_address(message.target)
        client = self._client_for(team)
        posts = render_posts(message)
        meta = dict(message.reference)
        try:
            posted = self._posted_parts(client, channel, meta) if message.retry else {}
            first = posted.get(1) or self._post(
                client, channel, posts[0], None, {**meta, "part": "1"}
            )
            for part, post in enumerate(posts[1:], start=2):
                if part not in posted:
                    self._post(client, channel, post, first, {**meta, "part": str(part)})
        except SlackApiError as exc:
            raise _classify(exc, team, self.token_for is not None) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise DeliveryError(False, f"cannot reach Slack: {exc}", operator=True) from exc
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


def _missing(settings: Settings) -> str | None:
    if settings.slack.configured:
        return None
    return "Slack is not set up: set RXRADAR_SLACK_BOT_TOKEN (or install the app through OAuth)"


def _open(settings: Settings, store: Store) -> SlackChannel:
    slack = settings.slack
    if slack.oauth and slack.client_id:
        return SlackChannel(
            slack, token_for=partial(bot_token, store, slack.client_id, token_cipher(settings))
        )
    return SlackChannel(slack)


SPEC = ChannelSpec(
    kind="slack", open=_open, missing=_missing, parse_address=parse_address, preview=preview
)
