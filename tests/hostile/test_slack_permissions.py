"""Who may do what in Slack: `unsubscribe all` stops only what the caller set up, unless
the caller is a workspace admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import subscribing
from bot.channels.slack import slack_target
from tests.slack_support import Harness, sqlite_harness_factory  # noqa: F401


@pytest.fixture
def h(sqlite_harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    return sqlite_harness_factory()


def text(answer: dict[str, Any]) -> str:
    return str(answer)


def active(h: Harness) -> list[str]:
    records = subscribing.list_for_target(h.store, slack_target("T0001", "C0001"))
    return sorted(r.owner for r in records)


def test_unsubscribe_all_by_another_member_stops_only_their_own(h: Harness) -> None:
    h.command("subscribe eLife", user_id="UOWNER")
    h.answer(count=1)
    h.command("subscribe Nature Methods", user_id="UOTHER")
    h.answer(count=2)

    h.command("unsubscribe all", user_id="UOTHER")

    assert "only they or a workspace admin" in text(h.answer(count=3))
    assert active(h) == ["slack:T0001:UOWNER"]


def test_a_workspace_admin_may_stop_all(h: Harness) -> None:
    h.api.admins.add("UADMIN")
    h.command("subscribe eLife", user_id="UOWNER")
    h.answer(count=1)

    h.command("unsubscribe all", user_id="UADMIN")

    assert "Stopped" in text(h.answer(count=2))
    assert active(h) == []
