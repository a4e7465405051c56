"""Job bodies that run in a child process, so their CPU never holds the web server's GIL.

`rxradar run` serves Slack and the web pages from the process that schedules the jobs.
Sending 10,000 digests (rendering, CSS inlining, SMTP) or scoring a poll keeps a Python
thread busy for minutes; in the same interpreter every slash command then waits for the
GIL. Each isolated job therefore runs in a child of its own (spawned at start, kept for
later runs, with its own database connections), and the scheduler thread only waits for
its counts.

The child ignores SIGINT/SIGTERM (the parent decides when to stop and finishes its jobs)
and is killed by the kernel when the parent dies (Linux `PR_SET_PDEATHSIG`), so a SIGKILLed
`rxradar run` leaves nobody sending behind it: its leases are free to the next start.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.store import Store

log = logging.getLogger("rxradar.scheduler")

JobBody = Callable[[Settings, Store, datetime], dict[str, Any]]
Setup = Callable[..., None]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_store: Store | None = None  # the child's own connections, opened by its first job


def _die_with(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when `parent` exits (Linux only)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def _child_start(parent: int, setup: Setup | None, setup_args: tuple[Any, ...]) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if setup is not None:
        setup(*setup_args)


def _child_ready() -> int:
    return os.getpid()


def _child_run(
    body: JobBody, settings: Settings, now: datetime, handed_over: float
) -> dict[str, Any]:
    """Run `body` at `now` moved on by the time the hand-over took (the child's start: its
    imports take seconds), so leases and heartbeats are not taken in the past."""
    global _store
    if _store is None:
        _store = Store.open(settings.database_url, migrate=False)  # the parent migrated
    late = max(0.0, time.time() - handed_over)
    return body(settings, _store, now + timedelta(seconds=late))


class Workers:
    """One single-process pool per isolated job, so jobs never queue behind each other
    (the scheduler already runs at most one instance of each job)."""

    def __init__(self, setup: Setup | None = None, setup_args: tuple[Any, ...] = ()) -> None:
        self._setup, self._setup_args = setup, setup_args
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._lock = threading.Lock()

    def start(self, name: str) -> Future[int]:
        """Spawn `name`'s child now, from the calling (main) thread, without waiting for it
        to be ready (the pid comes in the future). The kernel's parent-death signal is tied
        to the thread that spawned the child, so it must not be a short-lived one."""
        return self._pool(name).submit(_child_ready)

    def _pool(self, name: str) -> ProcessPoolExecutor:
        with self._lock:
            if name not in self._pools:
                self._pools[name] = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_child_start,
                    initargs=(os.getpid(), self._setup, self._setup_args),
                )
            return self._pools[name]

    def run(self, name: str, body: JobBody, settings: Settings, now: datetime) -> dict[str, Any]:
        """Run `body` in `name`'s child and return its counts (or raise what it raised)."""
        try:
            job = self._pool(name).submit(_child_run, body, settings, now, time.time())
            return job.result()
        except BrokenProcessPool:
            with self._lock:  # the child died (OOM, a signal): the next run spawns a new one
                self._pools.pop(name, None)
            raise RuntimeError(
                f"the {name} worker process died; the next run starts another"
            ) from None

    def isolate(self, name: str, body: JobBody) -> JobBody:
        def in_child(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
            return self.run(name, body, settings, now)

        return in_child

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
