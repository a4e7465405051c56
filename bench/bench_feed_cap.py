"""Benchmark: one poll of a hostile feed of many tiny items (just under the byte cap).

    python bench/bench_feed_cap.py                 # 265,000 items (19.9 MB), cap as configured
    python bench/bench_feed_cap.py --items 50000 --max-items 5000

Each poll runs in a fresh subprocess (a local feed server, a fresh SQLite database, the real
`poll_feeds`), so its peak RSS is its own. The baseline is a 500-item feed polled the same
way in the same run; the table shows time and peak memory, and their ratios to it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bot.config import load_settings
from bot.ingest.poll import poll_feeds
from bot.store import Store
from bot.store.feeds import add_feed
from tests.peers.http import LocalServer, Reply

items, max_items, tmp = int(sys.argv[2]), sys.argv[3], sys.argv[4]
item = "<item><title>t{0}</title><link>http://x.test/{0}</link></item>"
body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>flood</title>'
        + "".join(item.format(i) for i in range(items)) + "</channel></rss>").encode()
env = {"RXRADAR_DATA_DIR": tmp, "RXRADAR_DATABASE_URL": f"sqlite:///{tmp}/rx.db",
       "RXRADAR_HOST_DELAY": "0", "RXRADAR_HTTP_TIMEOUT": "120"}
if max_items:
    env["RXRADAR_MAX_FEED_ITEMS"] = max_items
settings = load_settings(env)
store = Store.open(settings.database_url)
with LocalServer() as server:
    server.route("/flood", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    add_feed(store, server.url("/flood"))
    started = time.perf_counter()
    report = poll_feeds(store, settings.http, settings.sources.poll_interval)
    seconds = time.perf_counter() - started
(result,) = report.results
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"bytes": len(body), "seconds": seconds, "peak_mb": peak,
                  "new": result.new, "skipped": result.skipped, "error": result.error}))
"""


def run(items: int, max_items: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT), str(items), max_items, tmp],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=265_000)
    parser.add_argument("--max-items", default="", help="RXRADAR_MAX_FEED_ITEMS (default: 5000)")
    args = parser.parse_args()
    base = run(500, args.max_items)
    flood = run(args.items, args.max_items)
    print(f"{'feed':<22}{'MB':>7}{'new':>8}{'skipped':>9}{'s':>8}{'peak MB':>9}{'×s':>7}{'×MB':>6}")
    for name, row in (("baseline 500 items", base), (f"{args.items:,} items", flood)):
        seconds, peak = float(str(row["seconds"])), float(str(row["peak_mb"]))
        print(
            f"{name:<22}{int(str(row['bytes'])) / 1e6:>7.1f}{row['new']!s:>8}{row['skipped']!s:>9}"
            f"{seconds:>8.2f}{peak:>9.0f}{seconds / float(str(base['seconds'])):>7.1f}"
            f"{peak / float(str(base['peak_mb'])):>6.1f}"
        )


if __name__ == "__main__":
    main()
