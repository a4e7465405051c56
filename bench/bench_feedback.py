"""Benchmark: does 👍/👎 feedback make simulated subscribers' digests better, and what does
it cost?

    python bench/bench_feedback.py                        # ≥30 subscribers, 8 weeks
    python bench/bench_feedback.py --l2 0.1,0.5,2          # also other ridge strengths
    python bench/bench_feedback.py --tune --l2 0.03,0.1,0.3  # choose on other subscribers

Real data: ../shared/data/biorxiv_2013_2016_journal_labels. The journal model is trained
on the dev split's training side (labelled rows with sha256(id) % 5 != 1); the "preprint
stream" is every other row (the dev test side and the unlabelled rows), so no scored
preprint was seen in training. The stream is cut into 8 weekly batches (by a hash of the
id, fixed). A simulated subscriber follows journal J but wants only the preprints of one
bioRxiv subject category C; every (J, C) pair whose plain top-10 digests over the 8 weeks
hold between 15% and 60% of C is a subscriber. Each week the digest is J's top 10 of the
week's batch (the best 100 by J's probability are the candidates, as `load_digest`
reads them), built by the real `build_digest`; the subscriber votes on 3 of the 10 items
(chosen at random, fixed seed): 👍 when it wants it, 👎 otherwise.

Prints, week by week, mean precision@10 without and with feedback (over subscribers), the
difference with its standard error, and the share of subscriber-weeks where feedback
made the digest worse; then the cost of building one digest with the week-8 votes against
building it without (same candidates, same run).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.digest import feedback
from bot.digest.build import build_digest
from bot.profiles.files import read_papers
from bot.records.digest import Candidate, Digest, History, ProfileWindow
from bot.records.feedback import VotedPreprint
from bot.records.names import journal_key
from bot.records.paper import Paper
from bot.records.rules import DigestRules
from bot.scoring.evaluate import is_dev_test
from bot.scoring.model import train_model
from bot.scoring.preference import DEFAULT_PARAMS, PreferenceParams

DATA = Path(__file__).resolve().parents[2] / "shared/data/biorxiv_2013_2016_journal_labels"
NOW = datetime(2016, 12, 5, 8, tzinfo=UTC)
WEEKS = 8
TOP = 10
POOL = 100  # candidates per digest, as load_digest reads max(100, 10 × top)
RULES = DigestRules(top=TOP, lookback_days=7)


@dataclass(frozen=True)
class Subscriber:
    journal: int  # column of the journal model
    name: str
    category: str


def _week(paper: Paper) -> int:
    return int(hashlib.sha256((paper.id or "").encode()).hexdigest(), 16) % WEEKS


def load(path: Path, tune: bool = False) -> tuple[list[Paper], list[Paper]]:
    """The journal model's training papers and the preprint stream. With `tune`, both from
    the training side only (its halves by another hash of the id): simulated subscribers
    disjoint from the reported ones, to choose settings on."""
    papers = list(read_papers(path / "preprints.jsonl.gz", skip_bad_rows=True))
    train = [p for p in papers if p.journal and not is_dev_test(p.id or "")]
    if tune:
        halves: list[list[Paper]] = [[], []]
        for p in train:
            halves[int(hashlib.sha256(f"tune:{p.id}".encode()).hexdigest(), 16) % 2].append(p)
        return halves[0], [p for p in halves[1] if p.category]
    stream = [p for p in papers if not (p.journal and not is_dev_test(p.id or "")) and p.category]
    return train, stream


def _candidate(paper: Paper, probability: float) -> Candidate:
    return Candidate(
        preprint_id=paper.id or "", profile_id=1, probability=probability, title=paper.title,
        abstract=paper.abstract, authors=(), categories=(paper.category or "",),
        server="bioRxiv", posted=NOW.date(), updated=NOW.date(),
    )  # fmt: skip


def weekly_candidates(
    stream: Sequence[Paper], probabilities: np.ndarray, column: int
) -> list[list[Candidate]]:
    weeks: list[list[Candidate]] = [[] for _ in range(WEEKS)]
    for paper, row in zip(stream, probabilities, strict=True):
        weeks[_week(paper)].append(_candidate(paper, float(row[column])))
    return [sorted(w, key=lambda c: c.probability, reverse=True)[:POOL] for w in weeks]


def subscribers(
    names: Sequence[str], stream: Sequence[Paper], probabilities: np.ndarray, lo: float, hi: float
) -> list[Subscriber]:
    chosen = []
    for column, name in enumerate(names):
        shown = [c for week in weekly_candidates(stream, probabilities, column) for c in week[:TOP]]
        counts: dict[str, int] = defaultdict(int)
        for c in shown:
            counts[c.categories[0]] += 1
        for category, n in sorted(counts.items()):
            if lo <= n / len(shown) <= hi:
                chosen.append(Subscriber(column, name, category))
    return chosen


def _digest(candidates: list[Candidate], votes: Sequence[VotedPreprint]) -> Digest:
    profile = ProfileWindow(1, "J")
    return build_digest(1, RULES, [profile], candidates, History(), NOW, "w", 0, votes=votes)


def _top(ordered: Sequence[Candidate]) -> list[tuple[Candidate, bool]]:
    return [(c, False) for c in ordered[:TOP]]


def shown_ids(
    candidates: list[Candidate], votes: Sequence[VotedPreprint], params: PreferenceParams | None
) -> list[str]:
    if params is None:  # the real path: build_digest with the default parameters
        return [e.preprint_id for e in _digest(candidates, votes).entries]
    chosen, _ = feedback.select_with_feedback(votes, candidates, _top, params)
    return [c.preprint_id for c, _ in chosen]


def simulate(
    sub: Subscriber, weeks: list[list[Candidate]], rate: int, seed: int,
    params: PreferenceParams | None,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """Precision@10 per week without and with feedback."""
    rng = random.Random(f"{seed}:{sub.name}:{sub.category}")
    votes: list[VotedPreprint] = []
    plain, with_feedback = [], []
    for candidates in weeks:
        wanted = {c.preprint_id for c in candidates if c.categories[0] == sub.category}
        by_id = {c.preprint_id: c for c in candidates}
        base = shown_ids(candidates, (), params)
        ours = shown_ids(candidates, votes, params)
        plain.append(len(wanted.intersection(base)) / max(len(base), 1))
        with_feedback.append(len(wanted.intersection(ours)) / max(len(ours), 1))
        for pid in rng.sample(ours, min(rate, len(ours))):
            c = by_id[pid]
            value = 1 if pid in wanted else -1
            votes.append(VotedPreprint(pid, value, c.title, c.abstract, c.probability, c.category))
    return plain, with_feedback


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def report(results: list[tuple[list[float], list[float]]], label: str) -> None:
    print(f"\n{label}: {len(results)} subscribers, votes on 3 of {TOP} items a week\n")
    print(_row(["week", "P@10 without", "P@10 with", "difference (± s.e.)", "worse weeks"]))
    print(_row(["---"] * 5))
    for week in range(WEEKS):
        plain = [r[0][week] for r in results]
        ours = [r[1][week] for r in results]
        diffs = [o - p for o, p in zip(ours, plain, strict=True)]
        se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
        worse = sum(d < 0 for d in diffs) / len(diffs)
        print(_row([week + 1, f"{statistics.mean(plain):.3f}", f"{statistics.mean(ours):.3f}",
                    f"{statistics.mean(diffs):+.3f} ± {se:.3f}", f"{worse:.0%}"]))  # fmt: skip
    all_diffs = [o - p for r in results for o, p in zip(r[1], r[0], strict=True)]
    worse = sum(d < 0 for d in all_diffs) / len(all_diffs)
    print(
        f"\nall weeks: {statistics.mean(all_diffs):+.3f}; worse in {worse:.0%} of subscriber-weeks"
    )


def cost(
    weeks_by_sub: list[list[list[Candidate]]], results_votes: list[list[VotedPreprint]]
) -> None:
    """Build time of one digest with vs without votes (same candidates, same run): per
    digest the fastest of 5 builds (a build preempted by another process is not its cost),
    averaged over subscribers. With votes three times: the first build after the votes
    changed with nothing memoised (the model is fitted, the candidates stacked), the same
    when another subscriber of the journal had the candidates stacked already, and a build
    again with the same votes (the fit and the candidate batch memoised)."""

    def timed(votes_of: Sequence[Sequence[VotedPreprint]], fresh: str = "") -> float:
        best = [float("inf")] * len(weeks_by_sub)
        for _ in range(5):
            for i, (weeks, votes) in enumerate(zip(weeks_by_sub, votes_of, strict=True)):
                if fresh:
                    feedback.forget(batches=fresh == "all")
                started = time.perf_counter()
                _digest(weeks[-1], votes)
                best[i] = min(best[i], time.perf_counter() - started)
        return statistics.mean(best)

    none: list[Sequence[VotedPreprint]] = [()] * len(weeks_by_sub)
    timed(none)  # warm the caches every variant shares (each preprint's vector)
    timed(results_votes)
    without = timed(none)
    rows = [
        ("first build after they changed, nothing memoised", timed(results_votes, "all")),
        ("first build after they changed, the candidates stacked already (another "
         "subscriber of the journal)", timed(results_votes, "fits")),
        ("built again (fit and candidates memoised)", timed(results_votes)),
    ]  # fmt: skip
    n_votes = statistics.mean(len(v) for v in results_votes)
    print(f"\ncost of building one digest ({POOL} candidates, fastest of 5 per digest):\n")
    print(_row(["build", "per digest", "ratio"]))
    print(_row(["---"] * 3))
    print(_row(["without votes (today)", f"{without * 1e3:.2f} ms", "1.00×"]))
    for label, took in rows:
        print(_row([f"with {n_votes:.0f} votes, {label}", f"{took * 1e3:.2f} ms",
                    f"{took / without:.2f}×"]))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--votes-per-week", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--l2", default="", help="comma-separated ridge strengths to compare")
    parser.add_argument("--category-share", default="", help="comma-separated shares to compare")
    parser.add_argument(
        "--param", action="append", default=[],
        help="NAME=V1,V2: any other PreferenceParams field to compare (repeatable)",
    )  # fmt: skip
    parser.add_argument("--share", default="0.15,0.6", help="wanted share of plain digests")
    parser.add_argument(
        "--cost-only", action="store_true", help="skip the precision tables (the cost in ~1 min)"
    )
    parser.add_argument(
        "--tune", action="store_true",
        help="subscribers from the training side only (half trains the journal model, the "
        "other half is the stream): disjoint from the reported ones, to choose settings on",
    )  # fmt: skip
    args = parser.parse_args()
    lo, hi = (float(x) for x in args.share.split(","))
    started = time.perf_counter()
    train, stream = load(args.data, args.tune)
    labels = [journal_key(p.journal or "") for p in train]
    keep = {k for k in set(labels) if labels.count(k) >= 10}
    pairs = [(p, k) for p, k in zip(train, labels, strict=True) if k in keep]
    model = train_model([p for p, _ in pairs], [k for _, k in pairs])
    probabilities = model.predict_proba(stream)
    subs = subscribers(model.journals, stream, probabilities, lo, hi)
    print(f"trained on {len(pairs):,} papers ({len(model.journals)} journals), "
          f"stream of {len(stream):,} preprints in {WEEKS} weeks, {len(subs)} subscribers "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    weeks_by_sub = [weekly_candidates(stream, probabilities, s.journal) for s in subs]
    if not args.cost_only:
        runs = [simulate(s, w, args.votes_per_week, args.seed, None)
                for s, w in zip(subs, weeks_by_sub, strict=True)]  # fmt: skip
        report(runs, f"build_digest, default parameters (l2 = {DEFAULT_PARAMS.l2})")
    variants = [("l2", float(x)) for x in args.l2.split(",") if x]
    variants += [("category_share", float(x)) for x in args.category_share.split(",") if x]
    for spec in args.param:
        name, _, values = spec.partition("=")
        kind = type(getattr(DEFAULT_PARAMS, name))
        variants += [(name, kind(x)) for x in values.split(",") if x]
    variants = [] if args.cost_only else variants
    for name, value in variants:
        params = replace(DEFAULT_PARAMS, **{name: value})  # type: ignore[arg-type]
        runs_variant = [simulate(s, w, args.votes_per_week, args.seed, params)
                        for s, w in zip(subs, weeks_by_sub, strict=True)]  # fmt: skip
        report(runs_variant, f"{name} = {value} (the rest default)")
    final_votes = [_votes_after(s, w, args.votes_per_week, args.seed) for s, w in
                   zip(subs, weeks_by_sub, strict=True)]  # fmt: skip
    cost(weeks_by_sub, final_votes)


def _votes_after(
    sub: Subscriber, weeks: list[list[Candidate]], rate: int, seed: int
) -> list[VotedPreprint]:
    """The votes a subscriber has given after 7 weeks (what week 8's digest is built with)."""
    rng = random.Random(f"{seed}:{sub.name}:{sub.category}")
    votes: list[VotedPreprint] = []
    for candidates in weeks[:-1]:
        by_id = {c.preprint_id: c for c in candidates}
        shown_ids(candidates, (), None)
        ours = shown_ids(candidates, votes, None)
        for pid in rng.sample(ours, min(rate, len(ours))):
            c = by_id[pid]
            value = 1 if c.categories[0] == sub.category else -1
            votes.append(VotedPreprint(pid, value, c.title, c.abstract, c.probability, c.category))
    return votes


if __name__ == "__main__":
    main()
