"""The buttons on digest messages: Show abstract, 👍/👎, Unsubscribe.

Button values are the compact JSON `bot.digest.render` writes. A click only acts on a
subscription that belongs to the channel it was clicked in, so a message forwarded or
crafted elsewhere cannot touch another channel's subscription.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import subscribing
from bot.channels.slack import ACTION_VOTE_RELEVANT
from bot.digest import feedback
from bot.records.digest import Digest
from bot.slack_app.answers import Caller, Deps
from bot.slack_app.channel_subscriptions import channel_target
from bot.slack_app.replies import Block, Reply, context, escape, message, mrkdwn, section
from bot.store import feedback as votes_store
from bot.store import subscriptions as subs
from bot.store.scores import find_preprint
from bot.store.subscriptions import SubscriptionRecord

log = logging.getLogger(__name__)

VOTE_LABELS = {1: "👍 relevant", -1: "👎 not relevant"}
_MENTION = re.compile(r"<@(\w+)>")


def button_value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def own_subscription(
    deps: Deps, value: dict[str, Any], caller: Caller
) -> SubscriptionRecord | None:
    """The subscription named by the button, if it belongs to the caller's channel."""
    subscription_id = value.get("subscription")
    if not isinstance(subscription_id, int):
        return None
    with deps.store.session() as session:
        record = subs.subscription(session, subscription_id)
    if record is None or record.target.key != channel_target(caller).key:
        return None
    return record


NOT_YOURS = message(
    "That button belongs to a digest for another channel, so I left it alone. "
    "Use the buttons on this channel's own digests."
)


def show_abstract(deps: Deps, value: dict[str, Any], caller: Caller) -> Reply:
    if own_subscription(deps, value, caller) is None:
        return NOT_YOURS
    with deps.store.session() as session:
        found = find_preprint(session, str(value.get("preprint") or ""))
        title, abstract = (found.title, found.abstract) if found else ("", "")
    if not title:
        return message("That preprint is no longer in the database, so I can't show it.")
    blocks = [section(f"*{escape(title)}*")]
    text = escape(abstract) or "_No abstract was given for this preprint._"
    blocks += [section(text[i : i + 2900]) for i in range(0, min(len(text), 2900 * 5), 2900)]
    reason = _why(deps, int(value["subscription"]), str(value.get("preprint") or ""))
    if reason:
        blocks.append(context(f"*Why this preprint:* {escape(reason)}"))
    return Reply(text=title, blocks=tuple(blocks))


def _why(deps: Deps, subscription_id: int, preprint_id: str) -> str:
    """The line the digest that carried the preprint stored for it ("" if none did)."""
    with deps.store.session() as session:
        payload = votes_store.sent_payload(session, subscription_id, preprint_id)
    return feedback.why_in(Digest.from_payload(payload), preprint_id) if payload else ""


def vote(
    deps: Deps, value: dict[str, Any], caller: Caller, action: dict[str, Any],
    body: dict[str, Any], client: WebClient,
) -> Reply | None:  # fmt: skip
    record = own_subscription(deps, value, caller)
    if record is None:
        return NOT_YOURS
    score = 1 if action.get("action_id") == ACTION_VOTE_RELEVANT else -1
    preprint = str(value.get("preprint") or "")
    try:
        subscribing.record_vote(deps.store, record.id, preprint, caller.user_id, score, deps.now())
    except subscribing.SubscribeError:
        return message(
            "This digest's subscription was stopped (or the preprint removed), so there is "
            f"nothing to vote for. Subscribe again with `{deps.command} subscribe JOURNAL`."
        )
    original = body.get("message") or {}
    blocks = with_vote(
        original.get("blocks") or [], action.get("block_id") or "", caller.user_id, score
    )
    _update(client, caller, original, blocks)
    return None


def with_vote(blocks: list[Block], block_id: str, user: str, score: int) -> list[Block]:
    """The message's blocks with the entry's vote line showing `user`'s latest vote.

    The line is an element of the context block just above the entry's buttons (the
    abstract), so a full 50-block digest stays within the limit; entries without one get
    a context block of their own.
    """
    blocks = [dict(b) for b in blocks]
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") == block_id), None)
    if at is None:
        return blocks
    above = blocks[at - 1] if at > 0 and blocks[at - 1].get("type") == "context" else None
    if above is None:
        above = {"type": "context", "elements": []}
        blocks.insert(at, above)
    elements = [e for e in above.get("elements", []) if not _is_vote_line(e)]
    votes = next((_read_votes(e) for e in above.get("elements", []) if _is_vote_line(e)), {})
    votes[user] = score
    above["elements"] = [*elements, {"type": "mrkdwn", "text": _vote_line(votes)}][-10:]
    return blocks[:50]


def _is_vote_line(element: Block) -> bool:
    return str(element.get("text", "")).startswith(("👍", "👎"))


def _read_votes(element: Block) -> dict[str, int]:
    votes: dict[str, int] = {}
    for part in str(element.get("text", "")).split("   "):
        score = 1 if part.startswith("👍") else -1
        votes.update({user: score for user in _MENTION.findall(part)})
    return votes


def _vote_line(votes: dict[str, int]) -> str:
    parts = []
    for score, label in VOTE_LABELS.items():
        users = [f"<@{u}>" for u, s in votes.items() if s == score]
        if users:
            parts.append(f"{label}: {', '.join(users)}")
    return "   ".join(parts)


def unsubscribe(
    deps: Deps, value: dict[str, Any], caller: Caller, body: dict[str, Any], client: WebClient
) -> Reply:
    record = own_subscription(deps, value, caller)
    if record is None:
        return NOT_YOURS
    subscribing.unsubscribe(deps.store, record.id, deps.now())
    names = ", ".join(p.name for p in record.profiles)
    note = context(
        f"<@{caller.user_id}> unsubscribed this channel on {_day(deps.now())}. "
        f"Subscribe again with `{deps.command} subscribe {escape(names)}`."
    )
    original = body.get("message") or {}
    blocks = [b for b in original.get("blocks") or [] if b.get("block_id") != "unsubscribe"]
    _update(client, caller, original, [*blocks, note])
    return mrkdwn(f"Stopped the digest for *{escape(names)}* in <#{caller.channel_id}>.")


def _day(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def _update(
    client: WebClient, caller: Caller, original: dict[str, Any], blocks: list[Block]
) -> None:
    """Rewrite the digest message in place; a failure is logged, the vote is already kept."""
    if not original.get("ts"):
        return
    try:
        client.chat_update(
            channel=caller.channel_id, ts=original["ts"], blocks=blocks[:50],
            text=original.get("text") or "rxradar digest",
        )  # fmt: skip
    except SlackApiError as exc:
        log.warning("chat.update failed: %s", exc.response.get("error"))
