"""The main loop: APScheduler (UTC, coalesced, one instance per job) running the jobs.

What is due always comes from the database (feeds' next poll times, digests' slots and
claims), so a missed tick or a restart loses nothing and sends nothing twice; the scheduler
only decides *when to look*.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import Settings
from bot.store import Store
from bot.workers import JobBody, Workers

log = logging.getLogger("rxradar.scheduler")


@dataclass(frozen=True)
class JobSpec:
    name: str
    body: JobBody
    every: timedelta
    first_run_delay: timedelta = timedelta(0)
    isolated: bool = False  # CPU-heavy: runs in a child process when the scheduler has workers


def run_job(spec: JobSpec, settings: Settings, store: Store) -> dict[str, Any] | None:
    """Run one job, logging one line with its counts and timing.

    This is the job boundary: the only place that catches everything, so one failing job
    (network down, a bug) never stops the scheduler; the next run tries again.
    """
    started = time.monotonic()
    try:
        counts = spec.body(settings, store, datetime.now(UTC))
    except Exception as exc:
        seconds = time.monotonic() - started
        log.error(
            "job %s failed after %.1fs: %s",
            spec.name,
            seconds,
            exc,
            exc_info=log.isEnabledFor(logging.DEBUG),
            extra={"fields": {"job": spec.name, "seconds": round(seconds, 3), "ok": False}},
        )
        return None
    seconds = time.monotonic() - started
    summary = " ".join(f"{key}={value}" for key, value in counts.items())
    log.log(
        logging.INFO if counts else logging.DEBUG,  # a heartbeat has nothing to say
        "job %s done in %.1fs %s",
        spec.name,
        seconds,
        summary,
        extra={"fields": {"job": spec.name, "seconds": round(seconds, 3), "ok": True, **counts}},
    )
    return counts


def build_scheduler(
    specs: list[JobSpec], settings: Settings, store: Store, workers: Workers | None = None
) -> BackgroundScheduler:
    """The jobs on their intervals; with `workers`, isolated jobs run in child processes
    (see `bot.workers`) and their counts come back to be logged here."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    now = datetime.now(UTC)
    for spec in specs:
        if spec.isolated and workers is not None:
            workers.start(spec.name)  # spawned from this thread, before the first run
            spec = replace(spec, body=workers.isolate(spec.name, spec.body))
        scheduler.add_job(
            run_job,
            "interval",
            args=(spec, settings, store),
            seconds=spec.every.total_seconds(),
            next_run_time=now + spec.first_run_delay,
            id=spec.name,
            name=spec.name,
            replace_existing=True,
        )
    scheduler.add_listener(_log_crash, EVENT_JOB_ERROR)
    return scheduler


def _log_crash(event: JobExecutionEvent) -> None:
    log.error("job %s crashed: %s", event.job_id, event.exception)


class StopFlag:
    """Set by SIGTERM/SIGINT; the main thread waits on it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self, *_: object) -> None:
        self._event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    @property
    def is_set(self) -> bool:
        return self._event.is_set()
