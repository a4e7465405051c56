"""`rxradar run` (the main job); `status` and `check` live in `bot.cli.status`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import typer

from bot import jobs
from bot.checks import log_checks, run_checks
from bot.cli.common import fail, open_store, settings
from bot.cli.logs import configure_logging, configured
from bot.cli.progress import ProgressBars
from bot.config import ConfigError, Settings
from bot.delivery.instances import Instance, free_predecessors
from bot.ingest.backfill import BackfillError
from bot.ingest.harvest import HarvestError
from bot.locks import AlreadyRunning, scheduler_lock_for
from bot.scheduler import JobSpec, StopFlag, build_scheduler, run_job
from bot.store import Store
from bot.workers import JobBody, Workers

log = logging.getLogger("rxradar.run")

STOP_GRACE_SECONDS = 15.0  # SIGTERM must end the process within 20 s
INTERRUPT_GRACE_SECONDS = 1.0  # Ctrl-C: someone is watching; do not wait out a stalled feed
BOOTSTRAP_EVERY = timedelta(minutes=15)  # a first run cut short (offline) tries again
OFFLINE_HINT = (
    "Offline? Import journal papers from a file with `rxradar profiles import FILE`, "
    "then `rxradar train`; `rxradar status` shows what is there so far."
)


class FirstRunError(RuntimeError):
    """The first run could not download what it needs; the message says what happens next."""


def first_run(progress: ProgressBars | None, once: bool) -> JobBody:
    """The bootstrap job, saying when it tries again and what to do meanwhile if it fails."""

    def body(config: Settings, store: Store, now: datetime) -> dict[str, Any]:
        try:
            if progress is None:
                return jobs.bootstrap(config, store, now)
            return jobs.bootstrap(config, store, now, progress=progress)
        except (HarvestError, BackfillError) as exc:
            raise FirstRunError(f"{exc}. {_when_again(now, once)} {OFFLINE_HINT}") from exc
        finally:
            if progress is not None:
                progress.stop()  # a failed step's bar must not keep ticking

    return body


def _when_again(now: datetime, once: bool) -> str:
    if once:
        return "The next `rxradar run` carries on from there."
    again = (now + BOOTSTRAP_EVERY).strftime("%H:%M UTC")
    minutes = BOOTSTRAP_EVERY.total_seconds() / 60
    return f"rxradar run tries again by itself at {again} (every {minutes:.0f} minutes)."


def job_specs(
    config: Settings,
    progress: ProgressBars | None = None,
    instance: Instance | None = None,
    once: bool = False,
) -> list[JobSpec]:
    instance = instance or Instance(config.delivery.tick)
    return [
        JobSpec("bootstrap", first_run(progress, once), every=BOOTSTRAP_EVERY),
        JobSpec(
            "poll",
            jobs.poll_and_score,
            every=config.sources.poll_interval,
            first_run_delay=timedelta(seconds=2),
            isolated=True,
        ),
        JobSpec(
            "send-due",
            partial(jobs.send_due, instance=instance),
            every=config.delivery.tick,
            first_run_delay=timedelta(seconds=3),
            isolated=True,
        ),
        JobSpec(
            "retrain",
            jobs.retrain,
            every=config.sources.retrain_interval,
            first_run_delay=config.sources.retrain_interval,
            isolated=True,
        ),
        JobSpec(
            "outcomes",
            partial(jobs.record_outcomes, progress=progress) if progress else jobs.record_outcomes,
            every=config.sources.outcome_interval,
            first_run_delay=timedelta(minutes=30),
        ),
        JobSpec(
            "prune", jobs.prune_scores, every=timedelta(days=1), first_run_delay=timedelta(hours=1)
        ),
        JobSpec(
            "heartbeat", partial(jobs.heartbeat, instance=instance), every=config.delivery.tick
        ),
    ]


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port")


def _start_web(config: Settings, store: Store, host: str, port: int) -> Any:
    from bot.web.app import create_server_app
    from bot.web.serving import web_server

    try:
        web = create_server_app(config, store)
    except ConfigError as exc:
        fail(str(exc))
    # the same server as `rxradar serve` (it had no header timeout here)
    server = web_server(web, host, port, log_level="warning", lifespan="off")
    threading.Thread(target=server.run, name="web", daemon=True).start()
    log.info("serving Slack and web endpoints on http://%s:%d", host, port)
    return server


def _run_once(config: Settings, store: Store, instance: Instance) -> None:
    bars = ProgressBars()
    try:
        for spec in job_specs(config, bars, instance, once=True)[:3]:  # bootstrap, poll, send-due
            run_job(spec, config, store)
    finally:
        bars.stop()
        instance.leave(store)


def _run_forever(config: Settings, store: Store, host: str, port: int, instance: Instance) -> None:
    _check_port(host, port)
    stop, interrupted = StopFlag(), threading.Event()

    def on_interrupt(*_: object) -> None:
        interrupted.set()
        stop.set()

    signal.signal(signal.SIGTERM, stop.set)
    signal.signal(signal.SIGINT, on_interrupt)
    web = _start_web(config, store, host, port)
    bars = ProgressBars()
    # polling, sending and training run in child processes: slash commands stay fast
    workers = Workers(configure_logging, configured())
    scheduler = build_scheduler(job_specs(config, bars, instance), config, store, workers)
    scheduler.start()
    log.info(
        "scheduler started: poll every %s, send-due every %s",
        config.sources.poll_interval,
        config.delivery.tick,
    )
    stop.wait()
    grace = INTERRUPT_GRACE_SECONDS if interrupted.is_set() else STOP_GRACE_SECONDS
    log.info("stopping: finishing the current jobs (at most %.0fs)", grace)
    web.should_exit = True
    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True)
    stopper.start()
    stopper.join(grace)
    if stopper.is_alive():
        log.warning("a job did not finish in time; it will resume from the database next start")
    else:
        instance.leave(store)
    workers.close()
    bars.stop()
    logging.shutdown()
    os._exit(0)  # job threads may still be blocked on the network; the database is consistent


def run_command(
    host: str = typer.Option("127.0.0.1", help="Address for the Slack/web endpoints."),
    port: int = typer.Option(8080, help="Port for the Slack/web endpoints."),
    once: bool = typer.Option(False, "--once", help="One full cycle, then exit (for cron)."),
) -> None:
    """The main job: poll feeds, score, send due digests, serve Slack and web endpoints."""
    config = settings()
    with open_store(config) as store:
        lock = scheduler_lock_for(config.database_url)
        try:
            if lock is not None:
                lock.acquire()
        except AlreadyRunning as exc:
            fail(str(exc))
        _announce(config)
        # logged, never fatal: only a broken database refuses the start (open_store above)
        log_checks(run_checks(config, store, datetime.now(UTC)))
        if lock is not None:  # we hold the only lock: whoever held these leases is dead
            free_predecessors(store)
        instance = Instance(config.delivery.tick)
        if once:
            _run_once(config, store, instance)
            return
        _run_forever(config, store, host, port, instance)


def _announce(config: Settings) -> None:
    url = config.database_url
    email = f"SMTP {config.smtp.host}" if config.smtp.host else "not set up (RXRADAR_SMTP_HOST)"
    slack = "Slack" if config.slack.configured else "not set up (no Slack token)"
    log.info(
        "rxradar starting: database %s; email → %s; Slack → %s",
        url.split("@")[-1] if "@" in url else url,
        email,
        slack,
    )


def register(app: typer.Typer) -> None:
    from bot.cli import status

    app.command("run")(run_command)
    status.register(app)
