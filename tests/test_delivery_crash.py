"""A crash between "sent" and "recorded": what the next run does on each channel.

The crash is simulated by a channel that really sends and then lets the process die
(KeyboardInterrupt), before the outcome can be recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.base import Channel, Message, Receipt
from bot.channels.email import EmailChannel
from bot.channels.registry import Registry
from bot.channels.slack import SlackChannel, slack_target
from bot.config import Settings
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.subscribing import subscribe
from tests import factories
from tests.peers.slack_fake import SlackFake
from tests.peers.smtp import SmtpPeer

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
# the dead run's heartbeat goes stale after 3 ticks (3 min), long before its 15-min lease ends
WHILE_FRESH = MONDAY + timedelta(minutes=1)
AFTER_LEASE = MONDAY + timedelta(minutes=4)


class DiesAfterSending:
    def __init__(self, channel: Channel) -> None:
        self.inner = channel
        self.kind = channel.kind

    def send(self, message: Message) -> Receipt:
        self.inner.send(message)
        raise KeyboardInterrupt("the process died before recording the outcome")

    def close(self) -> None:
        self.inner.close()


def _setup(store: Store, target: Target) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    subscribe(
        store,
        target,
        ["Medical Image Analysis"],
        CREATED,
        rules=DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London")),
    )


def test_slack_recognises_its_own_message_and_does_not_post_twice(
    store: Store, tmp_path: Path
) -> None:
    with SlackFake(token="xoxb-test", min_interval=0) as slack:
        slack.add_channel("C1")
        _setup(store, slack_target("T1", "C1"))
        config: Settings = factories.settings(
            tmp_path, RXRADAR_SLACK_BOT_TOKEN="xoxb-test", RXRADAR_SLACK_API_URL=slack.url
        )
        dying = Registry({"slack": lambda: DiesAfterSending(SlackChannel(config.slack))})

        with pytest.raises(KeyboardInterrupt):
            factories.send_due(store, config, MONDAY, dying)
        during_lease = factories.send_due(store, config, WHILE_FRESH)
        [recovered] = factories.send_due(store, config, AFTER_LEASE)

        assert during_lease == []
        assert recovered.status == "sent"
        assert len(slack.messages("C1")) == 1
        assert recovered.message_id == slack.messages("C1")[0]["ts"]


def test_email_is_sent_again_with_the_same_message_id(store: Store, tmp_path: Path) -> None:
    with SmtpPeer() as smtp:
        _setup(store, Target("email", "ada@example.org"))
        config: Settings = factories.settings(tmp_path, **smtp.env())
        dying = Registry({"email": lambda: DiesAfterSending(EmailChannel(config.smtp))})

        with pytest.raises(KeyboardInterrupt):
            factories.send_due(store, config, MONDAY, dying)
        [recovered] = factories.send_due(store, config, AFTER_LEASE)
        later = factories.send_due(store, config, AFTER_LEASE + timedelta(hours=1))

        assert recovered.status == "sent" and later == []
        # the one duplicate SMTP allows; receivers can drop it by its identical Message-ID
        assert [m["Message-ID"] for m in smtp.messages] == [recovered.message_id] * 2
