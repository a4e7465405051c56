"""Benchmark: build and render digests for many subscriptions.

    python bench/bench_digests.py                      # 10,000 subscriptions, 200 journals,
                                                       # 5,000 scored preprints
    python bench/bench_digests.py --subscriptions 1000 --db-sample 100

Prints one table: time per digest for the pure build, the full render (email HTML with
CSS inlining, email text, Slack blocks), and, for comparison, rendering one template (the
email HTML, no inlining) with the same data; then a whole `send-due` on SQLite (claim,
read, build, record; render and hand to a discarding channel, record the attempt).
With `--votes N` (default 21) it also builds every digest as a subscription with N votes
would (a third of them 👍, on preprints of the journals it follows), alternating with the
build without votes so both meet the same load, and prints the ratio: issue 16's cost.
Every subscription has its own vote set, so each build fits its own preference model, as
the weekly build after a vote does. Synthetic data, fixed seed. Each preprint is scored
against its top `--scores-per-preprint`
journals, as the scores table keeps top-K per preprint.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from bot.channels.base import DigestBody, DigestLinks, Message
from bot.channels.email import digest_context, render_email
from bot.channels.slack import digest_posts
from bot.delivery.preparing import first_read
from bot.digest.build import build_digest
from bot.digest.feedback import fit_preference, forget
from bot.records.digest import Candidate, Digest, History, ProfileWindow
from bot.records.feedback import DOWN, UP, VotedPreprint
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.scoring.preference import Fitted, semantic_space
from bot.scoring.semantics import Semantics
from bot.templating import render

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
LINKS = DigestLinks("https://rxradar.example.org/unsubscribe/TOKEN")


@dataclass(frozen=True)
class World:
    profiles: list[ProfileWindow]
    by_profile: dict[int, list[Candidate]]
    rules: list[tuple[int, DigestRules, list[int]]]  # subscription id, its rules, followed


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_world(n_subs: int, n_journals: int, n_preprints: int, per_preprint: int) -> World:
    rng = random.Random(7)
    quantiles = tuple(sorted(rng.betavariate(0.3, 40) for _ in range(101)))
    profiles = [
        ProfileWindow(
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
        rules.append((s, DigestRules(top=10, keywords=keywords), followed))
    return World(profiles, by_profile, rules)


def build_one(
    world: World,
    sub: int,
    rules: DigestRules,
    followed: list[int],
    votes: tuple[VotedPreprint, ...] = (),
    fitted: Fitted | None = None,
    semantics: Semantics | None = None,
) -> Digest:
    profiles = [world.profiles[j - 1] for j in followed]
    candidates = [c for j in followed for c in world.by_profile[j]]
    return build_digest(
        sub, rules, profiles, candidates, History(), NOW, "2026-10-26", 5000, votes, fitted,
        semantics,
    )  # fmt: skip


def make_votes(world: World, n: int) -> dict[int, tuple[VotedPreprint, ...]]:
    """Each subscription's n votes: preprints of the journals it follows, one in three 👍
    (earlier weeks' digests: the votes are on other preprints than this week's top)."""
    rng = random.Random(16)
    votes = {}
    for sub, _, followed in world.rules:
        pool = [c for j in followed for c in world.by_profile[j]]
        voted = rng.sample(pool, min(n, len(pool)))
        votes[sub] = tuple(
            VotedPreprint(
                f"{c.preprint_id}v",  # voted in an earlier week: not among this week's
                UP if k % 3 == 0 else DOWN,
                c.title,
                c.abstract,
                c.probability,
                c.category,
            )
            for k, c in enumerate(voted)
        )
    return votes


def first_reads(world: World) -> World:
    """The world as `send-due` reads it: each journal's best `first_read` candidates (read
    once per run; a digest left short by its filters reads the rest, rarely)."""
    limit = first_read(DigestRules()) or 0
    return replace(world, by_profile={j: cs[:limit] for j, cs in world.by_profile.items()})


def bench_votes(world: World, n: int, rounds: int = 3) -> list[tuple[str, int, float]]:
    """Builds without and with votes, as `send-due` builds them (each journal's first read,
    the adjustment fitted when the votes changed and stored), alternated `rounds` times; the
    fastest round of each (a round slowed by another process is not the build's cost). Also
    what the fit costs once, when a vote changes it."""
    texts = [f"{c.title}. {c.abstract}" for cs in world.by_profile.values() for c in cs]
    space = semantic_space(texts)  # as `rxradar train` fits it on the training papers
    world = first_reads(world)
    votes = make_votes(world, n)
    fits: dict[tuple[int, bool], Fitted | None] = {}
    fitting = {}
    for semantic in (False, True):
        started = time.perf_counter()
        for sub, _, _ in world.rules:
            fits[sub, semantic] = fit_preference(votes[sub], semantics=space if semantic else None)
        fitting[semantic] = time.perf_counter() - started

    def voted_builds(semantic: bool) -> list[Digest]:
        forget()  # every candidate batch from scratch, as after this week's votes
        within = space if semantic else None
        return [build_one(world, *rule, votes[rule[0]], fits[rule[0], semantic], within)
                for rule in world.rules]  # fmt: skip

    plain: list[float] = []
    voted: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        plain.append(_timed("", 0, lambda: [build_one(world, *rule) for rule in world.rules])[2])
        for semantic in (False, True):
            voted[semantic].append(_timed("", 0, partial(voted_builds, semantic))[2])
    count = len(world.rules)
    return [
        ("build as send-due reads, without votes", count, min(plain)),
        (f"build as send-due reads, {n} votes each (words and categories)", count,
         min(voted[False])),
        (f"build as send-due reads, {n} votes each, in the semantic space", count,
         min(voted[True])),
        (f"fit when a vote changes ({n} votes, words and categories)", count, fitting[False]),
        (f"fit when a vote changes ({n} votes, in the semantic space)", count, fitting[True]),
    ]  # fmt: skip


def _message(digest: Digest) -> Message:
    return Message(Target("email", "a@example.org"), DigestBody(digest, LINKS), "<id@x>")


def render_all(digest: Digest) -> int:
    """Both renderings, as delivery makes them; returns the Slack message count."""
    render_email(_message(digest))
    return len(digest_posts(digest))


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
            lambda: digests.extend(build_one(world, s, r, f) for s, r, f in world.rules),
        )
    ]
    rows.append(
        _timed(
            "render all (html+inline, text, slack)",
            len(digests),
            lambda: [render_all(d) for d in digests],
        )
    )
    rows.append(
        _timed(
            "render one template (email html)",
            len(digests),
            lambda: [
                render("email/digest.html.j2", **digest_context(DigestBody(d, LINKS)))
                for d in digests
            ],
        )
    )
    return rows, digests


def bench_store(world: World, sample: int) -> list[tuple[str, int, float]]:
    """send-due on SQLite for `sample` subscriptions: claim + read + build + record, then
    render + hand to a channel that discards (so no SMTP/Slack time is counted)."""
    import io

    from bot.channels.console import ConsoleChannel
    from bot.channels.email import preview_text
    from bot.channels.registry import Registry
    from bot.config import load_settings
    from bot.delivery.preparing import prepare_due
    from bot.delivery.sending import send_pending
    from bot.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _fill(store, world)
        _subscriptions(store, world, sample)
        settings = load_settings(
            {
                "RXRADAR_DATA_DIR": tmp,
                "RXRADAR_SECRET_KEY": "bench-secret-key-at-least-32-bytes-long",
            }
        )
        sink = Registry(
            {"email": lambda: ConsoleChannel(preview_text, io.StringIO(), io.StringIO())}
        )
        rows = [
            _timed(
                "send-due: claim, read, build, record (SQLite)",
                sample,
                lambda: prepare_due(store, settings.public_url, False, NOW),
            ),
            _timed(
                "send-due: render, hand over, record (SQLite)",
                sample,
                lambda: send_pending(store, settings.delivery, settings.links(), sink, NOW),
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
                    "id": sub + 1,
                    "key": f"email:user{sub}@example.org",
                    "kind": "email",
                    "address": f"user{sub}@example.org",
                    "confirmed": True,
                    "created_at": created,
                }
                for sub, r, _ in chosen
            ],
        )
        session.execute(
            insert(Subscription),
            [
                {
                    "id": sub + 1,
                    "subscriber_id": sub + 1,
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
                for sub, r, _ in chosen
            ],
        )
        session.execute(
            insert(SubscriptionProfile),
            [
                {"subscription_id": sub + 1, "profile_id": j}
                for sub, r, followed in chosen
                for j in followed
            ],
        )


def _fill(store: object, world: World) -> None:
    from sqlalchemy import insert

    from bot.records.names import journal_key
    from bot.store.models import PreprintRow
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
            insert(PreprintRow),
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
    parser.add_argument(
        "--votes", type=int, default=21, help="votes per subscription for the cost row (0: none)"
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
    vote_rows = bench_votes(world, args.votes) if args.votes else []
    rows.extend(vote_rows)
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
    print(f"{'step':<66}{'digests':>9}{'total s':>10}{'ms/digest':>11}")
    for label, count, seconds in rows:
        print(f"{label:<66}{count:>9,}{seconds:>10.2f}{1000 * seconds / max(count, 1):>11.3f}")
    if vote_rows:
        (_, _, plain), (_, _, words), (_, _, semantic), *_ = vote_rows
        print(f"with {args.votes} votes / without: {words / plain:.2f}x on words and categories, "
              f"{semantic / plain:.2f}x in the semantic space (goal <= 2x, issue 16)")  # fmt: skip


if __name__ == "__main__":
    main()
