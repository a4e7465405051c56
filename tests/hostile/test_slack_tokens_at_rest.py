"""M6: Slack OAuth tokens are sealed at rest with a key derived from the secret key; old
plaintext rows are sealed by migration 0013; a changed key is named with the way out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from bot import jobs
from bot.cli import app
from bot.store import Store
from bot.store.db import alembic_config, make_engine
from bot.store.slack_installations import bot_token, installation_store
from bot.store.token_cipher import SEALED_PREFIX, TokenCipher, TokenKeyError
from tests.slack_support import Harness, harness_factory  # noqa: F401
from tests.test_delivery_workspaces import OAUTH, WORKSPACES, install, posts_by_token, week
from tests.test_delivery_workspaces import subscribe as subscribe_channel

CLIENT = "1111.2222"
KEY = "test-secret-key-not-for-production"  # the harness's RXRADAR_SECRET_KEY
OTHER_KEY = "another-secret-key-of-at-least-32-bytes"
COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def _raw_tokens(engine: Engine) -> list[str]:
    found: list[str] = []
    with engine.connect() as connection:
        for table, columns in COLUMNS.items():
            for row in connection.execute(text(f"SELECT {', '.join(columns)} FROM {table}")):
                found += [str(value) for value in row if value is not None]
    return found


def _in_the_clear(raw: list[str]) -> list[str]:
    """Stored values that are not sealed. (Not a search for "xox": a Fernet token is base64 and
    holds those three letters by chance, about once in 600 runs of the first test.)"""
    return [value for value in raw if not value.startswith(SEALED_PREFIX)]


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    harness = harness_factory(**OAUTH)
    harness.api.oauth_clients[CLIENT] = "client-secret"
    return harness


def test_an_oauth_install_stores_no_token_in_the_clear_and_delivery_uses_the_right_one(
    h: Harness,
) -> None:
    for team, channel in WORKSPACES.items():
        install(h, team)
        subscribe_channel(h, team, channel)

    raw = _raw_tokens(h.store.engine)
    assert len(raw) == 4  # each workspace's bot token, in slack_bots and slack_installations
    assert not _in_the_clear(raw)
    done = jobs.send_due(h.settings, h.store, week(0))
    assert done["sent"] == 2, done
    assert posts_by_token(h) == {
        "C0001": ["xoxb-T0002-installed"],
        "C0002": ["xoxb-T0003-installed"],
    }


def _old_code_rows(engine: Engine) -> None:
    """Rows as the code before 0013 wrote them: tokens in the clear."""
    now = datetime(2026, 11, 30, tzinfo=UTC).replace(tzinfo=None)
    common = {"client": CLIENT, "app": "A0TEST", "team": "T0009", "now": now, "no": False}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, "
                "bot_refresh_token, is_enterprise_install, installed_at) VALUES "
                "(:client, :app, :team, 'xoxb-old-plain', 'xoxe-old-refresh', :no, :now)"
            ),
            common,
        )
        connection.execute(
            text(
                "INSERT INTO slack_installations (client_id, app_id, team_id, user_id, "
                "bot_token, user_token, is_enterprise_install, installed_at) VALUES "
                "(:client, :app, :team, 'U0009', 'xoxb-old-plain', 'xoxp-old-user', :no, :now)"
            ),
            common,
        )


def test_tokens_written_in_the_clear_by_old_code_are_sealed_by_the_migration(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RXRADAR_SECRET_KEY", KEY)
    monkeypatch.setenv("RXRADAR_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(database_url)
    config = alembic_config(engine)
    try:
        command.downgrade(config, "0012_custom_alerts")
        _old_code_rows(engine)
        command.upgrade(config, "head")
        assert not _in_the_clear(_raw_tokens(engine))
        store = Store(engine)
        cipher = TokenCipher.from_secret(KEY)
        assert bot_token(store, CLIENT, cipher, "T0009") == "xoxb-old-plain"
        found = installation_store(store, CLIENT, cipher).find_installation(
            enterprise_id=None, team_id="T0009", user_id="U0009"
        )
        assert found is not None and found.user_token == "xoxp-old-user"
        assert found.bot_refresh_token == "xoxe-old-refresh"

        command.downgrade(config, "0012_custom_alerts")  # opens them again for the old code
        assert sorted(_raw_tokens(engine)) == sorted(
            ["xoxb-old-plain", "xoxe-old-refresh", "xoxb-old-plain", "xoxp-old-user"]
        )
    finally:
        command.upgrade(config, "head")
        engine.dispose()


def test_a_changed_secret_key_names_the_way_out_and_reencrypt_takes_it(
    h: Harness, tmp_path: Path
) -> None:
    install(h, "T0002")
    with pytest.raises(TokenKeyError, match="rxradar db reencrypt --old-key-file"):
        bot_token(h.store, CLIENT, TokenCipher.from_secret(OTHER_KEY), "T0002")

    old_key = tmp_path / "old_key"
    old_key.write_text(KEY + "\n", encoding="utf-8")
    env = {
        "RXRADAR_DATA_DIR": str(tmp_path / "data"),
        "RXRADAR_DATABASE_URL": h.settings.database_url,
        "RXRADAR_SECRET_KEY": OTHER_KEY,
    }
    done = CliRunner().invoke(app, ["db", "reencrypt", "--old-key-file", str(old_key)], env=env)
    assert done.exit_code == 0, done.output
    assert "re-sealed 2 Slack token(s)" in done.stderr

    assert bot_token(h.store, CLIENT, TokenCipher.from_secret(OTHER_KEY), "T0002") == (
        "xoxb-T0002-installed"
    )
    assert not _in_the_clear(_raw_tokens(h.store.engine))
    with pytest.raises(TokenKeyError):  # the old key no longer opens them
        bot_token(h.store, CLIENT, TokenCipher.from_secret(KEY), "T0002")


def test_reencrypt_with_a_key_that_opens_nothing_says_so_and_changes_nothing(
    h: Harness, tmp_path: Path
) -> None:
    install(h, "T0002")
    before = _raw_tokens(h.store.engine)
    wrong = tmp_path / "wrong_key"
    wrong.write_text("yet-another-key-that-sealed-nothing-here", encoding="utf-8")
    env = {
        "RXRADAR_DATA_DIR": str(tmp_path / "data"),
        "RXRADAR_DATABASE_URL": h.settings.database_url,
        "RXRADAR_SECRET_KEY": OTHER_KEY,
    }
    done = CliRunner().invoke(app, ["db", "reencrypt", "--old-key-file", str(wrong)], env=env)
    assert done.exit_code == 2
    assert "opens with neither the key in" in done.stderr
    assert _raw_tokens(h.store.engine) == before


def test_delivery_after_a_key_change_waits_with_the_way_out_and_pauses_nobody(
    h: Harness, tmp_path: Path
) -> None:
    from dataclasses import replace

    from bot.config import Secret
    from bot.store.subscriptions import subscriptions
    from bot.store.trust import failing_channels

    install(h, "T0002")
    subscribe_channel(h, "T0002", "C0001")
    changed = replace(h.settings, secret_key=Secret(OTHER_KEY))

    done = jobs.send_due(changed, h.store, week(0))

    assert done["sent"] == 0, done
    assert h.api.calls_to("chat.postMessage") == []
    with h.store.session() as session:
        assert all(r.paused_reason is None for r in subscriptions(session))
        [failing] = failing_channels(session)
    assert "rxradar db reencrypt --old-key-file" in str(failing)
