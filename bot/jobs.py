"""The bodies of the scheduled jobs: each composes the areas' entry points and returns counts.

Every body takes (settings, store, now) and returns a dict of counts for the job's log line;
`bot.scheduler.run_job` is the boundary that times, logs and survives them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.channels.console import ConsoleChannel
from bot.channels.email import EmailChannel
from bot.channels.registry import Registry
from bot.channels.slack import SlackChannel
from bot.config import Settings
from bot.store import Store
from bot.store.models import Preprint
from bot.store.profile_models import Score

log = logging.getLogger("rxradar.jobs")

SERVERS = ("biorxiv", "medrxiv")

Progress = Callable[[int, int], None]  # (done, total)
ProgressFactory = Callable[[str], Progress]  # a labelled progress bar for one long step


def _quiet(label: str) -> Progress:
    return lambda done, total: None


def delivery_channels(settings: Settings) -> Registry:
    """Real channels where configured; the console otherwise, so nothing is silently lost."""
    slack_ready = bool(settings.slack_bot_token) or bool(settings.slack_client_id)
    return Registry(
        {
            "email": (lambda: EmailChannel(settings))
            if settings.smtp_host
            else (lambda: ConsoleChannel()),
            "slack": (lambda: SlackChannel(settings))
            if slack_ready
            else (lambda: ConsoleChannel()),
        }
    )


def poll_and_score(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Poll the feeds that are due, then score what is new or changed."""
    from bot.feeds.poll import poll_feeds
    from bot.profiles.scorer import score_after_poll

    report = poll_feeds(store, settings, now=now)
    failed = sum(1 for result in report.results if result.error)
    scored = score_after_poll(store, settings, report.changed_ids, today=now.date())
    return {
        "feeds": len(report.results),
        "failed": failed,
        "changed": len(report.changed_ids),
        "scored": scored.n_scored,
        "model": scored.version or "none",
    }


def send_due(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    from bot.delivery import send_due as send_all

    counts = {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
    for result in send_all(store, settings, delivery_channels(settings), now):
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


def harvest_profiles(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = _quiet
) -> dict[str, Any]:
    """Published preprints of the last RXRADAR_HARVEST_DAYS into journal profiles."""
    from bot.profiles.harvest import harvest_recent

    added = 0
    for server in SERVERS:  # only what earlier harvests have not covered yet
        report = harvest_recent(
            store,
            settings,
            server,
            settings.harvest_days,
            now.date(),
            progress=progress(f"harvest {server} journal profiles"),
        )
        added += report.n_added
    return {"papers_added": added}


def retrain(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = _quiet
) -> dict[str, Any]:
    """Re-harvest journal profiles, then train and atomically switch the active model."""
    from bot.profiles.train import train_from_store

    counts = harvest_profiles(settings, store, now, progress)
    report = train_from_store(store, settings, today=now.date())
    counts.update(
        {"model": report.version, "journals": report.n_journals, "papers": report.n_papers}
    )
    return counts


def prune_scores(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Drop scores of preprints older than the retention window (the preprints stay)."""
    cutoff = (now - timedelta(days=settings.score_retention_days)).date()
    old = select(Preprint.id).where(Preprint.updated < cutoff)
    with store.session() as session:
        deleted = session.execute(delete(Score).where(Score.preprint_id.in_(old)))
    return {"scores_deleted": int(getattr(deleted, "rowcount", 0) or 0)}


def bootstrap(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = _quiet
) -> dict[str, Any]:
    """First run on a fresh machine: default feeds, profiles, a model, the last 90 days.

    Each step is skipped once done, so a run cut short (network down, SIGTERM) simply
    carries on next time.
    """
    from bot.feeds.backfill import backfill
    from bot.feeds.poll import ensure_default_feeds
    from bot.profiles.scorer import load_active_model, score_after_poll

    counts: dict[str, Any] = {"feeds_added": len(ensure_default_feeds(store, settings))}
    if load_active_model(store) is None:
        counts.update(retrain(settings, store, now, progress))
    for server in _backfill_servers(settings, store):
        days = settings.score_window_days
        bar = progress(f"backfill {server}, last {days} days")
        result = backfill(store, settings, server, days, today=now.date(), progress=bar)
        scored = score_after_poll(store, settings, result.changed_ids, today=now.date())
        counts[f"backfill_{server}"] = result.new
        counts[f"scored_{server}"] = scored.n_scored
    return counts


def _backfill_servers(settings: Settings, store: Store) -> list[str]:
    """Servers among the configured feeds that have no preprints stored yet."""
    wanted = [s for s in SERVERS if any(f.startswith(f"{s}:") for f in settings.feeds)]
    with store.session() as session:
        present = set(
            session.scalars(
                select(Preprint.server).where(Preprint.server.in_(wanted)).group_by(Preprint.server)
            )
        )
    return [server for server in wanted if server not in present]
