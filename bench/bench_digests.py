"""Benchmark: build and render digests for many subscriptions.

    python bench/bench_digests.py                      # 10,000 subscriptions, 200 journals,
                                                       # 5,000 scored preprints
    python bench/bench_digests.py --subscriptions 1000 --db-sample 100

Prints one table: time per digest for the pure build, the full render (email HTML with
CSS inlining, email text, Slack blocks), and, for comparison, rendering one template (the
email HTML, no inlining) with the same data; then a whole `send-due` on SQLite (claim,
read, build, record; render and hand to a discarding channel, record the attempt).
Synthetic data, fixed seed. Each preprint is scored against its top `--scores-per-preprint`
journals, as the scores table keeps top-K per preprint.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.digest.build import build_digest
from bot.digest.model import Candidate, Digest, History, ProfileSummary, Rules
from bot.digest.render import Links, render_digest, render_email_html

NOW = datetime(2026, 10, 26, 8, tzinfo=UTC)
WORDS = [
    "cardiac",
    "mri",
    "segmentation",
    "deep",
    "learning",
    "cohort",
    "genome",
    "single-cell",
    "protein",
    "structure",
    "neuron",
    "cortex",
    "imaging",
    "diffusion",
    "model",
    "transformer",
    "clinical",
    "trial",
    "sepsis",
    "malaria",
    "microbiome",
    "metagenomics",
    "crispr",
    "screen",
    "evolution",
    "population",
    "ecology",
    "climate",
]
LINKS = Links("https://rxradar.example.org/unsubscribe/TOKEN")


@dataclass(frozen=True)
class World:
    profiles: list[ProfileSummary]
    by_profile: dict[int, list[Candidate]]
    rules: list[tuple[Rules, list[int]]]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_world(n_subs: int, n_journals: int, n_preprints: int, per_preprint: int) -> World:
    rng = random.Random(7)
    quantiles = tuple(sorted(rng.betavariate(0.3, 40) for _ in range(101)))
    profiles = [
        ProfileSummary(
            j,
            f"Journal of {_text(rng, 2).title()} {j}",
            "journal",
            rng.randint(20, 900),
            0.0006,
            quantiles,
        )
        for j in range(1, n_journals + 1)
    ]
    by_profile: dict[int, list[Candidate]] = {p.id: [] for p in profiles}
    for i in range(n_preprints):
        posted = (NOW - timedelta(days=rng.randint(0, 6))).date()
        title, abstract = _text(rng, 12).capitalize(), _text(rng, 180)
        authors = tuple(f"Author{k}, {chr(65 + k)}." for k in range(rng.randint(1, 9)))
        for pid in rng.sample(range(1, n_journals + 1), per_preprint):
            by_profile[pid].append(
                Candidate(
                    f"10.1101/{i}",
                    pid,
                    rng.betavariate(0.3, 30),
                    title,
                    abstract,
                    authors,
                    ("bioinformatics",),
                    rng.choice(("bioRxiv", "medRxiv")),
                    posted,
                    posted,
                    f"10.1101/{i}",
                    None,
                )
            )
    for candidates in by_profile.values():
        candidates.sort(key=lambda c: -c.probability)  # the store returns them ordered
    rules = []
    for s in range(n_subs):
        followed = rng.sample(range(1, n_journals + 1), rng.choice((1, 1, 1, 2, 3)))
        keywords = (rng.choice(WORDS),) if s % 5 == 0 else ()
        rules.append((Rules(s, top=10, keywords=keywords), followed))
    return World(profiles, by_profile, rules)


def build_one(world: World, rules: Rules, followed: list[int]) -> Digest:
    profiles = [world.profiles[j - 1] for j in followed]
    candidates = [c for j in followed for c in world.by_profile[j]]
    return build_digest(rules, profiles, candidates, History(), NOW, "2026-10-26", 5000)


def _timed(label: str, count: int, action: Callable[[], object]) -> tuple[str, int, float]:
    started = time.perf_counter()
    action()
    return label, count, time.perf_counter() - started


def bench_pure(world: World) -> tuple[list[tuple[str, int, float]], list[Digest]]:
    digests: list[Digest] = []
    rows = [
        _timed(
            "build (pure)",
            len(world.rules),
            lambda: digests.extend(build_one(world, r, f) for r, f in world.rules),
        )
    ]
    rows.append(
        _timed(
            "render all (html+inline, text, slack)",
            len(digests),
            lambda: [render_digest(d, LINKS) for d in digests],
        )
    )
    rows.append(
        _timed(
            "render one template (email html)",
            len(digests),
            lambda: [render_email_html(d, LINKS) for d in digests],
        )
    )
    return rows, digests


def bench_store(world: World, sample: int) -> list[tuple[str, int, float]]:
    """send-due on SQLite for `sample` subscriptions: claim + read + build + record, then
    render + hand to a channel that discards (so no SMTP/Slack time is counted)."""
    import io

    from bot.channels.console import ConsoleChannel
    from bot.channels.registry import Registry
    from bot.config import load_settings
    from bot.delivery import prepare_due, send_pending
    from bot.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _fill(store, world)
        _subscriptions(store, world, sample)
        settings = load_settings({"RXRADAR_DATA_DIR": tmp, "RXRADAR_SECRET_KEY": "bench"})
        sink = Registry({"email": lambda: ConsoleChannel(io.StringIO())})
        rows = [
            _timed(
                "send-due: claim, read, build, record (SQLite)",
                sample,
                lambda: prepare_due(store, settings, NOW),
            ),
            _timed(
                "send-due: render, hand over, record (SQLite)",
                sample,
                lambda: send_pending(store, settings, sink, NOW),
            ),
        ]
        store.close()
    return rows


def _subscriptions(store: object, world: World, sample: int) -> None:
    from sqlalchemy import insert

    from bot.store.delivery_models import Subscriber, Subscription, SubscriptionProfile

    created = NOW - timedelta(days=10)
    chosen = world.rules[:sample]
    with store.session() as session:  # type: ignore[attr-defined]
        session.execute(
            insert(Subscriber),
            [
                {
                    "id": r.subscription_id + 1,
                    "key": f"email:user{r.subscription_id}@example.org",
                    "kind": "email",
                    "address": f"user{r.subscription_id}@example.org",
                    "confirmed": True,
                    "created_at": created,
                }
                for r, _ in chosen
            ],
        )
        session.execute(
            insert(Subscription),
            [
                {
                    "id": r.subscription_id + 1,
                    "subscriber_id": r.subscription_id + 1,
                    "top": r.top,
                    "keywords": list(r.keywords),
                    "exclude": [],
                    "servers": [],
                    "categories": [],
                    "cadence": "weekly",
                    "day": "mon",
                    "time": "08:00",
                    "tz": "UTC",
                    "lookback_days": 7,
                    "active": True,
                    "owner": "cli",
                    "created_at": created,
                }
                for r, _ in chosen
            ],
        )
        session.execute(
            insert(SubscriptionProfile),
            [
                {"subscription_id": r.subscription_id + 1, "profile_id": j}
                for r, followed in chosen
                for j in followed
            ],
        )


def _fill(store: object, world: World) -> None:
    from sqlalchemy import insert

    from bot.profiles.names import journal_key
    from bot.store.models import Preprint
    from bot.store.profile_models import ModelVersion, Profile, ProfileStats, Score

    preprints: dict[str, Candidate] = {}
    for candidates in world.by_profile.values():
        for c in candidates:
            preprints.setdefault(c.preprint_id, c)
    with store.session() as session:  # type: ignore[attr-defined]
        session.add(ModelVersion(id="bench", path="-", active=True))
        session.execute(
            insert(Profile),
            [
                {"id": p.id, "key": journal_key(p.name), "name": p.name, "kind": "journal"}
                for p in world.profiles
            ],
        )
        session.execute(
            insert(ProfileStats),
            [
                {
                    "profile_id": p.id,
                    "model_version": "bench",
                    "window_days": 90,
                    "window_end": date(2026, 10, 26),
                    "n_preprints": len(preprints),
                    "mean_probability": p.mean_probability,
                    "quantiles": list(p.quantiles),
                    "n_papers": p.n_papers,
                }
                for p in world.profiles
            ],
        )
        session.execute(
            insert(Preprint),
            [
                {
                    "id": c.preprint_id,
                    "doi": c.doi,
                    "title": c.title,
                    "abstract": c.abstract,
                    "authors": list(c.authors),
                    "categories": list(c.categories),
                    "server": c.server,
                    "posted": c.posted,
                    "updated": c.updated,
                    "content_hash": c.preprint_id,
                }
                for c in preprints.values()
            ],
        )
        session.execute(
            insert(Score),
            [
                {
                    "preprint_id": c.preprint_id,
                    "profile_id": c.profile_id,
                    "model_version": "bench",
                    "probability": c.probability,
                    "rank": 1,
                }
                for cs in world.by_profile.values()
                for c in cs
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--journals", type=int, default=200)
    parser.add_argument("--preprints", type=int, default=5_000)
    parser.add_argument("--scores-per-preprint", type=int, default=50)
    parser.add_argument(
        "--db-sample", type=int, default=None, help="subscriptions for send-due (default: all)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    world = make_world(
        args.subscriptions,
        args.journals,
        args.preprints,
        min(args.scores_per_preprint, args.journals),
    )
    setup = time.perf_counter() - started
    rows, digests = bench_pure(world)
    sample = args.subscriptions if args.db_sample is None else args.db_sample
    if sample:
        rows.extend(bench_store(world, sample))
    sizes = [len(d.entries) for d in digests]
    print(
        f"{args.subscriptions:,} subscriptions · {args.journals} journals · "
        f"{args.preprints:,} preprints · {sum(len(c) for c in world.by_profile.values()):,} "
        f"scores · data set-up {setup:.1f}s · entries per digest: median "
        f"{statistics.median(sizes):.0f}, max {max(sizes)}"
    )
    print(f"{'step':<48}{'digests':>9}{'total s':>10}{'ms/digest':>11}")
    for label, count, seconds in rows:
        print(f"{label:<48}{count:>9,}{seconds:>10.2f}{1000 * seconds / max(count, 1):>11.3f}")


if __name__ == "__main__":
    main()
