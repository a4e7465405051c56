"""Benchmark: the instant-alert hook after a poll, against the daily digests it sits beside.

    python bench/bench_alerts.py                       # 500 instant subscriptions,
                                                       # 100 journals, 5,000 preprints,
                                                       # a poll bringing 300 of them
    python bench/bench_alerts.py --subscriptions 100 --new 50

Prints one table on SQLite: recording the alerts of one poll (`queue_alerts`: read the
just-scored preprints per subscription, cut, claim one ledger row per alert) and the same
poll again (every alert already claimed: nothing recorded); baseline, in the same run and
the same data: `prepare_due` claiming, building and recording one digest per subscription.
Synthetic data (bench_digests' world, fixed seed); nothing is sent.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench_digests import NOW, World, _fill, _subscriptions, make_world
from sqlalchemy import update

from bot.delivery.alerts import queue_alerts
from bot.delivery.preparing import prepare_due
from bot.store import Store
from bot.store.delivery_models import Subscription

T = TypeVar("T")
THRESHOLD = 0.05  # instant: a 5% match (the synthetic scores' mean is about 1%)


def _store(tmp: str, name: str, world: World, n_subs: int, cadence: str) -> Store:
    store = Store.open(f"sqlite:///{Path(tmp) / name}")
    _fill(store, world)
    _subscriptions(store, world, n_subs)
    with store.session() as session:
        values = {"cadence": cadence, "min_probability": THRESHOLD}
        if cadence == "daily":
            values["time"] = "07:00"
        session.execute(update(Subscription).values(**values))
    return store


def _timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--journals", type=int, default=100)
    parser.add_argument("--preprints", type=int, default=5000)
    parser.add_argument("--new", type=int, default=300, help="preprints the poll brings")
    args = parser.parse_args()
    world = make_world(args.subscriptions, args.journals, args.preprints, 5)
    ids = sorted({c.preprint_id for cs in world.by_profile.values() for c in cs})
    new = random.Random(11).sample(ids, min(args.new, len(ids)))
    url = "http://rxradar.bench"
    with tempfile.TemporaryDirectory() as tmp:
        alerts = _store(tmp, "alerts.db", world, args.subscriptions, "instant")
        digests = _store(tmp, "digests.db", world, args.subscriptions, "daily")
        base, _ = _timed(lambda: prepare_due(digests, url, False, NOW))
        first, counts = _timed(lambda: queue_alerts(alerts, url, new, NOW))
        again, repeat = _timed(lambda: queue_alerts(alerts, url, new, NOW))
        alerts.close()
        digests.close()
    n = args.subscriptions
    rows = [
        ("baseline: prepare_due, one daily digest each", base),
        (f"queue_alerts, a poll of {len(new)} new preprints", first),
        ("queue_alerts, the same poll again", again),
    ]
    print(f"{n} subscriptions, {args.journals} journals, {args.preprints} preprints; "
          f"alerts recorded {counts.alerts} (+{counts.rolled} rolled up), "
          f"again {repeat.alerts}")  # fmt: skip
    print(f"{'step':52} {'total s':>8} {'ms/sub':>8} {'× baseline':>11}")
    for label, seconds in rows:
        print(f"{label:52} {seconds:8.2f} {seconds / n * 1000:8.2f} {seconds / base:11.2f}")


if __name__ == "__main__":
    main()
