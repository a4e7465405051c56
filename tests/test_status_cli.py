"""`rxradar status`: a dashboard an operator can read (golden files for text and JSON).

RXRADAR_UPDATE_GOLDEN=1 python -m pytest tests/test_status_cli.py rewrites them."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.channels.slack import slack_target
from bot.cli import app
from bot.records.target import Target
from bot.store import Store, trust
from bot.store.models import Feed
from bot.store.profile_models import ModelVersion
from bot.store.subscriptions import pause
from bot.subscribing import subscribe
from tests import factories

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 10, 28, 9, 30, 12, 345678, tzinfo=UTC)  # microseconds must not show
CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RXRADAR_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; see module docstring"


def _world(store: Store) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    factories.journal(store, "Nature Methods")
    factories.journal(store, "Smith lab reading list", kind="custom")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    with store.session() as session:
        session.get_one(ModelVersion, factories.MODEL).created_at = NOW - timedelta(days=3)
        session.add(Feed(
            url="https://connect.biorxiv.org/biorxiv_xml/bioinformatics", kind="rss",
            last_status=200, last_polled_at=datetime(2026, 10, 28, 9, 0, 3, 1234, tzinfo=UTC),
            consecutive_failures=0,
        ))  # fmt: skip
        session.add(Feed(
            url="https://example.org/feed.xml", kind="rss", last_status=503,
            last_error="HTTP 503 from example.org; retrying at the next poll",
            last_polled_at=datetime(2026, 10, 28, 9, 0, 4, tzinfo=UTC), consecutive_failures=1,
        ))  # fmt: skip
    ada = subscribe(store, Target("email", "ada@example.org"), ["Medical Image Analysis"], CREATED)
    lab = subscribe(store, slack_target("T0001", "C0001"), ["Nature Methods"], CREATED)
    factories.send_due(store, factories.settings(Path("/nonexistent")), CREATED + timedelta(days=6))
    with store.session() as session:
        pause(session, lab.id, "Slack refused the message: is_archived", NOW)
        trust.mark_failing(
            session, "email", "SMTP authentication failed (535); check RXRADAR_SMTP_USERNAME "
            "and RXRADAR_SMTP_PASSWORD", NOW - timedelta(minutes=20),
        )  # fmt: skip
    assert ada.id != lab.id


def test_status_is_a_readable_dashboard(store: Store, env: dict[str, str]) -> None:
    _world(store)
    result = CliRunner().invoke(app, ["status", "--now", NOW.isoformat()], env=env)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "datetime" not in out and "{" not in out and "None" not in out
    assert "1 failures" not in out and ".345678" not in out
    _golden("cli_status.txt", out)


def test_status_json_has_plain_values(store: Store, env: dict[str, str]) -> None:
    _world(store)
    result = CliRunner().invoke(app, ["status", "--json", "--now", NOW.isoformat()], env=env)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["channels"]["email"]["state"] == "failing"
    _golden("cli_status.json", result.stdout)
