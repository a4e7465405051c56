"""Digests to Slack through the real WebClient against a strict local fake of the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.slack import (
    ACTION_SHOW_ABSTRACT,
    ACTION_UNSUBSCRIBE,
    ACTION_VOTE_NOT_RELEVANT,
    ACTION_VOTE_RELEVANT,
    slack_target,
)
from bot.config import Settings
from bot.records.rules import Cadence, DigestRules
from bot.store import Store
from bot.subscribing import describe, subscribe
from tests import factories
from tests.peers.slack_fake import SlackFake

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
CHANNEL = "C0PREPRINTS"


@pytest.fixture
def slack() -> object:
    with SlackFake(token="xoxb-test", min_interval=0.0) as fake:
        fake.add_channel(CHANNEL, "preprints")
        fake.add_user("U0OWNER")
        yield fake


def _settings(tmp_path: Path, slack: SlackFake, token: str = "xoxb-test") -> Settings:
    return factories.settings(
        tmp_path,
        RXRADAR_SLACK_BOT_TOKEN=token,
        RXRADAR_SLACK_API_URL=slack.url,
        RXRADAR_HTTP_TIMEOUT="5",
    )


def _setup(store: Store, n: int = 3, top: int = 10, channel: str = CHANNEL) -> int:
    mia = factories.journal(store, "Medical Image Analysis")
    for i in range(n):
        factories.scored(
            store,
            mia,
            f"10.1101/2026.10.2{i % 5}.{i}",
            0.5 - i * 0.01,
            date(2026, 10, 21 + i % 5),
            title=f"Preprint {i} on <MRI> & CT",
        )
    record = subscribe(
        store,
        slack_target("T0TEST", channel),
        ["Medical Image Analysis"],
        CREATED,
        rules=DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"), top=top),
        owner="slack:T0TEST:U0OWNER",
    )
    return record.id


def test_a_digest_is_posted_with_blocks_fallback_text_and_metadata(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    sub_id = _setup(store)
    config = _settings(tmp_path, slack)

    [result] = factories.send_due(store, config, MONDAY)

    [message] = slack.messages(CHANNEL)
    assert result.status == "sent" and result.message_id == message["ts"]
    assert message["text"].startswith("New preprints for Medical Image Analysis: 3 preprints")
    assert message["metadata"]["event_type"] == "rxradar_digest"
    assert message["metadata"]["event_payload"]["subscription"] == str(sub_id)
    blocks = message["blocks"]
    entry = next(b for b in blocks if b.get("block_id") == "entry-1")["text"]["text"]
    assert "Preprint 0 on &lt;MRI&gt; &amp; CT" in entry and "*50.0%*" in entry
    actions = {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    assert actions == {
        ACTION_SHOW_ABSTRACT,
        ACTION_VOTE_RELEVANT,
        ACTION_VOTE_NOT_RELEVANT,
        ACTION_UNSUBSCRIBE,
    }
    first_vote = next(b for b in blocks if b.get("block_id") == "actions-1")["elements"][1]
    assert json.loads(first_vote["value"]) == {
        "subscription": sub_id,
        "preprint": "10.1101/2026.10.20.0",
        "profile": 1,
    }


def test_a_long_digest_is_split_into_a_thread_within_block_kit_limits(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    _setup(store, n=40, top=40)
    config = _settings(tmp_path, slack)

    [result] = factories.send_due(store, config, MONDAY)

    first, *rest = slack.messages(CHANNEL)
    assert result.status == "sent" and result.items == 40
    assert len(rest) >= 2
    assert all(m["thread_ts"] == first["ts"] for m in rest)
    assert all(len(m["blocks"]) <= 50 and m["text"] for m in [first, *rest])
    assert all(c.response["ok"] for c in slack.calls_to("chat.postMessage"))


def test_channel_not_found_pauses_the_subscription_and_tells_the_owner(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    sub_id = _setup(store, channel="C0GONE")
    config = _settings(tmp_path, slack)

    [result] = factories.send_due(store, config, MONDAY)
    later = factories.send_due(store, config, MONDAY + timedelta(days=7))

    assert result.status == "failed" and "channel_not_found" in (result.error or "")
    assert later == []
    [row] = describe(store, MONDAY)
    assert row["id"] == sub_id and row["paused"] and "channel_not_found" in row["paused_reason"]
    [notice] = slack.messages("U0OWNER")
    assert "paused" in notice["text"] and "channel_not_found" in notice["text"]


def test_a_5xx_storm_is_retried_once_successfully_on_a_later_run(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    _setup(store)
    config = _settings(tmp_path, slack)
    slack.fail("chat.postMessage", status=500, times=2)  # the SDK retries once itself

    [failed] = factories.send_due(store, config, MONDAY)
    [retried] = factories.send_due(store, config, MONDAY + timedelta(minutes=6))
    nothing = factories.send_due(store, config, MONDAY + timedelta(hours=3))

    assert failed.status == "pending" and failed.retry_at == MONDAY + timedelta(minutes=5)
    assert retried.status == "sent" and nothing == []
    assert len(slack.messages(CHANNEL)) == 1


def test_a_rate_limited_post_waits_for_retry_after_and_succeeds(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    _setup(store)
    config = _settings(tmp_path, slack)
    slack.fail("chat.postMessage", error="ratelimited", status=429, headers={"Retry-After": "1"})

    [result] = factories.send_due(store, config, MONDAY)

    assert result.status == "sent"
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


def test_the_fake_enforces_one_message_per_second_per_channel(slack: SlackFake) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    slack.min_interval = 1.0
    client = WebClient(token="xoxb-test", base_url=slack.url)
    client.chat_postMessage(channel=CHANNEL, text="one")

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="two")

    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"


def test_a_revoked_single_workspace_token_fails_the_channel_and_pauses_nobody(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    from bot.store import trust
    from bot.store.subscriptions import subscriptions

    _setup(store)
    config = _settings(tmp_path, slack, token="xoxb-revoked")

    [result] = factories.send_due(store, config, MONDAY)

    assert result.status == "pending" and result.channel_failing
    assert "invalid_auth" in (result.error or "")
    with store.session() as session:
        assert [c.kind for c in trust.failing_channels(session)] == ["slack"]
        assert all(r.paused_reason is None for r in subscriptions(session))
    fixed = _settings(tmp_path, slack)
    [sent] = factories.send_due(store, fixed, MONDAY + timedelta(minutes=1))
    assert sent.status == "sent"
    with store.session() as session:
        assert trust.failing_channels(session) == []


def test_each_workspace_posts_with_its_own_installed_token(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    from bot.channels.registry import Registry
    from bot.channels.slack import SlackChannel

    _setup(store)
    slack.token = "xoxb-installed-for-T0TEST"
    config = _settings(tmp_path, slack, token="xoxb-other-workspace")
    tokens = {"T0TEST": "xoxb-installed-for-T0TEST"}
    registry = Registry(
        {"slack": lambda: SlackChannel(config.slack, token_for=lambda team: tokens.get(team or ""))}
    )

    [result] = factories.send_due(store, config, MONDAY, registry)

    assert result.status == "sent"
    assert slack.calls_to("chat.postMessage")[0].token == "xoxb-installed-for-T0TEST"


def test_a_half_posted_thread_is_completed_on_retry_not_repeated(
    store: Store, slack: SlackFake, tmp_path: Path
) -> None:
    _setup(store, n=40, top=40)  # three messages: the first and two in its thread
    config = _settings(tmp_path, slack)
    slack.fail("chat.postMessage", status=500, times=2, after=2)  # the third part fails

    [failed] = factories.send_due(store, config, MONDAY)
    [retried] = factories.send_due(store, config, MONDAY + timedelta(minutes=6))

    first, *rest = slack.messages(CHANNEL)
    parts = [m["metadata"]["event_payload"]["part"] for m in [first, *rest]]
    assert failed.status == "pending" and retried.status == "sent"
    assert parts == ["1", "2", "3"]  # nothing posted twice
    assert all(m["thread_ts"] == first["ts"] for m in rest)
