"""Benchmark: one `send-due` delivering 10,000 weekly digests to local peers.

    python bench/bench_delivery.py                           # 10,000 subscriptions
    python bench/bench_delivery.py --subscriptions 2000 --pg-url postgresql+psycopg://…/db

Seeds a fresh database (40 journals, 2,000 scored preprints, an active model, N weekly
subscriptions due now: 90 % email to a local aiosmtpd sink, 10 % Slack channels on the
local Web API fake) and runs the real `python -m bot send-due` in subprocesses:
SQLite with one process, PostgreSQL with one process, and PostgreSQL with two processes at
once. Prints digests per second, the two-process speed-up over one, and duplicates (a
target that got the same period twice; must be 0). Email reuses one SMTP connection per
batch. Without --pg-url (or RXRADAR_TEST_DATABASE_URL) the PostgreSQL rows are skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.records.preprint import Preprint  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.delivery_models import Subscriber, Subscription, SubscriptionProfile  # noqa: E402
from bot.store.preprints import upsert_preprints  # noqa: E402
from bot.store.profiles import upsert_profile  # noqa: E402
from bot.store.scores import (  # noqa: E402
    ScoreRow,
    StatsRow,
    activate_model_version,
    add_model_version,
    replace_scores,
    save_profile_stats,
)
from tests.peers.slack_fake import SlackFake  # noqa: E402
from tests.peers.smtp import SmtpPeer  # noqa: E402

NOW = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)  # a Monday, just after the 08:00 UTC slot
TOKEN = "xoxb-bench"
SLACK_SHARE = 10  # every 10th subscription goes to Slack
WORDS = "cardiac mri genome protein neuron cortex imaging cohort crispr malaria sepsis".split()


@dataclass(frozen=True)
class Row:
    backend: str
    processes: int
    digests: int
    seconds: float
    duplicates: int
    cpu_seconds: float = 0.0  # user + system of the send-due processes (load-independent)

    @property
    def rate(self) -> float:
        return self.digests / self.seconds if self.seconds else 0.0


def seed(
    url: str, subscriptions: int, journals: int, preprints: int, now: datetime = NOW,
    cadence: str = "weekly",
) -> None:  # fmt: skip
    """The world: journals, scored preprints of 3 days before `now`, subscriptions due at
    `now` (weekly: Mondays 08:00 UTC; daily: 00:00 UTC), created 9 days before."""
    created = now - timedelta(days=9)
    store = Store.open(url)
    rng = random.Random(7)
    with store.session() as session:
        ids = [upsert_profile(session, f"Journal of {WORDS[i % 11].title()} {i}")[0].id
               for i in range(journals)]  # fmt: skip
    posted = now.date() - timedelta(days=3)
    records = [
        Preprint(
            id=f"10.1101/2026.10.{n:06d}",
            version=1,
            title=" ".join(rng.choice(WORDS) for _ in range(8)).capitalize(),
            abstract=" ".join(rng.choice(WORDS) for _ in range(120)),
            authors=("Ada Lovelace", "Alan Turing"),
            server="biorxiv",
            posted=posted,
            updated=posted,
            doi=f"10.1101/2026.10.{n:06d}",
            categories=("genomics",),
            url=f"https://www.biorxiv.org/content/10.1101/2026.10.{n:06d}v1",
        )
        for n in range(preprints)
    ]
    upsert_preprints(store, records)
    with store.session() as session:
        add_model_version(session, "bench", "/nonexistent", {})
        activate_model_version(session, "bench")
        rows = [ScoreRow(p.id, ids[(n + k) % journals], rng.random() * 0.5, k + 1)
                for n, p in enumerate(records) for k in range(5)]  # fmt: skip
        replace_scores(session, "bench", [p.id for p in records], rows)
        quantiles = tuple(i / 1000 for i in range(101))
        save_profile_stats(
            session, [StatsRow(j, "bench", 90, date(2026, 10, 26), 5000, 0.01, quantiles, 100)
                      for j in ids],
        )  # fmt: skip
    with store.engine.begin() as connection:
        subscribers, subs, follows = [], [], []
        for n in range(1, subscriptions + 1):
            slack = n % SLACK_SHARE == 0
            address = f"T0001:C{n:06d}" if slack else f"reader{n}@bench.test"
            kind = "slack" if slack else "email"
            subscribers.append({"id": n, "key": f"{kind}:{address}", "kind": kind,
                                "address": address, "confirmed": True,
                                "created_at": created})  # fmt: skip
            subs.append({"id": n, "subscriber_id": n, "top": 10, "keywords": [], "exclude": [],
                         "servers": [], "categories": [], "cadence": cadence, "day": "mon",
                         "time": "08:00" if cadence == "weekly" else "00:00", "tz": "UTC",
                         "lookback_days": 7, "active": True, "owner": "cli",
                         "created_at": created})  # fmt: skip
            follows.append({"subscription_id": n, "profile_id": ids[n % journals]})
        connection.execute(insert(Subscriber), subscribers)
        connection.execute(insert(Subscription), subs)
        connection.execute(insert(SubscriptionProfile), follows)
    store.close()


def send_due(
    url: str, data: Path, smtp: SmtpPeer, slack: SlackFake, processes: int
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the send-due processes)."""
    env = {
        **os.environ, **smtp.env(), "RXRADAR_DATABASE_URL": url, "RXRADAR_DATA_DIR": str(data),
        "RXRADAR_SECRET_KEY": "bench-secret-key-at-least-32-bytes-long", "RXRADAR_PUBLIC_URL": "https://rxradar.bench.test",
        "RXRADAR_SLACK_BOT_TOKEN": TOKEN, "RXRADAR_SLACK_API_URL": slack.url,
        "RXRADAR_SMTP_TIMEOUT": "30",
    }  # fmt: skip
    command = [sys.executable, "-m", "bot", "send-due", "--now", NOW.isoformat(), "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    runs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(processes)]  # fmt: skip
    for run in runs:
        _, err = run.communicate()
        if run.returncode != 0:
            raise SystemExit(f"send-due failed: {err.decode()[-2000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def delivered(smtp: SmtpPeer, slack: SlackFake) -> tuple[int, int]:
    """(digests delivered, duplicates) from what the peers received."""
    targets = Counter(str(m["To"]) for m in smtp.messages)
    for call in slack.calls_to("chat.postMessage"):
        if call.response.get("ok") and not call.params.get("thread_ts"):
            targets[str(call.params["channel"])] += 1
    return len(targets), sum(n - 1 for n in targets.values() if n > 1)


def pg_database(base: str) -> str:
    """A fresh schema on the given PostgreSQL database (dropped by `drop_pg`)."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def drop_pg(base: str, url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    with create_engine(base).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def one_row(backend: str, url: str, processes: int, args: argparse.Namespace) -> Row:
    seed(url, args.subscriptions, args.journals, args.preprints)
    with tempfile.TemporaryDirectory() as tmp, SmtpPeer() as smtp, \
            SlackFake(TOKEN, min_interval=0) as slack:  # fmt: skip
        for n in range(SLACK_SHARE, args.subscriptions + 1, SLACK_SHARE):
            slack.add_channel(f"C{n:06d}")
        seconds, cpu = send_due(url, Path(tmp), smtp, slack, processes)
        digests, duplicates = delivered(smtp, slack)  # parsed now, after the clock stopped
    if digests != args.subscriptions:
        print(f"warning: {backend}×{processes} delivered {digests} of {args.subscriptions}")
    return Row(backend, processes, digests, seconds, duplicates, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--journals", type=int, default=40)
    parser.add_argument("--preprints", type=int, default=2_000)
    parser.add_argument("--pg-url", default=os.environ.get("RXRADAR_TEST_DATABASE_URL", ""))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows: list[Row] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(one_row("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", 1, args))
    for processes in (1, 2) if args.pg_url else ():
        url = pg_database(args.pg_url)
        try:
            rows.append(one_row("PostgreSQL", url, processes, args))
        finally:
            drop_pg(args.pg_url, url)
    report(rows, args.subscriptions)


def report(rows: list[Row], n: int) -> None:
    print(f"\nOne send-due, {n:,} weekly digests (email to aiosmtpd, Slack to the fake)")
    print(f"{'backend':<12}{'processes':>10}{'delivered':>11}{'seconds':>9}{'digests/s':>11}"
          f"{'10k in':>9}{'duplicates':>12}{'CPU ms/digest':>15}")  # fmt: skip
    for r in rows:
        ten_k = 10_000 / r.rate if r.rate else float("inf")
        print(f"{r.backend:<12}{r.processes:>10}{r.digests:>11,}{r.seconds:>9.1f}"
              f"{r.rate:>11.1f}{ten_k:>8.0f}s{r.duplicates:>12}"
              f"{r.cpu_seconds / max(r.digests, 1) * 1000:>15.1f}")  # fmt: skip
    pg = {r.processes: r for r in rows if r.backend == "PostgreSQL"}
    if 1 in pg and 2 in pg:
        print(f"two processes / one on PostgreSQL: {pg[2].rate / pg[1].rate:.2f}× (goal ≥ 1.6×)")


if __name__ == "__main__":
    main()
