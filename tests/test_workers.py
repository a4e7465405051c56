"""Isolated jobs run in a child process of `rxradar run`, so their CPU does not hold the web
server's GIL (slash commands stay fast while 10,000 digests are sent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.scheduler import JobSpec, build_scheduler, run_job
from bot.store import Store
from bot.workers import Workers
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def where_and_what(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """A job body that says which process ran it and what it read from the database."""
    journal = factories.journal(store, f"Journal written by {os.getpid()}")
    return {"pid": os.getpid(), "journal": journal, "now": now.isoformat()}


def dies(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    os._exit(3)


def test_an_isolated_job_runs_in_a_child_with_its_own_connections_and_reports_back(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    config = factories.settings(tmp_path, RXRADAR_DATABASE_URL=database_url)
    workers = Workers()
    try:
        spec = JobSpec("work", where_and_what, every=timedelta(hours=1), isolated=True)
        scheduler = build_scheduler([spec], config, store, workers)
        [job] = scheduler.get_jobs()
        counts = run_job(job.args[0], config, store)
    finally:
        workers.close()

    assert counts is not None and counts["pid"] != os.getpid()
    assert factories.journal_id(store, f"Journal written by {counts['pid']}") == counts["journal"]


def test_without_workers_an_isolated_job_runs_in_the_scheduler_process(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    config = factories.settings(tmp_path, RXRADAR_DATABASE_URL=database_url)
    spec = JobSpec("work", where_and_what, every=timedelta(hours=1), isolated=True)
    [job] = build_scheduler([spec], config, store).get_jobs()

    counts = run_job(job.args[0], config, store)

    assert counts is not None and counts["pid"] == os.getpid()


def test_a_child_that_died_is_reported_and_replaced_on_the_next_run(
    store: Store, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = factories.settings(tmp_path, RXRADAR_DATABASE_URL=database_url)
    workers = Workers()
    try:
        crash = JobSpec("work", workers.isolate("work", dies), every=timedelta(hours=1))
        assert run_job(crash, config, store) is None
        again = JobSpec("work", workers.isolate("work", where_and_what), every=timedelta(hours=1))
        counts = run_job(again, config, store)
    finally:
        workers.close()

    assert "the work worker process died" in caplog.text
    assert counts is not None and counts["pid"] != os.getpid()


PARENT = textwrap.dedent(
    """
    import sys, time
    from bot.workers import Workers
    workers = Workers()
    print(workers.start("send-due").result(), flush=True)
    time.sleep(60)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is dead
        return stat.read().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_child_dies_with_its_parent_so_a_killed_run_leaves_nobody_sending() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        parent.kill()
