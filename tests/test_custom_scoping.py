"""Custom profiles belong to the Slack workspace that made them (CLI-made ones are global)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from bot.records.paper import Paper
from bot.records.target import Target
from bot.store import Store
from bot.store.profiles import Suggestions, find_profile, import_papers, search_profiles
from bot.subscribing import SubscribeError, subscribe
from tests.slack_support import (  # noqa: F401
    Harness,
    harness_factory,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)


def _papers(word: str) -> list[Paper]:
    return [
        Paper(title=f"{word} paper {i}", abstract=f"About {word} number {i}.",
              posted_date=date(2025, 1, i + 1))
        for i in range(3)
    ]  # fmt: skip


def _make(store: Store, name: str, team: str | None, word: str = "zebrafish") -> None:
    import_papers(store, _papers(word), source="custom", custom_profile=name, team=team,
                  created_by="U1" if team else "cli")  # fmt: skip


def test_a_workspaces_profile_is_invisible_to_another_workspace(store: Store) -> None:
    _make(store, "Smith lab", "T0001")
    own = find_profile(store, "Smith lab", "T0001")
    assert not isinstance(own, Suggestions)
    assert (own.team, own.created_by, own.n_papers) == ("T0001", "U1", 3)
    other = find_profile(store, "Smith lab", "T0002")
    assert isinstance(other, Suggestions)
    assert "Smith lab" not in other.names
    assert isinstance(find_profile(store, "Smith lab", None), Suggestions)  # the public web
    with store.session() as session:
        assert [p.name for p in search_profiles(session, "smith", team="T0001")] == ["Smith lab"]
        assert search_profiles(session, "smith", team="T0002") == []
        assert search_profiles(session, "smith lab", team="T0002") == []


def test_another_workspace_cannot_follow_it_and_may_have_its_own_of_the_same_name(
    store: Store,
) -> None:
    _make(store, "Smith lab", "T0001")
    target = Target("slack", "T0002:C0009")
    with pytest.raises(SubscribeError, match="no journal or profile called 'Smith lab'"):
        subscribe(store, target, [], NOW, profiles=["Smith lab"], team="T0002")
    _make(store, "Smith lab", "T0002", word="axolotl")
    mine = find_profile(store, "Smith lab", "T0002")
    theirs = find_profile(store, "Smith lab", "T0001")
    assert not isinstance(mine, Suggestions) and not isinstance(theirs, Suggestions)
    assert mine.id != theirs.id
    record = subscribe(store, target, [], NOW, profiles=["Smith lab"], team="T0002")
    assert [p.id for p in record.profiles] == [mine.id]


def test_a_cli_made_profile_stays_global(store: Store) -> None:
    _make(store, "Shared set", None)
    for team in ("T0001", "T0002", None):
        found = find_profile(store, "Shared set", team)
        assert not isinstance(found, Suggestions) and found.team is None


def test_slack_in_another_workspace_neither_finds_nor_subscribes_to_it(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    _make(h.store, "Smith lab", "T0001")
    h.command('subscribe "Smith lab"', team_id="T0002")
    assert "I don't know" in h.answer()["text"]
    h.command('subscribe "Smith lab"', team_id="T0001")
    assert "Subscribed <#C0001> to *Smith lab*" in h.answer(count=2)["text"]
