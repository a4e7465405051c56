"""Job bodies that are not covered end to end elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot import jobs
from bot.channels.registry import configured
from bot.config import load_settings
from bot.records.target import Target
from bot.store import Store
from bot.store.models import PreprintRow
from bot.store.profile_models import Score
from bot.subscribing import subscribe
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
        assert len(session.scalars(select(PreprintRow.id)).all()) == 2  # preprints stay


def test_a_digest_for_a_channel_that_is_not_set_up_stays_pending(
    store: Store, tmp_path: Path
) -> None:
    """No console fallback under `run`: the digest waits, saying what to set."""
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/x", 0.5, date(2026, 10, 22))
    subscribe(store, Target("email", "ada@example.org"), ["Medical Image Analysis"],
              datetime(2026, 10, 20, tzinfo=UTC))  # fmt: skip
    config = factories.settings(tmp_path)

    [result] = factories.send_due(store, config, datetime(2026, 10, 26, 8, 5, tzinfo=UTC))

    assert result.status == "pending" and "RXRADAR_SMTP_HOST" in (result.error or "")
    assert not configured(config, "email") and configured(config, "webhook")
