from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.locks import AlreadyRunning, SchedulerLock, scheduler_lock_for

HOLD = """
import sys, time
from pathlib import Path
from bot.locks import SchedulerLock
lock = SchedulerLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_scheduler_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    path = tmp_path / "db.scheduler.lock"
    with SchedulerLock(path), pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
        SchedulerLock(path).acquire()


def test_the_lock_is_free_again_after_release(tmp_path: Path) -> None:
    path = tmp_path / "db.scheduler.lock"
    with SchedulerLock(path):
        pass
    with SchedulerLock(path):
        pass


def test_a_process_killed_with_sigkill_does_not_block_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "db.scheduler.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(AlreadyRunning):
        SchedulerLock(path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    deadline = time.monotonic() + 5
    while True:
        try:
            SchedulerLock(path).acquire()
            break
        except AlreadyRunning:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_only_sqlite_files_get_a_file_lock(tmp_path: Path) -> None:
    lock = scheduler_lock_for(f"sqlite:///{tmp_path}/rx.db")
    assert lock is not None and lock.path == tmp_path / "rx.scheduler.lock"
    assert scheduler_lock_for("postgresql+psycopg://postgres@127.0.0.1/test") is None
