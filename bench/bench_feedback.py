"""Benchmark: does 👍/👎 feedback make simulated subscribers' digests better, and what does
it cost?

    python bench/bench_feedback.py                        # ≥30 subscribers, 8 weeks
    python bench/bench_feedback.py --l2 0.1,0.5,2          # also other ridge strengths
    python bench/bench_feedback.py --tune --l2 0.03,0.1,0.3  # choose on other subscribers
    python bench/bench_feedback.py --tune --grid --l2 0.05,0.1 --category-share 0.3,0.5

Real data: ../shared/data/biorxiv_2013_2016_journal_labels. The journal model is trained
on the dev split's training side (labelled rows with sha256(id) % 5 != 1); the "preprint
stream" is every other row (the dev test side and the unlabelled rows), so no scored
preprint was seen in training. The stream is cut into 8 weekly batches (by a hash of the
id, fixed). A simulated subscriber follows journal J but wants only part of it, of one of
two kinds (the issue's two examples):

- category: the preprints of one bioRxiv subject category C (however it is capitalised);
- topic: the preprints nearest one topic cluster of J. J's training papers (the journal
  model's, never the stream) are clustered by k-means (k = 4) on TF-IDF vectors fitted on
  the training papers only; a stream preprint belongs to the cluster whose centroid is
  nearest (cosine) among J's four, and the subscriber wants those of one cluster.

The feedback's semantic space (`bot.scoring.semantics`) is fitted on the journal model's
training papers, as `rxradar train` fits it (`--no-semantics`: words and categories only, as
for a model trained before there was one).

Every pair (J, C) or (J, cluster) whose plain top-10 digests over the 8 weeks hold between
15% and 60% of what it wants is a subscriber. Each week the digest is J's top 10 of the
week's batch (the best 100 by J's probability are the candidates, as `load_digest`
reads them), built by the real `build_digest`; the subscriber votes on 3 of the 10 items
(chosen at random, fixed seed): 👍 when it wants it, 👎 otherwise.

Prints, week by week, mean precision@10 without and with feedback (over subscribers), the
difference with its standard error, and the share of subscriber-weeks where feedback
made the digest worse, for each kind and both together; then the cost of building one
digest with the week-8 votes against building it without (same candidates, same run).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

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
from bot.scoring.preference import DEFAULT_PARAMS, PreferenceParams, semantic_space
from bot.scoring.semantics import Semantics

DATA = Path(__file__).resolve().parents[2] / "shared/data/biorxiv_2013_2016_journal_labels"
NOW = datetime(2016, 12, 5, 8, tzinfo=UTC)
WEEKS = 8
TOP = 10
POOL = 100  # candidates per digest, as load_digest reads max(100, 10 × top)
RULES = DigestRules(top=TOP, lookback_days=7)
CLUSTERS = 4  # topic clusters per journal
KINDS = ("category", "topic")


@dataclass(frozen=True)
class Subscriber:
    journal: int  # column of the journal model
    name: str
    kind: str  # "category" or "topic"
    label: str  # the category, or "topic N"
    wanted: frozenset[str]  # the stream preprints it wants


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


def _text(paper: Paper) -> str:
    return f"{paper.title} {paper.abstract}"


def topics(
    train: Sequence[Paper], labels: Sequence[str], names: Sequence[str], stream: Sequence[Paper]
) -> list[list[frozenset[str]]]:
    """Per journal, the stream preprints nearest each of its `CLUSTERS` topic clusters:
    k-means on the TF-IDF vectors of the journal's training papers (the vectoriser fitted on
    the training papers only); a stream preprint goes to the nearest centroid (cosine)."""
    vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, max_df=0.5)
    matrix = vectoriser.fit_transform([_text(p) for p in train])
    incoming = vectoriser.transform([_text(p) for p in stream])
    ids = np.array([p.id or "" for p in stream])
    by_journal: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_journal[label].append(i)
    found = []
    for name in names:
        rows = matrix[by_journal[name]]
        k = min(CLUSTERS, rows.shape[0])
        centroids = KMeans(k, n_init=10, random_state=0).fit(rows).cluster_centers_
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        nearest = np.asarray(incoming @ centroids.T).argmax(axis=1)
        found.append([frozenset(ids[nearest == c].tolist()) for c in range(k)])
    return found


def subscribers(
    names: Sequence[str], stream: Sequence[Paper], probabilities: np.ndarray,
    clusters: Sequence[Sequence[frozenset[str]]], lo: float, hi: float,
) -> list[Subscriber]:  # fmt: skip
    # one subject however it is capitalised: bioRxiv's older records spell "Genomics", its
    # newer ones "genomics" (rxradar's ingest lower-cases them; the labelled file does not)
    by_category: dict[str, set[str]] = defaultdict(set)
    for p in stream:
        by_category[(p.category or "").casefold()].add(p.id or "")
    chosen = []
    for column, name in enumerate(names):
        shown = [c for week in weekly_candidates(stream, probabilities, column) for c in week[:TOP]]
        parts = [("category", c, frozenset(by_category[c]))
                 for c in sorted({c.categories[0].casefold() for c in shown})]  # fmt: skip
        parts += [("topic", f"topic {i + 1}", ids) for i, ids in enumerate(clusters[column])]
        for kind, label, wanted in parts:
            share = sum(c.preprint_id in wanted for c in shown) / len(shown)
            if lo <= share <= hi:
                chosen.append(Subscriber(column, name, kind, label, wanted))
    return chosen


def _digest(
    candidates: list[Candidate], votes: Sequence[VotedPreprint], semantics: Semantics | None
) -> Digest:
    profile = ProfileWindow(1, "J")
    return build_digest(1, RULES, [profile], candidates, History(), NOW, "w", 0, votes=votes,
                        semantics=semantics)  # fmt: skip


def _top(ordered: Sequence[Candidate]) -> list[tuple[Candidate, bool]]:
    return [(c, False) for c in ordered[:TOP]]


def shown_ids(
    candidates: list[Candidate], votes: Sequence[VotedPreprint], params: PreferenceParams | None,
    semantics: Semantics | None,
) -> list[str]:  # fmt: skip
    if params is None:  # the real path: build_digest with the default parameters
        return [e.preprint_id for e in _digest(candidates, votes, semantics).entries]
    chosen, _ = feedback.select_with_feedback(votes, candidates, _top, params, semantics=semantics)
    return [c.preprint_id for c, _ in chosen]


def simulate(
    sub: Subscriber, weeks: list[list[Candidate]], rate: int, seed: int,
    params: PreferenceParams | None, semantics: Semantics | None,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """Precision@10 per week without and with feedback."""
    rng = random.Random(f"{seed}:{sub.name}:{sub.label}")
    votes: list[VotedPreprint] = []
    plain, with_feedback = [], []
    for candidates in weeks:
        wanted = {c.preprint_id for c in candidates} & sub.wanted
        by_id = {c.preprint_id: c for c in candidates}
        base = shown_ids(candidates, (), params, semantics)
        ours = shown_ids(candidates, votes, params, semantics)
        plain.append(len(wanted.intersection(base)) / max(len(base), 1))
        with_feedback.append(len(wanted.intersection(ours)) / max(len(ours), 1))
        for pid in rng.sample(ours, min(rate, len(ours))):
            c = by_id[pid]
            value = 1 if pid in wanted else -1
            votes.append(VotedPreprint(pid, value, c.title, c.abstract, c.probability, c.category))
    return plain, with_feedback


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


Run = tuple[list[float], list[float]]  # precision@10 per week without and with feedback


def _se(values: Sequence[float]) -> float:
    return statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0


def _gains(runs: Sequence[Run], week: int | None = None) -> list[float]:
    """Per subscriber the gain of feedback in one week (or its mean over all weeks)."""
    weeks = range(WEEKS) if week is None else [week]
    return [statistics.mean(r[1][w] - r[0][w] for w in weeks) for r in runs]


def report(runs_by_kind: dict[str, list[Run]], label: str) -> None:
    """One block per kind of subscriber and one for both together."""
    blocks = [*runs_by_kind.items(), ("both", [r for rs in runs_by_kind.values() for r in rs])]
    for kind, results in blocks:
        if not results:
            continue
        print(f"\n{label}, {kind} subscribers: {len(results)}, votes on 3 of {TOP} items a week\n")
        print(_row(["week", "P@10 without", "P@10 with", "difference (± s.e.)", "worse weeks"]))
        print(_row(["---"] * 5))
        for week in range(WEEKS):
            diffs = _gains(results, week)
            worse = sum(d < 0 for d in diffs) / len(diffs)
            plain = statistics.mean(r[0][week] for r in results)
            ours = statistics.mean(r[1][week] for r in results)
            gain = f"{statistics.mean(diffs):+.3f} ± {_se(diffs):.3f}"
            print(_row([week + 1, f"{plain:.3f}", f"{ours:.3f}", gain, f"{worse:.0%}"]))
        all_diffs = [o - p for r in results for o, p in zip(r[1], r[0], strict=True)]
        worse = sum(d < 0 for d in all_diffs) / len(all_diffs)
        print(f"\nall weeks: {statistics.mean(all_diffs):+.3f} ± {_se(_gains(results)):.3f}; "
              f"worse in {worse:.0%} of subscriber-weeks")  # fmt: skip


def summary_header() -> None:
    print("\nweek-4 and all weeks' gain per kind, each with its change against the default "
          "setting on the same subscribers (paired, ± s.e.), the mean of the two kinds' "
          "week-4 gains and worse subscriber-weeks (both kinds):\n")  # fmt: skip
    print(_row(["setting", *(f"{k}: {w} (vs default)" for k in KINDS for w in ("week 4", "all")),
                "mean of kinds, week 4", "worse weeks"]))  # fmt: skip
    print(_row(["---"] * (2 * len(KINDS) + 3)))


def summary(runs_by_kind: dict[str, list[Run]], default: dict[str, list[Run]], label: str) -> None:
    """One row for a setting (`--tune`'s grid): enough to choose on without 8-row tables."""
    cells, means = [label], []
    for kind in KINDS:
        for week in (3, None):
            ours, base = _gains(runs_by_kind[kind], week), _gains(default[kind], week)
            paired = [o - b for o, b in zip(ours, base, strict=True)]
            if week is not None:
                means.append(statistics.mean(ours))
            change = f"{statistics.mean(paired):+.3f} ± {_se(paired):.3f}"
            cells.append(f"{statistics.mean(ours):+.3f} ({change})")
    pooled = [r for rs in runs_by_kind.values() for r in rs]
    every = [o - p for r in pooled for o, p in zip(r[1], r[0], strict=True)]
    worse = sum(d < 0 for d in every) / len(every)
    cells += [f"{statistics.mean(means):+.3f}", f"{worse:.0%}"]
    print(_row(cells))


def cost(
    weeks_by_sub: list[list[list[Candidate]]], results_votes: list[list[VotedPreprint]],
    semantics: Semantics | None,
) -> None:  # fmt: skip
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
                _digest(weeks[-1], votes, semantics)
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
    parser.add_argument(
        "--grid", action="store_true", help="compare every combination of the listed values"
    )
    parser.add_argument(
        "--no-semantics", action="store_true",
        help="without the semantic space (a model trained before it): words and categories",
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
    clusters = topics([p for p, _ in pairs], [k for _, k in pairs], model.journals, stream)
    # the feedback's semantic space, as `rxradar train` saves it with the model
    semantics = None if args.no_semantics else semantic_space(p.text for p, _ in pairs)
    subs = subscribers(model.journals, stream, probabilities, clusters, lo, hi)
    counts = ", ".join(f"{sum(s.kind == k for s in subs)} {k}" for k in KINDS)
    print(f"trained on {len(pairs):,} papers ({len(model.journals)} journals), "
          f"stream of {len(stream):,} preprints in {WEEKS} weeks, {len(subs)} subscribers "
          f"({counts}; {time.perf_counter() - started:.0f} s)")  # fmt: skip
    weeks_by_sub = [weekly_candidates(stream, probabilities, s.journal) for s in subs]

    def run(params: PreferenceParams | None) -> dict[str, list[Run]]:
        runs = [simulate(s, w, args.votes_per_week, args.seed, params, semantics)
                for s, w in zip(subs, weeks_by_sub, strict=True)]  # fmt: skip
        return {k: [r for r, s in zip(runs, subs, strict=True) if s.kind == k] for k in KINDS}

    variants = _variants(args)
    if not args.cost_only:
        default = run(None)
        report(default, f"build_digest, default parameters (l2 = {DEFAULT_PARAMS.l2}, "
               f"category_share = {DEFAULT_PARAMS.category_share})")  # fmt: skip
        if variants:
            summary_header()
            summary(default, default, "default")
        for setting in variants:
            params = replace(DEFAULT_PARAMS, **dict(setting))  # type: ignore[arg-type]
            label = ", ".join(f"{name} = {value}" for name, value in setting)
            summary(run(params), default, label)
    final_votes = [_votes_after(s, w, args.votes_per_week, args.seed, semantics) for s, w in
                   zip(subs, weeks_by_sub, strict=True)]  # fmt: skip
    cost(weeks_by_sub, final_votes, semantics)


def _variants(args: argparse.Namespace) -> list[tuple[tuple[str, object], ...]]:
    """The settings to compare: each listed value with the rest default, or with `--grid`
    every combination of the listed values."""
    axes = [[("l2", float(x)) for x in args.l2.split(",") if x]]
    axes += [[("category_share", float(x)) for x in args.category_share.split(",") if x]]
    for spec in args.param:
        name, _, values = spec.partition("=")
        kind = type(getattr(DEFAULT_PARAMS, name))
        axes += [[(name, kind(x)) for x in values.split(",") if x]]
    axes = [a for a in axes if a]
    if args.grid:
        return list(itertools.product(*axes)) if axes else []
    return [(v,) for a in axes for v in a]


def _votes_after(
    sub: Subscriber, weeks: list[list[Candidate]], rate: int, seed: int,
    semantics: Semantics | None,
) -> list[VotedPreprint]:  # fmt: skip
    """The votes a subscriber has given after 7 weeks (what week 8's digest is built with)."""
    rng = random.Random(f"{seed}:{sub.name}:{sub.label}")
    votes: list[VotedPreprint] = []
    for candidates in weeks[:-1]:
        by_id = {c.preprint_id: c for c in candidates}
        shown_ids(candidates, (), None, semantics)
        ours = shown_ids(candidates, votes, None, semantics)
        for pid in rng.sample(ours, min(rate, len(ours))):
            c = by_id[pid]
            value = 1 if pid in sub.wanted else -1
            votes.append(VotedPreprint(pid, value, c.title, c.abstract, c.probability, c.category))
    return votes


if __name__ == "__main__":
    main()
