"""Job bodies that are not covered end to end elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot import jobs
from bot.config import load_settings
from bot.store import Store
from bot.store.models import Preprint
from bot.store.profile_models import Score
from tests import factories


def test_prune_drops_scores_of_preprints_older_than_the_retention_window(
    store: Store, tmp_path: Path
) -> None:
    settings = load_settings(
        {"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_SCORE_RETENTION_DAYS": "30"}
    )
    journal = factories.journal(store, "Radiology")
    factories.scored(store, journal, "10.1/old", 0.4, date(2026, 9, 1))
    factories.scored(store, journal, "10.1/recent", 0.3, date(2026, 11, 20))

    counts = jobs.prune_scores(settings, store, datetime(2026, 11, 29, tzinfo=UTC))

    assert counts == {"scores_deleted": 1}
    with store.session() as session:
        assert session.scalars(select(Score.preprint_id)).all() == ["10.1/recent"]
        assert len(session.scalars(select(Preprint.id)).all()) == 2  # preprints stay


def test_without_smtp_or_slack_settings_digests_go_to_the_console(tmp_path: Path) -> None:
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path)})
    registry = jobs.delivery_channels(settings)
    assert type(registry.open("email")).__name__ == "ConsoleChannel"
    assert type(registry.open("slack")).__name__ == "ConsoleChannel"
    configured = load_settings(
        {
            "RXRADAR_DATA_DIR": str(tmp_path),
            "RXRADAR_SMTP_HOST": "127.0.0.1",
            "RXRADAR_SLACK_BOT_TOKEN": "xoxb-1",
        }
    )
    registry = jobs.delivery_channels(configured)
    assert type(registry.open("email")).__name__ == "EmailChannel"
    assert type(registry.open("slack")).__name__ == "SlackChannel"
