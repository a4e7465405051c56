"""Secrets at rest: the data directory, the SQLite database (with its WAL and SHM), the lock
file and the secret key are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from bot.config import load_settings
from bot.locks import scheduler_lock_for
from bot.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_database_and_its_companions_are_private(tmp_path: Path) -> None:
    os.umask(0o022)
    data = tmp_path / "data"
    settings = load_settings({"RXRADAR_DATA_DIR": str(data)})
    store = Store.open(settings.database_url)
    try:
        with store.session() as session:
            session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        lock = scheduler_lock_for(settings.database_url)
        assert lock is not None
        lock.acquire()
        try:
            files = [p for p in data.iterdir() if p.is_file()]
            assert {p.name for p in files} >= {"rxradar.db", "rxradar.db-wal", "rxradar.db-shm"}
            assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        finally:
            lock.release()
    finally:
        store.close()
    assert mode(data) == 0o700
    settings.links()
    assert mode(data / "secret_key") == 0o600
