"""The bodies of the scheduled jobs: each composes the areas' entry points and returns counts.

Every body takes (settings, store, now) and returns a dict of counts for the job's log line;
`bot.scheduler.run_job` is the boundary that times, logs and survives them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from bot.channels.registry import live
from bot.config import Settings
from bot.delivery.instances import Instance
from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.crossref_api import CrossrefApi
from bot.feeds.fetch import Fetcher
from bot.records.progress import ProgressFactory, quiet
from bot.records.servers import BIORXIV_API_SERVERS
from bot.store import Store
from bot.store.preprints import servers_present
from bot.store.scores import prune_scores as prune

log = logging.getLogger("rxradar.jobs")


@contextmanager
def biorxiv_api(settings: Settings) -> Iterator[BiorxivApi]:
    with Fetcher(settings.http) as fetcher:
        yield BiorxivApi(fetcher, settings.sources.biorxiv_api_url)


@contextmanager
def crossref_api(settings: Settings) -> Iterator[CrossrefApi]:
    with Fetcher(settings.http) as fetcher:
        yield CrossrefApi(fetcher, settings.sources.crossref_api_url, settings.contact_email)


def poll_and_score(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Poll the feeds that are due, then score what is new or changed."""
    from bot.ingest.poll import poll_feeds
    from bot.matching.scorer import score_after_poll

    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=now)
    failed = sum(1 for result in report.results if result.error)
    scored = score_after_poll(store, settings.model, report.changed_ids, today=now.date())
    alerts = instant_alerts(settings, store, report.changed_ids, now) if scored.version else 0
    return {
        "feeds": len(report.results),
        "failed": failed,
        "changed": len(report.changed_ids),
        "scored": scored.n_scored,
        "model": scored.version or "none",
        "alerts": alerts,
    }


def instant_alerts(
    settings: Settings, store: Store, preprint_ids: Collection[str], now: datetime
) -> int:
    """Instant subscriptions' alerts for what was just scored (see `bot.delivery.alerts`)."""
    from bot.delivery.alerts import alert_after_scoring

    return alert_after_scoring(settings, store, preprint_ids, now).alerts


def send_due(
    settings: Settings, store: Store, now: datetime, instance: Instance | None = None
) -> dict[str, Any]:
    from bot.delivery.sending import send_due as send_all

    counts: dict[str, Any] = {"sent": 0, "pending": 0, "failed": 0, "skipped": 0}
    registry = live(settings, store)
    results = send_all(store, settings.delivery, settings.links(), registry, now, instance)
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    failing = sorted({r.target.kind for r in results if r.channel_failing})
    if failing:
        counts["failing"] = ",".join(failing)
    return counts


def heartbeat(
    settings: Settings, store: Store, now: datetime, instance: Instance
) -> dict[str, Any]:
    """This process is alive: the digests it holds stay its own (see `bot.delivery.instances`)."""
    instance.beat(store, now, force=True)
    return {}


def harvest_profiles(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = quiet
) -> dict[str, Any]:
    """Published preprints of the last RXRADAR_HARVEST_DAYS into journal profiles."""
    from bot.ingest.harvest import harvest_recent

    added = 0
    with biorxiv_api(settings) as api:
        for server in BIORXIV_API_SERVERS:  # only what earlier harvests have not covered yet
            bar = progress(f"harvest {server} journal profiles")
            days = settings.sources.harvest_days
            report = harvest_recent(store, api, server, days, now.date(), progress=bar)
            added += report.n_added
    return {"papers_added": added}


def retrain(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = quiet
) -> dict[str, Any]:
    """Re-harvest journal profiles, train a candidate, and switch to it only if the gate
    (`GateParams`: not worse on the newest published pairs) allows; the reason is logged."""
    from bot.matching.gate import retrain_with_gate

    counts = harvest_profiles(settings, store, now, progress)
    report = retrain_with_gate(store, settings.model, today=now.date())
    counts.update(
        {"model": report.version, "activated": report.activated, "papers": report.n_train}
    )
    return counts


def prune_scores(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Drop scores of preprints older than the retention window (the preprints stay)."""
    cutoff = (now - timedelta(days=settings.model.retention_days)).date()
    with store.session() as session:
        return {"scores_deleted": prune(session, cutoff)}


def bootstrap(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = quiet
) -> dict[str, Any]:
    """First run on a fresh machine: default feeds, profiles, a model, the last 90 days.

    Each step is skipped once done, so a run cut short (network down, SIGTERM) simply
    carries on next time.
    """
    from bot.ingest.backfill import backfill
    from bot.ingest.poll import ensure_default_feeds
    from bot.matching.scorer import load_active_model, score_after_poll

    counts: dict[str, Any] = {
        "feeds_added": len(ensure_default_feeds(store, settings.sources.feeds))
    }
    if load_active_model(store) is None:
        counts.update(retrain(settings, store, now, progress))
    wanted = [
        s for s in BIORXIV_API_SERVERS if any(f.startswith(f"{s}:") for f in settings.sources.feeds)
    ]
    missing = [s for s in wanted if s not in servers_present(store, wanted)]
    days = settings.model.window_days
    with biorxiv_api(settings) as api:
        for server in missing:
            bar = progress(f"backfill {server}, last {days} days")
            result = backfill(store, api, server, days, today=now.date(), progress=bar)
            scored = score_after_poll(store, settings.model, result.changed_ids, today=now.date())
            counts[f"backfill_{server}"] = result.new
            counts[f"scored_{server}"] = scored.n_scored
    return counts


def record_outcomes(
    settings: Settings, store: Store, now: datetime, progress: ProgressFactory = quiet
) -> dict[str, Any]:
    """Which stored preprints of the last RXRADAR_OUTCOME_MONTHS were published, and where."""
    from bot.feeds.crossref_api import CrossrefRelations
    from bot.ingest.outcomes import refresh_outcomes

    with biorxiv_api(settings) as api, crossref_api(settings) as crossref:
        report = refresh_outcomes(
            store,
            api,
            CrossrefRelations(crossref),
            months=settings.sources.outcome_months,
            today=now.date(),
            progress=progress,
        )
    return {
        "records": report.n_records,
        "new": report.n_new,
        "changed": report.n_changed,
        "papers_added": report.n_papers_added,
    }
