from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, ensure_secret_key, load_settings


def test_defaults_put_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'rxradar.db'}"
    assert settings.sources.feeds == ("biorxiv:all", "medrxiv:all")
    assert settings.http.max_bytes == 20 * 1024 * 1024
    assert settings.sources.poll_interval == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RXRADAR_POLL_INTERVAL", "soon"),
        ("RXRADAR_HOST_DELAY", "-1"),
        ("RXRADAR_MAX_FEED_BYTES", "lots"),
        ("RXRADAR_SMTP_SECURITY", "tls13"),
        ("RXRADAR_CONTACT_EMAIL", "not-an-address"),
        ("RXRADAR_PUBLIC_URL", "example.org"),
        ("RXRADAR_DATABASE_URL", "rxradar.db"),
        ("RXRADAR_WEB_SIGNUPS_PER_ADDRESS", "3"),
        ("RXRADAR_WEB_MATCHES_PER_CLIENT", "0/1h"),
        ("RXRADAR_WEB_MAX_BODY", "big"),
    ],
)
def test_it_names_the_bad_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_durations_accept_seconds_and_units() -> None:
    settings = load_settings({"RXRADAR_POLL_INTERVAL": "90", "RXRADAR_SCHEDULER_TICK": "2m"})
    assert settings.sources.poll_interval == timedelta(seconds=90)
    assert settings.delivery.tick == timedelta(minutes=2)


def test_web_limits_read_as_count_per_duration() -> None:
    from bot.config import Rate

    web = load_settings({"RXRADAR_WEB_SIGNUPS_PER_CLIENT": "4/30m"}).web
    assert web.signups_per_client == Rate(4, timedelta(minutes=30))
    assert web.signups_per_address == Rate(3, timedelta(days=1))  # the default
    assert web.max_body == 64 * 1024


def test_secrets_never_show_in_reprs(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("hunter2\n")
    settings = load_settings(
        {
            "RXRADAR_SLACK_BOT_TOKEN": "xoxb-very-secret",
            "RXRADAR_SMTP_PASSWORD_FILE": str(secret_file),
        }
    )
    assert settings.smtp.password is not None and settings.smtp.password.get() == "hunter2"
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get() == "xoxb-very-secret"
    text = repr(settings) + str(settings.slack.bot_token)
    assert "hunter2" not in text and "xoxb-very-secret" not in text


def test_dotenv_is_read_but_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("RXRADAR_HOST_DELAY=3\nRXRADAR_CONTACT_EMAIL=lab@example.org\n")
    monkeypatch.setenv("RXRADAR_HOST_DELAY", "5")
    settings = load_settings(dotenv_path=dotenv)
    assert settings.http.host_delay == 5.0
    assert settings.contact_email == "lab@example.org"
    assert "mailto:lab@example.org" in settings.http.user_agent


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path)})
    first = ensure_secret_key(settings)
    second = ensure_secret_key(settings)
    assert first.get() == second.get() and len(first.get()) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_an_empty_feed_list_means_no_default_feeds() -> None:
    assert load_settings({"RXRADAR_FEEDS": ""}).sources.feeds == ()
    assert load_settings({}).sources.feeds == ("biorxiv:all", "medrxiv:all")
