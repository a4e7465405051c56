"""Signed 👍/👎 clicks on a real digest message re-rank the channel's next digest;
`/preprints feedback reset` restores the journal's order; Show abstract says why."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot import subscribing
from bot.channels.base import new_message_id
from bot.channels.slack import digest_posts, slack_target
from bot.delivery.preparing import load_digest
from bot.records.cadence import Slot
from bot.records.digest import Digest
from bot.records.rules import DigestRules
from bot.store import digests as ledger
from bot.store.preprints import upsert_preprints
from bot.store.scores import ScoreRow, add_scores
from bot.store.subscriptions import SubscriptionRecord
from tests.peers.web import action_body
from tests.slack_support import BOT_TOKEN, Harness, harness_factory, preprint, wait_for  # noqa: F401

TOPICS = ("RNA structure probing by chemical mapping", "Bacterial phage defence systems")


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    harness = harness_factory()
    extra = [
        replace(
            preprint(10 + n, f"{TOPICS[n % 2]}, study {n}"),
            abstract=(
                "Chemical probing maps RNA secondary structure and riboswitch folding in cells."
                if n % 2 == 0
                else "Phage defence systems in bacteria: CRISPR arrays, restriction and abortive "
                "infection against phage predation."
            ),
        )
        for n in range(6)
    ]
    upsert_preprints(harness.store, extra)
    nar = harness.profiles["Nucleic Acids Research"]
    with harness.store.session() as session:
        add_scores(session, "m1", [ScoreRow(p.id, nar, 0.40 - 0.04 * n, 2)
                                   for n, p in enumerate(extra)])  # fmt: skip
    return harness


def _subscribe(h: Harness, channel: str = "C0001") -> SubscriptionRecord:
    rules = DigestRules(top=6)
    target = slack_target("T0001", channel)
    return subscribing.subscribe(
        h.store, target, ["Nucleic Acids Research"], datetime.now(UTC), rules=rules
    )


def _digest(h: Harness, record: SubscriptionRecord) -> Digest:
    return load_digest(h.store, record, "p", datetime.now(UTC))


def _order(h: Harness, record: SubscriptionRecord) -> list[str]:
    return [e.preprint_id for e in _digest(h, record).entries]


def _post(h: Harness, digest: Digest) -> dict[str, Any]:
    [post] = digest_posts(digest)
    client = WebClient(token=BOT_TOKEN, base_url=h.api.url)
    sent = client.chat_postMessage(channel="C0001", text=post.text, blocks=list(post.blocks))
    return dict(sent["message"])


def _click(h: Harness, message: dict[str, Any], action_id: str, rank: int, name: str) -> None:
    block = next(b for b in message["blocks"] if b.get("block_id") == f"actions-{rank}")
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    body = action_body(action_id, element["value"], h.api.response_url(name), message,
                       block["block_id"])  # fmt: skip
    assert h.post(body).status_code == 200


def test_signed_clicks_reorder_the_next_digest_and_reset_restores_it(h: Harness) -> None:
    record = _subscribe(h)
    other = _subscribe(h, "C0002")
    today, theirs = _order(h, record), _order(h, other)
    message = _post(h, _digest(h, record))
    _click(h, message, "rxradar_vote_not_relevant", 1, "down")
    wait_for(lambda: h.calls("chat.update"))
    after = _order(h, record)
    assert after and today[0] not in after[:1]  # the 👎 preprint went down (or out)
    assert _order(h, other) == theirs  # another channel's digest is untouched
    h.command("feedback reset")
    assert "Forgot 1 vote" in json.dumps(h.answer())
    assert _order(h, record) == today


def test_show_abstract_says_why_the_preprint_was_sent(h: Harness) -> None:
    record = _subscribe(h)
    subscribing.record_vote(h.store, record.id, preprint(10, "").id, "U0001", 1, datetime.now(UTC))
    digest = _digest(h, record)
    moved = next(e for e in digest.entries if e.feedback == 1)
    now = datetime.now(UTC)
    with h.store.session() as session:  # the ledger keeps what was sent, as send-due does
        digest_id = ledger.claim(session, record.id, Slot(now, "p"), now)
        assert digest_id is not None
        ledger.record_digest(session, digest_id, record.subscriber_id, digest, new_message_id(""))
    message = _post(h, digest)
    _click(h, message, "rxradar_show_abstract", moved.rank, "why")
    shown = json.dumps(h.answer("why"), ensure_ascii=False)
    assert "Why this preprint:* Matches Nucleic Acids Research at" in shown
    assert "moved up by your feedback: shares" in shown and "structure" in shown


def test_a_vote_on_a_stopped_subscriptions_digest_says_so_and_stores_nothing(h: Harness) -> None:
    record = _subscribe(h)
    message = _post(h, _digest(h, record))
    subscribing.unsubscribe(h.store, record.id, datetime.now(UTC))
    _click(h, message, "rxradar_vote_relevant", 1, "late")
    assert "subscription was stopped" in json.dumps(h.answer("late"))
    with h.store.session() as session:
        from bot.store import feedback as votes_store

        assert votes_store.voted(session, record.id) == []
