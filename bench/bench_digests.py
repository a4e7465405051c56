"""Benchmark: build and render digests for many subscriptions.

    python bench/bench_digests.py                      # 10,000 subscriptions, 200 journals,
                                                       # 5,000 scored preprints
    python bench/bench_digests.py --subscriptions 1000 --db-sample 100

Prints one table: time per digest for the pure build, the full render (email HTML with
CSS inlining, email text, Slack blocks), the store-backed load + build on SQLite, and,
for comparison, rendering one template (the email HTML, no inlining) with the same data.
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


def bench_store(world: World, sample: int) -> tuple[str, int, float]:
    """load_digest against SQLite: the queries plus the pure build, for `sample` subscriptions."""
    from bot.delivery import RunCache, load_digest
    from bot.digest.cadence import Cadence
    from bot.digest.model import Target
    from bot.store import Store
    from bot.store.subscriptions import Options
    from bot.subscribing import subscribe

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _fill(store, world)
        records = []
        for rules, followed in world.rules[:sample]:
            names = [world.profiles[j - 1].name for j in followed]
            target = Target("email", address=f"user{rules.subscription_id}@example.org")
            options = Options(
                cadence=Cadence("weekly", "mon", "08:00", "UTC"),
                top=rules.top,
                keywords=rules.keywords,
            )
            records.append(
                subscribe(store, target, names, NOW - timedelta(days=10), options=options)
            )
        cache = RunCache()  # as in one send-due run
        row = _timed(
            f"load from SQLite + build ({sample} sampled)",
            len(records),
            lambda: [load_digest(store, r, "2026-10-26", NOW, cache) for r in records],
        )
        store.close()
    return row


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
    parser.add_argument("--db-sample", type=int, default=200, help="0 skips the store run")
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
    if args.db_sample:
        rows.append(bench_store(world, args.db_sample))
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
