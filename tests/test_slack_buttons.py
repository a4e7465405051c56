"""Clicks on a real rendered digest message: Show abstract, 👍/👎, Unsubscribe."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot import subscribing
from bot.channels.slack import digest_posts, slack_target
from bot.delivery.preparing import load_digest
from bot.store.delivery_models import Vote
from bot.store.subscriptions import SubscriptionRecord, subscription
from tests.peers.web import action_body
from tests.slack_support import BOT_TOKEN, PREPRINTS, Harness, harness_factory  # noqa: F401


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    return harness_factory()


def _digest_message(h: Harness) -> tuple[SubscriptionRecord, dict[str, Any]]:
    """Subscribe C0001 to NAR and render the Slack message its digest would post."""
    now = datetime.now(UTC)
    target = slack_target("T0001", "C0001")
    record = subscribing.subscribe(h.store, target, ["Nucleic Acids Research"], now)
    digest = load_digest(h.store, record, now.date().isoformat(), now)
    assert digest.entries, "the seeded preprints should make a digest"
    [post] = digest_posts(digest)
    client = WebClient(token=BOT_TOKEN, base_url=h.api.url)
    sent = client.chat_postMessage(channel="C0001", text=post.text, blocks=list(post.blocks))
    return record, dict(sent["message"])


def _button(message: dict[str, Any], action_id: str, rank: int = 1) -> tuple[dict, str]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id and (
                block["block_id"] in (f"actions-{rank}", "unsubscribe")
            ):
                return element, block["block_id"]
    raise AssertionError(f"no {action_id} button")


def _click(h: Harness, message: dict, action_id: str, name: str, **kw: str) -> None:
    element, block_id = _button(message, action_id)
    body = action_body(
        action_id, element["value"], h.api.response_url(name), message, block_id, **kw
    )
    assert h.post(body).status_code == 200


def _votes(h: Harness) -> list[tuple[str, str, int]]:
    with h.store.session() as session:
        rows = session.scalars(select(Vote).order_by(Vote.id))
        return [(v.voter, v.preprint_id, v.value) for v in rows]


def test_show_abstract_answers_with_the_whole_abstract(h: Harness) -> None:
    _, message = _digest_message(h)
    _click(h, message, "rxradar_show_abstract", "abstract")
    answer = h.answer("abstract")
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert answer["response_type"] == "ephemeral"
    assert "Mapping RNA &lt;structure&gt; &amp; function in vivo" in text
    from bot.slack_app.replies import escape

    assert escape(PREPRINTS[0].abstract.strip()) in text


def test_votes_are_stored_and_shown_on_the_message(h: Harness) -> None:
    _, message = _digest_message(h)
    _click(h, message, "rxradar_vote_relevant", "vote")
    from tests.slack_support import wait_for

    updates = wait_for(lambda: h.calls("chat.update"))
    assert _votes(h) == [("U0001", PREPRINTS[0].id, 1)]
    blocks = updates[0]["blocks"]
    assert updates[0]["channel"] == "C0001" and updates[0]["ts"] == message["ts"]
    assert len(blocks) == len(message["blocks"])  # the vote line joins an existing block
    assert "👍 relevant: <@U0001>" in json.dumps(blocks, ensure_ascii=False)

    message["blocks"] = blocks  # Slack now shows the updated message
    _click(h, message, "rxradar_vote_not_relevant", "vote2", user="U0002")
    updates = wait_for(lambda: h.calls("chat.update")[1:])
    shown = json.dumps(updates[0]["blocks"], ensure_ascii=False)
    assert "👍 relevant: <@U0001>   👎 not relevant: <@U0002>" in shown
    assert sorted(_votes(h)) == [("U0001", PREPRINTS[0].id, 1), ("U0002", PREPRINTS[0].id, -1)]


def test_changing_ones_mind_replaces_the_vote(h: Harness) -> None:
    _, message = _digest_message(h)
    _click(h, message, "rxradar_vote_relevant", "a")
    from tests.slack_support import wait_for

    wait_for(lambda: h.calls("chat.update"))
    _click(h, message, "rxradar_vote_not_relevant", "b")
    wait_for(lambda: h.calls("chat.update")[1:])
    assert _votes(h) == [("U0001", PREPRINTS[0].id, -1)]


def test_unsubscribe_button_stops_the_digest_and_says_so_on_the_message(h: Harness) -> None:
    record, message = _digest_message(h)
    _click(h, message, "rxradar_unsubscribe", "unsub")
    assert "Stopped the digest for *Nucleic Acids Research*" in str(h.answer("unsub"))
    with h.store.session() as session:
        assert subscription(session, record.id).active is False  # type: ignore[union-attr]
    [update] = h.calls("chat.update")
    shown = json.dumps(update["blocks"])
    assert "rxradar_unsubscribe" not in shown
    assert "<@U0001> unsubscribed this channel" in shown


def test_a_button_clicked_in_another_channel_changes_nothing(h: Harness) -> None:
    record, message = _digest_message(h)
    _click(h, message, "rxradar_unsubscribe", "elsewhere", channel="C0999")
    assert "belongs to a digest for another channel" in str(h.answer("elsewhere"))
    _click(h, message, "rxradar_vote_relevant", "elsewhere2", channel="C0999")
    h.answer("elsewhere2")
    with h.store.session() as session:
        assert subscription(session, record.id).active is True  # type: ignore[union-attr]
    assert _votes(h) == [] and h.calls("chat.update") == []
