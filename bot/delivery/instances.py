"""Who is sending: one `Instance` per process, with a heartbeat in the database.

A digest's lease names the instance that took it. Another instance may take the digest
when the lease has run out *or* when its holder has not beaten for
`DeliverySettings.heartbeat_stale` (it died: SIGKILL, OOM, a lost machine). On SQLite the
scheduler's file lock proves more at start: no other process is alive, so every lease is
free at once (`free_predecessors`).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store import Store, trust

log = logging.getLogger("rxradar.delivery")


@dataclass
class Instance:
    beat_every: timedelta
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _last_beat: float | None = None

    def beat(self, store: Store, now: datetime, force: bool = False) -> None:
        """Record that this instance is alive (at most once per `beat_every` unless forced)."""
        due = self._last_beat is None or (
            time.monotonic() - self._last_beat >= self.beat_every.total_seconds()
        )
        if not (due or force):
            return
        with store.session() as session:
            trust.beat(session, self.id, now)
        self._last_beat = time.monotonic()

    def leave(self, store: Store) -> None:
        with store.session() as session:
            trust.leave(session, self.id)


def free_predecessors(store: Store) -> int:
    """Free every lease: call only while holding the single-instance lock (SQLite)."""
    with store.session() as session:
        freed = trust.free_all_leases(session)
    if freed:
        log.info("freed %d digest lease(s) held by a previous run that did not stop cleanly", freed)
    return freed
