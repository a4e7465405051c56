"""Services the Slack app and web pages call: confirm-by-email, unsubscribe, votes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.registry import live, parse_target
from bot.channels.slack import slack_target
from bot.config import Settings
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store.delivery_models import Vote
from bot.subscribing import (
    SubscribeError,
    confirm,
    list_for_target,
    record_vote,
    subscribe,
    subscribe_for_someone,
    unsubscribe_by_token,
    unsubscribe_target,
)
from bot.tokens import TokenError
from tests import factories
from tests.peers.smtp import SmtpPeer, part_text

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
WEEKLY = DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"))


@pytest.fixture
def smtp() -> object:
    with SmtpPeer() as peer:
        yield peer


def _journals(store: Store) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    rad = factories.journal(store, "Radiology")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    factories.scored(store, rad, "10.1101/b", 0.4, date(2026, 10, 22))


def test_an_address_added_from_slack_gets_nothing_until_it_confirms(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journals(store)
    config: Settings = factories.settings(tmp_path, **smtp.env())
    record = subscribe_for_someone(
        store,
        config.links(),
        live(config, store),
        parse_target("email:" + "Ada@Example.org"),
        ["Medical Image Analysis"],
        CREATED,
        requester="<@U1> in #lab",
        owner="slack:T1:U1",
        rules=WEEKLY,
    )

    [confirmation] = smtp.messages
    link = re.search(r"http://rxradar.test/confirm/(\S+)", part_text(confirmation, "plain"))
    unconfirmed_run = factories.send_due(store, config, MONDAY)
    assert not record.confirmed and unconfirmed_run == []
    assert confirmation["To"] == "ada@example.org" and link is not None

    with pytest.raises(TokenError):
        unsubscribe_by_token(store, config.links(), link.group(1), MONDAY)  # wrong purpose
    target = confirm(store, config.links(), link.group(1), MONDAY)
    [sent] = factories.send_due(store, config, MONDAY + timedelta(hours=1))

    assert target == Target("email", "ada@example.org")
    assert sent.status == "sent" and len(smtp.messages) == 2


def test_the_same_journals_again_update_the_subscription_instead_of_doubling_it(
    store: Store,
) -> None:
    _journals(store)
    target = slack_target("T1", "C1")
    subscribe(store, target, ["Medical Image Analysis"], CREATED)
    subscribe(store, target, ["medical image analysis"], CREATED, rules=DigestRules(top=3))
    subscribe(store, target, ["Radiology"], CREATED)

    listed = list_for_target(store, target)

    assert [(r.journals, r.rules.top) for r in listed] == [
        (["Medical Image Analysis"], 3),
        (["Radiology"], 10),
    ]
    assert unsubscribe_target(store, target, CREATED, journal="RADIOLOGY") == [listed[1].id]
    assert unsubscribe_target(store, target, CREATED) == [listed[0].id]
    assert list_for_target(store, target) == []


def test_unknown_names_are_refused_with_suggestions(store: Store) -> None:
    _journals(store)

    with pytest.raises(SubscribeError, match="Did you mean: Radiology"):
        subscribe(store, Target("email", "a@b.org"), ["Radiologie"], CREATED)


def test_a_second_vote_by_the_same_person_replaces_the_first(store: Store) -> None:
    _journals(store)
    record = subscribe(store, slack_target("T1", "C1"), ["Radiology"], CREATED)

    record_vote(store, record.id, "10.1101/b", "U1", 1, MONDAY)
    record_vote(store, record.id, "10.1101/b", "U1", -1, MONDAY)
    record_vote(store, record.id, "10.1101/b", "U2", 1, MONDAY)

    with store.session() as session:
        votes = sorted((v.voter, v.value) for v in session.scalars(select(Vote)))
    assert votes == [("U1", -1), ("U2", 1)]


def test_confirmation_requests_are_sent_at_most_once_a_day(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journals(store)
    config: Settings = factories.settings(tmp_path, **smtp.env())
    for hours in (0, 1, 2, 25):
        subscribe_for_someone(
            store,
            config.links(),
            live(config, store),
            parse_target("email:" + "ada@example.org"),
            ["Radiology"],
            CREATED + timedelta(hours=hours),
            requester="<@U1>",
            owner="slack:T1:U1",
        )

    assert len(smtp.messages) == 2
