"""OAuth (multi-workspace) delivery end to end: two workspaces installed through the Slack
fake's oauth.v2.access, a channel subscribed in each by slash command, the scheduler's
send job; each post carries its own workspace's token; uninstalling one (a signed
`app_uninstalled` event) pauses its subscriptions only, and reinstalling resumes them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot import jobs
from bot.store.subscriptions import subscriptions
from bot.store.workspaces import WORKSPACE_PAUSED
from tests.peers.web import slash_body
from tests.slack_support import Harness, harness_factory, wait_for  # noqa: F401

OAUTH = {
    "RXRADAR_SLACK_BOT_TOKEN": "",
    "RXRADAR_SLACK_CLIENT_ID": "1111.2222",
    "RXRADAR_SLACK_CLIENT_SECRET": "client-secret",
    "RXRADAR_EMPTY_DIGEST_MESSAGE": "true",  # every period posts, whatever the window holds
}
WORKSPACES = {"T0002": "C0001", "T0003": "C0002"}


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    harness = harness_factory(**OAUTH)
    harness.api.oauth_clients["1111.2222"] = "client-secret"
    return harness


def install(h: Harness, team: str) -> None:
    h.api.oauth_codes[f"code-{team}"] = team
    page = httpx.get(h.server.url("/slack/install"))
    state = re.search(r"slack-app-oauth-state=([^;]+)", page.headers["set-cookie"])
    assert state is not None
    done = httpx.get(
        h.server.url(f"/slack/oauth_redirect?code=code-{team}&state={state.group(1)}"),
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    )
    assert done.status_code == 200, done.text


def subscribe(h: Harness, team: str, channel: str) -> None:
    body = slash_body(
        "subscribe Nucleic Acids Research", h.api.response_url(team), team_id=team,
        channel_id=channel,
    )  # fmt: skip
    assert h.post(body).status_code == 200
    assert "Subscribed" in str(wait_for(lambda: h.api.responses(team)))


def uninstall(h: Harness, team: str) -> None:
    event = {
        "token": "legacy", "team_id": team, "api_app_id": "A0TEST", "type": "event_callback",
        "event": {"type": "app_uninstalled"}, "event_id": f"Ev{team}",
        "event_time": int(time.time()),
    }  # fmt: skip
    assert h.post(json.dumps(event)).status_code == 200


def posts_by_token(h: Harness) -> dict[str, list[str]]:
    """channel -> the tokens of the accepted chat.postMessage calls to it."""
    found: dict[str, list[str]] = {}
    for call in h.api.calls_to("chat.postMessage"):
        if call.response.get("ok"):
            found.setdefault(str(call.params["channel"]), []).append(call.token or "")
    return found


def week(n: int) -> datetime:
    """Mondays 08:05 UTC, after the subscriptions' first slot."""
    today = datetime.now(UTC).replace(hour=8, minute=5, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    return monday + timedelta(weeks=n)


def test_each_workspace_gets_its_digest_with_its_own_token_and_uninstalling_pauses_it(
    h: Harness,
) -> None:
    for team, channel in WORKSPACES.items():
        install(h, team)
        subscribe(h, team, channel)
    with h.store.session() as session:
        assert sorted(r.target.address for r in subscriptions(session)) == [
            "T0002:C0001", "T0003:C0002",
        ]  # fmt: skip

    first = jobs.send_due(h.settings, h.store, week(0))
    assert first["sent"] == 2, first
    assert posts_by_token(h) == {
        "C0001": ["xoxb-T0002-installed"],
        "C0002": ["xoxb-T0003-installed"],
    }

    uninstall(h, "T0002")
    with h.store.session() as session:
        paused = {r.target.address: r.paused_reason for r in subscriptions(session)}
    assert (paused["T0002:C0001"] or "").startswith(WORKSPACE_PAUSED)
    assert paused["T0003:C0002"] is None
    second = jobs.send_due(h.settings, h.store, week(1))
    assert second["sent"] == 1, second
    assert posts_by_token(h)["C0001"] == ["xoxb-T0002-installed"]  # nothing new there
    assert posts_by_token(h)["C0002"] == ["xoxb-T0003-installed"] * 2

    install(h, "T0002")  # reinstalling resumes what the uninstall paused
    with h.store.session() as session:
        assert all(r.paused_reason is None for r in subscriptions(session))
    third = jobs.send_due(h.settings, h.store, week(2))
    assert third["sent"] == 2, third
    assert posts_by_token(h)["C0001"] == ["xoxb-T0002-installed"] * 2


def test_a_revoked_workspace_token_pauses_that_workspace_only(h: Harness) -> None:
    for team, channel in WORKSPACES.items():
        install(h, team)
        subscribe(h, team, channel)
    h.api.tokens.discard("xoxb-T0003-installed")  # revoked on Slack's side, no event yet

    done = jobs.send_due(h.settings, h.store, week(0))

    assert done["sent"] == 1 and done["failed"] == 1, done
    with h.store.session() as session:
        paused = {r.target.address: r.paused_reason for r in subscriptions(session)}
    assert paused["T0002:C0001"] is None
    assert (paused["T0003:C0002"] or "").startswith(WORKSPACE_PAUSED)
    assert "invalid_auth" in (paused["T0003:C0002"] or "")
