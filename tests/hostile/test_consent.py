"""Consent: once an address confirmed one digest, another Slack user can neither add digests
to it nor replace the owner's subscription without a new confirmation from the address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.registry import live
from bot.config import Settings
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.subscribing import confirm, list_for_target, start_sign_up, subscribe_for_someone
from tests import factories
from tests.peers.smtp import SmtpPeer, part_text

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
WEEKLY = DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"))
DAILY = DigestRules(cadence=Cadence("daily", "mon", "08:00", "Europe/London"))
VICTIM = Target("email", "ada@example.org")


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


def owner_confirmed(store: Store, config: Settings, smtp: SmtpPeer) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    rad = factories.journal(store, "Radiology")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    factories.scored(store, rad, "10.1101/b", 0.4, date(2026, 10, 22))
    ask(store, config, ["Medical Image Analysis"], "slack:T1:UOWNER", WEEKLY, CREATED)
    link = re.search(r"/confirm/(\S+)", part_text(smtp.messages[-1], "plain"))
    assert link is not None
    confirm(store, config.links(), link.group(1), CREATED)


def ask(
    store: Store, config: Settings, journals: list[str], owner: str, rules: DigestRules,
    when: datetime,
) -> None:  # fmt: skip
    subscribe_for_someone(
        store, config.links(), live(config, store), VICTIM, journals, when,
        requester="a Slack user", owner=owner, rules=rules,
    )  # fmt: skip


def test_another_user_cannot_add_a_digest_to_a_confirmed_address(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    config: Settings = factories.settings(tmp_path, **smtp.env())
    owner_confirmed(store, config, smtp)

    ask(store, config, ["Radiology"], "slack:T1:UATTACKER", DAILY, CREATED + timedelta(days=2))

    sendable = [r.journals for r in list_for_target(store, VICTIM) if r.sendable]
    assert sendable == [["Medical Image Analysis"]]
    sent = factories.send_due(store, config, MONDAY)
    assert len(sent) == 1
    mail = part_text(smtp.messages[-2], "plain")  # the new request asked for its own consent
    assert "/subscriptions/confirm/" in mail


def test_another_user_cannot_replace_the_owners_subscription(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    config: Settings = factories.settings(tmp_path, **smtp.env())
    owner_confirmed(store, config, smtp)

    later = CREATED + timedelta(days=2)
    ask(store, config, ["Medical Image Analysis"], "slack:T1:UATTACKER", DAILY, later)

    records = list_for_target(store, VICTIM)
    owners = {r.owner: (r.sendable, r.rules.cadence.kind) for r in records}
    assert owners["slack:T1:UOWNER"] == (True, "weekly")
    assert owners["slack:T1:UATTACKER"] == (False, "daily")
    pending = next(r for r in records if r.owner == "slack:T1:UATTACKER")
    start_sign_up(store, pending, later)  # the address itself agrees: now it may start
    assert {r.owner for r in list_for_target(store, VICTIM) if r.sendable} == {
        "slack:T1:UOWNER",
        "slack:T1:UATTACKER",
    }


def test_the_confirmation_mail_names_the_requester_by_slack_ids_not_display_name() -> None:
    from bot.slack_app.answers import Caller
    from bot.slack_app.channel_subscriptions import requester_reference

    caller = Caller(team_id="T0001", channel_id="C1", user_id="U0001")
    assert requester_reference(caller) == "Slack user U0001 of workspace T0001"
