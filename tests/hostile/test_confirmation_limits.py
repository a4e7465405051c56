"""Confirmation emails asked for from Slack are limited per requester and per workspace,
counted in the database (so a restart or a second process does not reset them), and the
requester is told when they can ask again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.registry import live
from bot.config import Rate, Settings, SlackSettings
from bot.records.target import Target
from bot.store import Store
from bot.subscribing import AskLimit, TooManyAsks, subscribe_for_someone
from tests import factories
from tests.peers.smtp import SmtpPeer
from tests.slack_support import Harness, sqlite_harness_factory  # noqa: F401

NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)
HOURLY = Rate(3, timedelta(hours=1))


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def test_26_requests_from_one_slack_user_send_at_most_the_limits_mails(
    sqlite_harness_factory: Callable[..., Harness],  # noqa: F811
    smtp: SmtpPeer,
) -> None:
    h = sqlite_harness_factory(**smtp.env())
    limit = SlackSettings.emails_per_requester.count
    for n in range(1, 27):
        h.command(f"email victim{n}@example.org eLife")
        h.answer(count=n)

    assert len(smtp.messages) == limit
    refusal = _text(h.answer(count=limit + 1))
    assert f"You have asked for {limit} confirmation emails within 1 hour" in refusal
    assert "Nothing was sent this time. You can ask again at " in refusal
    assert "UTC (in 1 hour)" in refusal or "UTC (in 59 minutes)" in refusal
    assert "I emailed victim" in _text(h.answer(count=limit))


def ask(
    store: Store, config: Settings, address: str, user: str, team: str = "T1",
    when: datetime = NOW,
) -> None:  # fmt: skip
    owner = f"slack:{team}:{user}"
    limits = [
        AskLimit(HOURLY, owner=owner),
        AskLimit(Rate(5, HOURLY.per), owner_prefix=f"slack:{team}:"),
    ]
    subscribe_for_someone(
        store, config.links(), live(config, store), Target("email", address), ["Radiology"],
        when, requester=f"Slack user {user}", owner=owner, limits=limits,
        lock_scope=f"slack:{team}:",
    )  # fmt: skip


def test_the_limit_is_counted_in_the_database_so_a_restart_keeps_it(
    store: Store, database_url: str, smtp: SmtpPeer, tmp_path: Path
) -> None:
    config = factories.settings(tmp_path, **smtp.env())
    factories.journal(store, "Radiology")
    for n in range(3):
        ask(store, config, f"a{n}@example.org", "U1", when=NOW + timedelta(minutes=n))

    restarted = Store.open(database_url, migrate=False)  # another process, fresh memory
    try:
        with pytest.raises(TooManyAsks) as refused:
            ask(restarted, config, "a3@example.org", "U1", when=NOW + timedelta(minutes=10))
    finally:
        restarted.close()
    assert refused.value.again_at == NOW + timedelta(hours=1)  # the oldest ages out
    assert len(smtp.messages) == 3
    ask(store, config, "a3@example.org", "U1", when=NOW + timedelta(hours=1))
    assert len(smtp.messages) == 4


def test_a_workspace_cannot_spread_its_requests_over_many_users(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    config = factories.settings(tmp_path, **smtp.env())
    factories.journal(store, "Radiology")
    for n in range(5):
        ask(store, config, f"w{n}@example.org", f"U{n}")
    with pytest.raises(TooManyAsks) as refused:
        ask(store, config, "w5@example.org", "U9")
    assert refused.value.limit.owner_prefix == "slack:T1:"
    ask(store, config, "w5@example.org", "U9", team="T2")  # another workspace is not held
    assert len(smtp.messages) == 6
