"""What a new user trips over in the first hour, through the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.e2e_world import rxradar


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "POSTGRES"])
def test_postgres_urls_from_hosting_docs_open_with_psycopg(scheme: str) -> None:
    settings = load_settings({"RXRADAR_DATABASE_URL": f"{scheme}://u:pw@db.example.org/rx"})
    assert settings.database_url == "postgresql+psycopg://u:pw@db.example.org/rx"


def test_a_postgres_url_without_driver_works_end_to_end(env: dict[str, str]) -> None:
    url = env["RXRADAR_DATABASE_URL"]
    if not url.startswith("postgresql+psycopg://"):
        pytest.skip("needs RXRADAR_TEST_DATABASE_URL")
    short = url.replace("postgresql+psycopg://", "postgres://", 1)
    listed = rxradar(["feeds", "list", "--json"], {**env, "RXRADAR_DATABASE_URL": short})
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"


@pytest.mark.parametrize("url", ["mysql://x", "oracle://scott@db/x", "postgresql+asyncpg://h/d"])
def test_an_unsupported_database_gets_one_line_not_a_traceback(
    env: dict[str, str], url: str
) -> None:
    result = rxradar(["feeds", "list"], {**env, "RXRADAR_DATABASE_URL": url})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "RXRADAR_DATABASE_URL" in line and "does not support" in line
    assert "postgresql+psycopg://" in line


def test_the_unsupported_message_does_not_show_the_password() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"RXRADAR_DATABASE_URL": "mysql://root:hunter2@db/x"})
    assert "hunter2" not in str(raised.value)


READ_ONLY = [
    ["status"],
    ["feeds", "list"],
    ["preprints", "list"],
    ["journals", "list"],
    ["journals", "search", "nature"],
    ["subscriptions", "list"],
    ["top", "Nature"],
    ["match", "--text", "neurons"],
    ["send-due", "--dry-run"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_refuse_a_database_that_does_not_exist(
    env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    typo = tmp_path / "rxradr.db"
    result = rxradar(args, {**env, "RXRADAR_DATABASE_URL": f"sqlite:///{typo}"})
    assert result.returncode == 2, result.stdout
    assert not typo.exists()
    assert f"there is no database at {typo}" in result.stderr
    said = " ".join(result.stderr.split())  # a new user: how to get one
    assert "`rxradar demo` to try rxradar out" in said and "`rxradar train`" in said
    assert "Traceback" not in result.stderr


def test_a_command_that_writes_still_creates_the_database(
    env: dict[str, str], tmp_path: Path
) -> None:
    fresh = tmp_path / "new" / "rxradar.db"
    result = rxradar(["db", "upgrade"], {**env, "RXRADAR_DATABASE_URL": f"sqlite:///{fresh}"})
    assert result.returncode == 0, result.stderr
    assert fresh.exists()
    status = rxradar(["status"], {**env, "RXRADAR_DATABASE_URL": f"sqlite:///{fresh}"})
    assert status.returncode == 0, status.stderr
