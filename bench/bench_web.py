"""Benchmark: the public site with 100,000 preprints in the window and 1,500 journals.

    python bench/bench_web.py                           # SQLite, 1,000 requests per row
    python bench/bench_web.py --requests 200 --preprints 20000
    python bench/bench_web.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Fills a database through the real tables (synthetic, fixed seed): 1,500 journals with
window statistics, 100,000 preprints posted in the last 90 days, each scored for its top 20
journals (2,000,000 score rows, as the scorer stores them) plus one followed journal scored
for every preprint. Then serves the real app with uvicorn on 127.0.0.1 and sends each row's
requests one after another over a keep-alive connection. "server" is the time inside the
app (an ASGI wrapper around it), "round trip" what the client waited; p50/p99 over
`--requests` requests, next to /healthz as the baseline of the same run. The journal rows
cycle through 200 journals, so most requests read facets from the cache keyed by data
freshness; the row "facets of the followed journal" is that query alone (a cache miss).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.records.names import journal_key  # noqa: E402
from bot.scoring.stats import QUANTILE_POINTS  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.web.app import create_web_app  # noqa: E402
from bot.web.listing import FACET_DEPTH  # noqa: E402

WORDS = (
    "cardiac mri segmentation deep learning cohort genome single-cell protein structure "
    "neuron cortex imaging diffusion model transformer clinical trial sepsis malaria "
    "microbiome crispr screen evolution population ecology"
).split()
SERVERS = ("biorxiv", "medrxiv", "arxiv")
CATEGORIES = (
    "neuroscience",
    "bioinformatics",
    "genomics",
    "radiology",
    "cell biology",
    "epidemiology",
    "cardiovascular medicine",
    "cs.LG",
)
TOP_K = 20
FOLLOWED = 1  # profile id of the journal scored for every preprint


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def name(j: int) -> str:
    return f"Journal of {WORDS[j % len(WORDS)].title()} {WORDS[j * 7 % len(WORDS)]} {j}"


def slug(j: int) -> str:
    return journal_key(name(j)).replace(" ", "-")


def fill(store: Store, n_journals: int, n_preprints: int, today: date) -> None:
    from sqlalchemy import insert

    from bot.store.models import PreprintRow
    from bot.store.profile_models import ModelVersion, Profile, ProfileStats, Score

    rng = random.Random(14)
    now = datetime.now(UTC)
    quantiles = sorted(rng.betavariate(0.3, 60) for _ in range(QUANTILE_POINTS))
    with store.session() as session:
        session.add(ModelVersion(id="bench", path="-", active=True))
        session.execute(
            insert(Profile),
            [
                {
                    "id": j,
                    "key": journal_key(name(j)),
                    "name": name(j),
                    "kind": "journal",
                    "issns": [],
                }
                for j in range(1, n_journals + 1)
            ],
        )
        session.execute(
            insert(ProfileStats),
            [
                {
                    "profile_id": j,
                    "model_version": "bench",
                    "window_days": 90,
                    "window_end": today,
                    "n_preprints": n_preprints,
                    "mean_probability": 0.0006,
                    "quantiles": quantiles,
                    "n_papers": rng.randint(20, 900),
                }
                for j in range(1, n_journals + 1)
            ],
        )
    for start in range(0, n_preprints, 10_000):
        preprints, scores = [], []
        for i in range(start, min(start + 10_000, n_preprints)):
            pid = f"10.1101/2026.{i:07d}"
            posted = today - timedelta(days=rng.randint(0, 89))
            preprints.append(
                {
                    "id": pid,
                    "version": 1,
                    "doi": pid,
                    "title": _text(rng, 12).capitalize(),
                    "abstract": _text(rng, 150),
                    "authors": [f"Author{k}, A." for k in range(6)],
                    "categories": [rng.choice(CATEGORIES)],
                    "server": rng.choice(SERVERS),
                    "posted": posted,
                    "updated": posted,
                    "url": f"https://www.biorxiv.org/{pid}",
                    "content_hash": "x",
                    "first_seen_at": now,
                    "last_updated_at": now,
                    "extra": {},
                }
            )
            journals = rng.sample(range(2, n_journals + 1), TOP_K)
            for rank, j in enumerate([*journals, FOLLOWED], start=1):
                scores.append(
                    {
                        "preprint_id": pid,
                        "profile_id": j,
                        "model_version": "bench",
                        "probability": rng.betavariate(0.3, 30),
                        "rank": rank,
                        "scored_at": now,
                    }
                )
        with store.session() as session:
            session.execute(insert(PreprintRow), preprints)
            session.execute(insert(Score), scores)


class Timed:
    """ASGI wrapper: puts the app's own time for each request in a Server-Timing header.

    The server runs in its own process (`--serve`), so the client's work never competes
    with it for the interpreter lock; the header carries the time spent inside the app.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={took:.3f}".encode()),
                ]
            await send(message)

        await self.app(scope, receive, timed_send)


