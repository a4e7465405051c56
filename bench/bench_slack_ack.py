"""Benchmark: how fast `rxradar serve` acknowledges Slack slash commands over HTTP.

    python bench/bench_slack_ack.py                        # 1,000 requests, 10 concurrent
    python bench/bench_slack_ack.py --requests 5000 --concurrency 50
    python bench/bench_slack_ack.py --while-sending 10000  # `rxradar run` sending digests

Starts the real server (`python -m bot serve`) in a subprocess on 127.0.0.1 with a fresh
SQLite database and the local Slack Web API fake, then sends signed slash commands (a mix
of help, journals, top, list and subscribe, so the answers' database work after the ack
competes for the CPU as in production) and times each HTTP round trip until the 200.
Prints p50/p99/max next to Slack's 3,000 ms limit, and how many of the slower answers then
arrived through response_url.

With --while-sending N the server is `python -m bot run` instead, with N weekly digests
due (bench_delivery's world: email to a local aiosmtpd sink, Slack to the fake): the
commands are timed while its scheduler sends them in the same process.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.store import Store  # noqa: E402
from bot.store.profiles import upsert_profile  # noqa: E402
from tests.peers.slack_fake import SlackFake  # noqa: E402
from tests.peers.smtp import SmtpPeer  # noqa: E402
from tests.peers.web import signed_headers, slash_body  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
SLACK_LIMIT_MS = 3000.0
COMMANDS = ("help", "journals genome", "top eLife 30", "list", "subscribe eLife weekly")
JOURNALS = ("eLife", "Genome Research", "Genome Biology", "Nucleic Acids Research")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    data: Path, api_url: str, port: int, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RXRADAR_DATA_DIR": str(data),
        "RXRADAR_DATABASE_URL": f"sqlite:///{data / 'bench.db'}",
        "RXRADAR_SLACK_SIGNING_SECRET": SECRET,
        "RXRADAR_SLACK_BOT_TOKEN": TOKEN,
        "RXRADAR_SLACK_API_URL": api_url,
        "RXRADAR_SECRET_KEY": "bench-secret-key-at-least-32-bytes-long",
        **(extra or {}),
    }
    verb = "run" if extra else "serve"
    command = [sys.executable, "-m", "bot", verb, "--port", str(port)]
    return subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("rxradar serve exited; run it by hand to see why")
        try:
            if httpx.get(url, timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("rxradar serve did not answer /healthz within 30 s")


def measure(
    url: str, fake: SlackFake, requests: int, concurrency: int, prefix: str = "r"
) -> list[float]:
    local = threading.local()  # one keep-alive connection per worker, as a proxy would hold

    def one(index: int) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=10)
        text = COMMANDS[index % len(COMMANDS)]
        channel = f"C{index % 50:04d}"
        body = slash_body(text, fake.response_url(f"{prefix}{index}"), channel_id=channel)
        headers = signed_headers(body, SECRET)
        started = time.perf_counter()
        response = local.client.post(url, content=body.encode(), headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"request {index} got HTTP {response.status_code}")
        return elapsed

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(requests)))


def answered(fake: SlackFake, requests: int) -> int:
    lazy = [i for i in range(requests) if COMMANDS[i % len(COMMANDS)] != "help"]
    return sum(1 for i in lazy if fake.responses(f"r{i}"))


def report(latencies: list[float], requests: int, concurrency: int, seconds: float) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rows = [("p50", p50), ("p99", p99), ("max", ordered[-1])]
    print(f"\nSlash-command acknowledgement over HTTP on localhost: {requests} requests, "
          f"{concurrency} concurrent, {requests / seconds:,.0f} requests/s")  # fmt: skip
    print(f"{'':<6}{'latency':>12}{'Slack limit':>14}{'share of limit':>17}")
    for name, value in rows:
        share = value / SLACK_LIMIT_MS * 100
        print(f"{name:<6}{value:>9.1f} ms{SLACK_LIMIT_MS:>11,.0f} ms{share:>16.2f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--while-sending", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SlackFake(TOKEN, min_interval=0) as fake, \
            SmtpPeer() as smtp:  # fmt: skip
        data = Path(tmp)
        fake.team_id = "T0001"
        store = Store.open(f"sqlite:///{data / 'bench.db'}")
        with store.session() as session:
            for name in JOURNALS:
                upsert_profile(session, name)
        store.close()
        extra = sending_world(data, fake, smtp, args.while_sending) if args.while_sending else None
        port = free_port()
        server = start_server(data, fake.url, port, extra)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
            if args.while_sending:
                wait_for_sending(smtp, server)
                before = len(smtp.raw)
            url = f"http://127.0.0.1:{port}/slack/events"
            measure(url, fake, 50, args.concurrency, "warm")  # warm-up: imports, connections
            started = time.perf_counter()
            latencies = measure(url, fake, args.requests, args.concurrency)
            report(latencies, args.requests, args.concurrency, time.perf_counter() - started)
            if args.while_sending:
                print(f"digests emailed while measuring: {len(smtp.raw) - before:,} "
                      f"(of {args.while_sending:,} due)")  # fmt: skip
            deadline = time.monotonic() + 30
            while answered(fake, args.requests) < answered_target(args.requests):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            done, target = answered(fake, args.requests), answered_target(args.requests)
            print(f"answers after the ack, via response_url: {done}/{target}")
        finally:
            server.terminate()
            server.wait(timeout=30)  # `run` finishes its current jobs (up to 15 s)


def sending_world(data: Path, fake: SlackFake, smtp: SmtpPeer, n: int) -> dict[str, str]:
    """N weekly digests due at once, and the environment `rxradar run` needs to send them."""
    from bench_delivery import SLACK_SHARE, seed

    seed(f"sqlite:///{data / 'bench.db'}", n, 40, 2000, datetime.now(UTC), "daily")
    for k in range(SLACK_SHARE, n + 1, SLACK_SHARE):
        fake.add_channel(f"C{k:06d}")
    return {
        **smtp.env(),
        "RXRADAR_FEEDS": "",
        "RXRADAR_BIORXIV_API_URL": "http://127.0.0.1:9/",  # never the real API
        "RXRADAR_CROSSREF_API_URL": "http://127.0.0.1:9/",
        "RXRADAR_SCHEDULER_TICK": "1s",
        "RXRADAR_PUBLIC_URL": "https://rxradar.bench.test",
    }


def wait_for_sending(smtp: SmtpPeer, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while len(smtp.raw) < 20:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("rxradar run sent no digests; run it by hand to see why")
        time.sleep(0.2)


def answered_target(requests: int) -> int:
    return sum(1 for i in range(requests) if COMMANDS[i % len(COMMANDS)] != "help")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
