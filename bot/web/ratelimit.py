"""Sliding-window rate limits kept in memory (per process), e.g. sign-ups per visitor.

Enough to stop one visitor from using the forms as a mail cannon or the match form as a
free CPU; a second instance keeps its own counts. Limits that must hold across instances
(sign-ups per address) are counted in the database instead.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime

from bot.config import Rate

MAX_KEYS = 10_000  # beyond this the quietest keys are forgotten, so memory stays bounded


class RateLimiter:
    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._events: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: datetime) -> bool:
        """Count one event for `key` and say whether it is within the limit."""
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.rate.per:
                events.popleft()
            if len(events) >= self.rate.count:
                return False
            events.append(now)
            if len(self._events) > MAX_KEYS:
                self._forget(now)
            return True

    def _forget(self, now: datetime) -> None:
        stale = [k for k, v in self._events.items() if not v or now - v[-1] >= self.rate.per]
        for key in stale or list(self._events)[: MAX_KEYS // 10]:
            del self._events[key]
