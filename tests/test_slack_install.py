"""Installation: the OAuth round trip against the fake's oauth.v2.access, Socket Mode, and
what each mode needs from the environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.config import ConfigError, load_settings
from bot.slack_app.app import create_app, installation_mode
from bot.slack_app.socket import socket_mode_handler
from bot.store.token_cipher import SEALED_PREFIX, TokenCipher
from tests.slack_support import Harness, harness_factory, wait_for  # noqa: F401

OAUTH = {
    "RXRADAR_SLACK_BOT_TOKEN": "",
    "RXRADAR_SLACK_CLIENT_ID": "1111.2222",
    "RXRADAR_SLACK_CLIENT_SECRET": "client-secret",
}


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    harness = harness_factory(**OAUTH)
    harness.api.oauth_clients["1111.2222"] = "client-secret"
    harness.api.oauth_codes["code-1"] = "T0002"
    return harness


def _install(h: Harness) -> tuple[str, httpx.Response]:
    page = httpx.get(h.server.url("/slack/install"))
    assert page.status_code == 200
    state = re.search(r"slack-app-oauth-state=([^;]+)", page.headers["set-cookie"])
    assert state is not None
    assert f"state={state.group(1)}" in page.text
    assert "client_id=1111.2222" in page.text and "chat:write" in page.text
    assert "redirect_uri=http://rxradar.test/slack/oauth_redirect" in page.text
    done = httpx.get(
        h.server.url(f"/slack/oauth_redirect?code=code-1&state={state.group(1)}"),
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    )
    return state.group(1), done


def _installed_teams(h: Harness) -> list[tuple[str, str]]:
    with h.store.engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, bot_token FROM slack_installations"))
        return [(r[0], r[1]) for r in rows]


def test_oauth_install_stores_the_workspace_and_its_token_serves_commands(h: Harness) -> None:
    _, done = _install(h)
    assert done.status_code == 200
    [(team, stored)] = _installed_teams(h)
    assert team == "T0002" and stored.startswith(SEALED_PREFIX)  # sealed at rest (M6)
    cipher = TokenCipher.from_secret(h.settings.secret_key.get() if h.settings.secret_key else "")
    assert cipher.open(stored) == "xoxb-T0002-installed"
    [access] = h.api.calls_to("oauth.v2.access")
    assert access.params["code"] == "code-1"

    h.command("subscribe eLife", team_id="T0002")
    assert "Subscribed <#C0001> to *eLife*" in str(h.answer())
    [info] = h.api.calls_to("users.info")
    assert info.token == "xoxb-T0002-installed"  # the installed workspace's own token


def test_a_state_that_was_not_issued_installs_nothing(h: Harness) -> None:
    done = httpx.get(
        h.server.url("/slack/oauth_redirect?code=code-1&state=forged"),
        headers={"Cookie": "slack-app-oauth-state=forged"},
    )
    assert done.status_code in (400, 401)
    assert _installed_teams(h) == []
    assert h.api.calls_to("oauth.v2.access") == []


def test_a_state_is_good_for_one_install_only(h: Harness) -> None:
    state, done = _install(h)
    assert done.status_code == 200
    h.api.oauth_codes["code-1"] = "T0003"
    again = httpx.get(
        h.server.url(f"/slack/oauth_redirect?code=code-1&state={state}"),
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    assert again.status_code in (400, 401)
    assert [team for team, _ in _installed_teams(h)] == ["T0002"]


def test_a_workspace_that_never_installed_gets_no_answer(h: Harness) -> None:
    response = h.command("list", team_id="T0999")
    assert response.status_code == 200
    answer = str(h.answer())  # Bolt answers through the response_url
    assert "rxradar is not installed in this workspace" in answer
    assert "http://rxradar.test/slack/install" in answer
    assert h.api.calls_to("users.info") == []


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"RXRADAR_DATA_DIR": str(tmp_path), **values}


@pytest.mark.parametrize(
    ("values", "mode"),
    [
        ({"RXRADAR_SLACK_SIGNING_SECRET": "s", "RXRADAR_SLACK_BOT_TOKEN": "xoxb-1"}, "single"),
        (
            {"RXRADAR_SLACK_SIGNING_SECRET": "s", "RXRADAR_SLACK_CLIENT_ID": "1",
             "RXRADAR_SLACK_CLIENT_SECRET": "2"},
            "oauth",
        ),
        ({"RXRADAR_SLACK_APP_TOKEN": "xapp-1", "RXRADAR_SLACK_BOT_TOKEN": "xoxb-1"}, "socket"),
    ],
)  # fmt: skip
def test_the_installation_mode_follows_the_settings(
    tmp_path: Path, values: dict[str, str], mode: str
) -> None:
    assert installation_mode(load_settings(_env(tmp_path, **values))) == mode


@pytest.mark.parametrize(
    ("values", "hint"),
    [
        ({"RXRADAR_SLACK_BOT_TOKEN": "xoxb-1"}, "RXRADAR_SLACK_SIGNING_SECRET is not set"),
        ({"RXRADAR_SLACK_SIGNING_SECRET": "s"}, "RXRADAR_SLACK_BOT_TOKEN is not set"),
        (
            {"RXRADAR_SLACK_SIGNING_SECRET": "s", "RXRADAR_SLACK_CLIENT_ID": "1"},
            "both RXRADAR_SLACK_CLIENT_ID and RXRADAR_SLACK_CLIENT_SECRET",
        ),
        ({"RXRADAR_SLACK_APP_TOKEN": "xapp-1"}, "also needs RXRADAR_SLACK_BOT_TOKEN"),
    ],
)
def test_a_half_configured_app_says_what_is_missing(
    tmp_path: Path, values: dict[str, str], hint: str
) -> None:
    with pytest.raises(ConfigError, match=hint):
        installation_mode(load_settings(_env(tmp_path, **values)))


def test_socket_mode_uses_the_app_token_and_the_configured_api(h: Harness) -> None:
    settings = load_settings(
        {
            "RXRADAR_DATA_DIR": str(h.settings.data_dir),
            "RXRADAR_SLACK_APP_TOKEN": "xapp-1-test",
            "RXRADAR_SLACK_BOT_TOKEN": "xoxb-test-bot-token",
            "RXRADAR_SLACK_API_URL": h.api.url,
        }
    )
    h.api.tokens.add("xoxb-test-bot-token")
    app = create_app(settings, h.store)
    handler = socket_mode_handler(app, settings)
    assert handler.app_token == "xapp-1-test"
    assert handler.client.web_client.base_url == h.api.url


def test_the_manifest_asks_for_the_scopes_and_urls_the_app_uses() -> None:
    from bot.slack_app.app import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH

    manifest = (Path(__file__).parents[1] / "slack" / "manifest.yml").read_text()
    scopes = re.findall(r"^      - ([a-z:.]+)$", manifest, re.MULTILINE)
    assert tuple(scopes) == BOT_SCOPES
    assert "command: /preprints" in manifest
    assert manifest.count("https://rxradar.example.org/slack/events") == 2
    assert f"https://rxradar.example.org{REDIRECT_PATH}" in manifest
    assert INSTALL_PATH == "/slack/install"


def test_an_unreachable_or_rejecting_slack_is_reported_as_a_setting_problem(h: Harness) -> None:
    base = {
        "RXRADAR_DATA_DIR": str(h.settings.data_dir),
        "RXRADAR_SLACK_SIGNING_SECRET": "s",
        "RXRADAR_SLACK_BOT_TOKEN": "xoxb-revoked",
    }
    closed = load_settings({**base, "RXRADAR_SLACK_API_URL": "http://127.0.0.1:9/api/"})
    with pytest.raises(ConfigError, match=re.escape("cannot reach Slack at http://127.0.0.1:9/")):
        create_app(closed, h.store)
    rejected = load_settings({**base, "RXRADAR_SLACK_API_URL": h.api.url})
    with pytest.raises(ConfigError, match="Slack rejected RXRADAR_SLACK_BOT_TOKEN"):
        create_app(rejected, h.store)
