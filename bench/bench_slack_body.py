"""Benchmark: what an unsigned, chunked (no Content-Length) body costs the server (H1).

    python bench/bench_slack_body.py               # 100 MB
    python bench/bench_slack_body.py --megabytes 20

Serves the real web app with a Bolt app (no Slack connection) under uvicorn in this
process, posts a small unsigned body (the baseline) and then the big one to /slack/events,
and prints the status, time and growth of the process's peak RSS for each.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from slack_bolt import App

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import load_settings
from bot.store import Store
from bot.web.app import create_web_app
from tests.peers.web import UvicornThread


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chunks(megabytes: int) -> Iterator[bytes]:
    chunk = b"x" * 65536
    for _ in range(megabytes * 16):
        yield chunk


def post(url: str, megabytes: int) -> tuple[str, float, float]:
    before, started = peak_mb(), time.perf_counter()
    try:
        status = str(httpx.post(url, content=chunks(megabytes), timeout=300).status_code)
    except httpx.HTTPError as exc:  # the server hung up after answering
        status = type(exc).__name__
    return status, time.perf_counter() - started, peak_mb() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    settings = load_settings({"RXRADAR_DATA_DIR": tmp, "RXRADAR_SECRET_KEY": "k" * 40,
                              "RXRADAR_SLACK_SIGNING_SECRET": "s" * 32})  # fmt: skip
    store = Store.open(f"sqlite:///{tmp}/rx.db")
    bolt = App(signing_secret="s" * 32, token="xoxb-bench", token_verification_enabled=False)
    with UvicornThread(create_web_app(settings, store, bolt)) as server:
        url = server.url("/slack/events")
        rows = [("1 MB unsigned (baseline)", *post(url, 1))]
        rows.append((f"{args.megabytes} MB unsigned", *post(url, args.megabytes)))
    base_seconds = rows[0][2]
    print(f"{'body':<28}{'status':>8}{'s':>8}{'×s':>7}{'+RSS MB':>9}")
    for name, status, seconds, grown in rows:
        print(f"{name:<28}{status:>8}{seconds:>8.2f}{seconds / base_seconds:>7.1f}{grown:>9.0f}")


if __name__ == "__main__":
    main()