def serve(url: str, data_dir: str, port: int) -> None:
    import uvicorn

    settings = load_settings(
        {
            "RXRADAR_DATA_DIR": data_dir,
            "RXRADAR_SECRET_KEY": "bench-secret-key-at-least-32-bytes-long",
            "RXRADAR_DATABASE_URL": url,
        }
    )
    store = Store.open(url)
    uvicorn.run(
        Timed(create_web_app(settings, store)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def measure(
    client: httpx.Client,
    urls: Callable[[int], str],
    n: int,
    headers: Callable[[int], dict[str, str]] | None = None,
) -> tuple[float, ...]:
    inside, trips, statuses = [], [], set()
    for i in range(n):
        started = time.perf_counter()
        response = client.get(urls(i), headers=headers(i) if headers else None)
        trips.append(time.perf_counter() - started)
        statuses.add(response.status_code)
        inside.append(float(response.headers["server-timing"].split("dur=")[1]) / 1000)
    assert statuses <= {200, 304}, statuses
    return (*_percentiles(inside), *_percentiles(trips), max(inside) * 1000)


def _filled(store: Store) -> bool:
    from bot.store.profile_models import ModelVersion

    with store.session() as session:
        return session.get(ModelVersion, "bench") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the bench server exited")
        try:
            client.get("/healthz")
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the bench server did not start")


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--preprints", type=int, default=100_000)
    parser.add_argument("--journals", type=int, default=1500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url)
        started = time.perf_counter()
        if _filled(store):  # a --database-url filled by an earlier run: reuse it
            print("reusing the data already in the database", file=sys.stderr)
        else:
            fill(store, args.journals, args.preprints, today)
        print(
            f"filled {args.preprints:,} preprints × {args.journals:,} journals "
            f"({args.preprints * (TOP_K + 1):,} scores) in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        port = _free_port()
        command = [sys.executable, __file__, "--serve", url, tmp, str(port)]
        server = subprocess.Popen(command, cwd=ROOT)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                _wait(client, server)
                rows = _rows(client, args.requests, args.journals, store, today)
        finally:
            server.terminate()
            server.wait(timeout=20)
        store.close()
    _print(rows, args)


def _rows(
    client: httpx.Client, n: int, n_journals: int, store: Store, today: date
) -> list[tuple[str, tuple[float, ...]]]:
    slugs = [slug(j) for j in range(1, min(n_journals, 200) + 1)]
    typical, followed = slugs[1:], slugs[0]
    page = f"/journals/{followed}"
    etag = client.get(page).headers["etag"]
    api = f"/api/journals/{followed}/preprints?limit=20"
    api_etag = client.get(api).headers["etag"]
    for s in typical:  # the first request of each journal computes its facets
        client.get(f"/journals/{s}")
    rows = [
        ("/healthz (baseline)", measure(client, lambda i: "/healthz", n)),
        (
            "journal page, 199 journals in turn (~1,300 preprints each)",
            measure(client, lambda i: f"/journals/{typical[i % len(typical)]}", n),
        ),
        ("journal page, followed journal (100,000 preprints)", measure(client, lambda i: page, n)),
        (
            "journal page, followed, filtered (server + category)",
            measure(client, lambda i: f"{page}?server=medrxiv&category=genomics", n),
        ),
        ("journal page, followed, page 50", measure(client, lambda i: f"{page}?page=50", n)),
        (
            "journal page, 304 (If-None-Match)",
            measure(client, lambda i: page, n, lambda i: {"If-None-Match": etag}),
        ),
        ("API preprints, followed journal", measure(client, lambda i: api, n)),
        (
            "API preprints, 199 journals in turn, server filter",
            measure(
                client,
                lambda i: f"/api/journals/{typical[i % len(typical)]}/preprints?server=biorxiv",
                n,
            ),
        ),
        (
            "API preprints, 304",
            measure(client, lambda i: api, n, lambda i: {"If-None-Match": api_etag}),
        ),
        (
            "API journal search (?q=)",
            measure(client, lambda i: f"/api/journals?q={WORDS[i % len(WORDS)]}+{i % 1500}", n),
        ),
        ("RSS feed, followed journal (50 items)", measure(client, lambda i: f"{page}/feed.rss", n)),
    ]
    label = "facets of the followed journal (best 5,000; query alone, cache miss)"
    rows.append((label, _facets(store, today)))
    return rows


def _facets(store: Store, today: date) -> tuple[float, ...]:
    from bot.store.site_queries import window_facets

    seconds = []
    for _ in range(20):
        started = time.perf_counter()
        with store.session() as session:
            window_facets(session, FOLLOWED, today - timedelta(days=90), FACET_DEPTH)
        seconds.append(time.perf_counter() - started)
    p50, p99 = _percentiles(seconds)
    return p50, p99, float("nan"), float("nan"), max(seconds) * 1000


def _print(rows: list[tuple[str, tuple[float, ...]]], args: argparse.Namespace) -> None:
    base = rows[0][1][0]
    print(
        f"\n{args.requests:,} requests per row; {args.preprints:,} preprints, {args.journals:,} "
        "journals; times in ms\n"
    )
    print(
        "| request | server p50 | server p99 | round trip p50 | round trip p99 | max "
        "| p50 vs /healthz |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, (p50, p99, rt50, rt99, top) in rows:
        trip = "–" if rt50 != rt50 else f"{rt50:.1f}"
        trip99 = "–" if rt99 != rt99 else f"{rt99:.1f}"
        ratio = f"{p50 / base:.1f}×"
        print(f"| {label} | {p50:.1f} | {p99:.1f} | {trip} | {trip99} | {top:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
