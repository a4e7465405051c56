"""The single-scheduler lock for SQLite.

SQLite cannot arbitrate between two schedulers (SKIP LOCKED is ignored), so only one
`rxradar run` may use a SQLite database. The lock is an OS file lock (flock): the kernel
drops it when the process dies, even with SIGKILL, so a crash never blocks the next start.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock; the message says which process and what to do."""


class SchedulerLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"another rxradar scheduler (pid {holder}) is using this SQLite database "
                f"(lock {self.path}). Only one instance is supported on SQLite: stop the "
                "other one, or use PostgreSQL (RXRADAR_DATABASE_URL) to run several."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def scheduler_lock_for(database_url: str) -> SchedulerLock | None:
    """A file lock beside a SQLite database; None for servers that arbitrate themselves."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:"):
        return None
    return SchedulerLock(Path(database).expanduser().resolve().with_suffix(".scheduler.lock"))
