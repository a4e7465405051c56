"""Replay: does learning from outcomes help? A walk forward through real bioRxiv 2013–2016.

    python bench/bench_replay.py                 # every 4 weeks a gated retraining
    python bench/bench_replay.py --every-weeks 2 --json replay.json

Data: ../shared/data/biorxiv_2013_2016_journal_labels (posted dates; the journal each
preprint was published in and, for most, when). A label becomes known on its *reveal
day*: max(posted, published), because a preprint posted after its article appeared is
only known as published once posted. Labelled rows without a publication date get the
median posting→publication delay of their journal (≥ 5 dated papers), else of all papers.

Walk forward week by week from the first week at which `--start-journals` journals have
`--min-papers` revealed papers. Each week, every method scores that week's preprints
(labelled or not) with what it knew before the week; each evaluated journal's top 10 of
the week are "sent", and a hit is a sent preprint that was (eventually) published there.
Evaluated journals: those with ≥ 10 labelled papers in the whole file (the ones people
would subscribe to); a method that does not know a journal yet sends it nothing useful
(0 hits). MRR: each labelled preprint of an evaluated journal, 1/rank of its journal (0
when the method does not know it). Per quarter, for:
  frozen     the model trained at the start, never changed
  gated      retrained every `--every-weeks` on what was revealed, activated only if the
             gate (bot.scoring.params.GateParams; newest 15% held out) lets it through
  ungated    retrained the same way on everything revealed, always activated
  prior      journal frequencies of what was revealed (ranks every preprint the same:
             its expected precision is the journal's share of the week)
  knn        TF-IDF kNN (k=50) over what was revealed, refitted with the retraining
"ceiling" is the best any method could send: min(10, published-there) per digest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from bot.matching.gate import figures, passes, split_holdout
from bot.profiles.files import read_papers
from bot.records.names import journal_key
from bot.records.paper import Paper
from bot.scoring.baselines import knn_probabilities
from bot.scoring.model import JournalModel, ModelParams, train_model
from bot.scoring.params import GateParams

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = SHARED / "biorxiv_2013_2016_journal_labels" / "preprints.jsonl.gz"
TOP = 10
EVAL_MIN_PAPERS = 10
METHODS = ("frozen", "gated", "ungated", "prior", "knn")
err = Console(stderr=True)
out = Console(width=150)


@dataclass(frozen=True)
class Row:
    paper: Paper
    posted: date
    label: str | None  # journal key
    revealed: date | None  # when the label became known


@dataclass
class Tally:
    hits: float = 0.0
    slots: int = 0
    reciprocal: float = 0.0
    ranked: int = 0

    def precision(self) -> float:
        return self.hits / self.slots if self.slots else 0.0

    def mrr(self) -> float:
        return self.reciprocal / self.ranked if self.ranked else 0.0


@dataclass
class Substitutions:
    dated: int = 0
    by_journal: int = 0
    by_all: int = 0
    median_days: float = 0.0
    negative_delays: int = 0  # published before posted: revealed on the posting day


@dataclass
class Model:
    """What one method knows at a moment: journal keys and a way to score rows."""

    journals: list[str]
    score: Callable[[Sequence[Paper]], np.ndarray]


@dataclass
class State:
    models: dict[str, Model] = field(default_factory=dict)
    active: JournalModel | None = None
    gate_log: list[dict[str, Any]] = field(default_factory=list)


def _date(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return None


def load_rows(path: Path) -> tuple[list[Row], Substitutions]:
    papers = [p for p in read_papers(path, skip_bad_rows=True) if p.posted_date]
    delays: dict[str, list[int]] = defaultdict(list)
    for p in papers:
        published = _date(p.extra.get("published_date"))
        if p.journal and published and p.posted_date:
            delays[journal_key(p.journal)].append((published - p.posted_date).days)
    everyone = [d for ds in delays.values() for d in ds]
    subs = Substitutions(median_days=statistics.median(everyone))
    subs.negative_delays = sum(1 for d in everyone if d < 0)
    rows = []
    for p in papers:
        assert p.posted_date is not None
        label = journal_key(p.journal) if p.journal else None
        revealed = None
        if label:
            published = _date(p.extra.get("published_date"))
            if published is not None:
                subs.dated += 1
            elif len(delays.get(label, [])) >= 5:
                published = p.posted_date + timedelta(days=statistics.median(delays[label]))
                subs.by_journal += 1
            else:
                published = p.posted_date + timedelta(days=subs.median_days)
                subs.by_all += 1
            revealed = max(published, p.posted_date)
        rows.append(Row(p, p.posted_date, label, revealed))
    return rows, subs


def _dated(row: Row) -> Paper:
    """The paper as a published pair: the gate's hold-out reads the reveal day."""
    assert row.revealed is not None
    extra = {"published_date": row.revealed.isoformat()}
    paper = row.paper
    return Paper(paper.title, paper.abstract, paper.journal, paper.id, category=paper.category,
                 extra=extra)  # fmt: skip


def known(rows: Sequence[Row], before: date, min_papers: int) -> tuple[list[Paper], list[str]]:
    pairs = [(r, r.label) for r in rows if r.label and r.revealed and r.revealed < before]
    counts = Counter(label for _, label in pairs)
    kept = [(r, label) for r, label in pairs if counts[label] >= min_papers]
    return [_dated(r) for r, _ in kept], [label for _, label in kept]


def _model(m: JournalModel) -> Model:
    return Model(list(m.journals), m.predict_proba)


def _prior(labels: Sequence[str]) -> Model:
    journals = sorted(set(labels))
    counts = Counter(labels)
    shares = np.array([counts[j] for j in journals], dtype=float) / len(labels)
    return Model(journals, lambda papers: np.tile(shares, (len(papers), 1)))


def _knn(papers: Sequence[Paper], labels: Sequence[str]) -> Model:
    journals = sorted(set(labels))
    index = {j: i for i, j in enumerate(journals)}
    y = np.array([index[label] for label in labels])
    texts = [p.text for p in papers]
    return Model(
        journals,
        lambda batch: knn_probabilities(texts, y, [p.text for p in batch], len(journals), k=50),
    )


def _train(papers: list[Paper], labels: list[str], params: ModelParams) -> JournalModel:
    return train_model(papers, labels, params)


def retrain(state: State, rows: Sequence[Row], day: date, args: argparse.Namespace) -> None:
    """What the weekly job would do on `day`: gated candidate, plus the comparisons."""
    params, gate = ModelParams(), GateParams()
    papers, labels = known(rows, day, args.min_papers)
    train_idx, held_idx = split_holdout(papers, gate)
    candidate = _train([papers[i] for i in train_idx], [labels[i] for i in train_idx], params)
    held = [papers[i] for i in held_idx], [labels[i] for i in held_idx]
    assert state.active is not None
    cand, act = figures(candidate, *held), figures(state.active, *held)
    ok, reason = (passes(cand, act, gate) if len(held_idx) >= gate.min_holdout
                  else (False, f"only {len(held_idx)} held-out pairs"))  # fmt: skip
    if ok:
        state.active = candidate
        state.models["gated"] = _model(candidate)
    state.gate_log.append({"day": day.isoformat(), "activated": ok, "reason": reason,
                           "candidate": cand.to_json(), "active": act.to_json()})  # fmt: skip
    state.models["ungated"] = _model(_train(papers, labels, params))
    state.models["prior"] = _prior(labels)
    state.models["knn"] = _knn(papers, labels)


def start_day(rows: Sequence[Row], args: argparse.Namespace) -> date:
    day = min(r.posted for r in rows)
    day -= timedelta(days=day.weekday())
    last = max(r.posted for r in rows)
    while day <= last:
        _, labels = known(rows, day, args.min_papers)
        if len(set(labels)) >= args.start_journals:
            return day
        day += timedelta(days=7)
    raise SystemExit("never enough revealed journals; lower --start-journals")


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def score_week(week: list[Row], model: Model, evaluated: list[str], tally: Tally) -> None:
    probabilities = model.score([r.paper for r in week])
    column = {j: i for i, j in enumerate(model.journals)}
    slots = min(TOP, len(week))
    for journal in evaluated:
        tally.slots += slots
        j = column.get(journal)
        if j is None:
            continue
        published = np.array([r.label == journal for r in week])
        if np.ptp(probabilities[:, j]) == 0:  # every preprint tied (the prior): expectation
            tally.hits += slots * published.mean()
        else:
            top = np.argsort(-probabilities[:, j], kind="stable")[:slots]
            tally.hits += float(published[top].sum())
    for i, row in enumerate(week):
        if row.label in evaluated:
            tally.ranked += 1
            j = column.get(row.label)
            if j is not None:
                tally.reciprocal += 1.0 / int((probabilities[i] >= probabilities[i, j]).sum())


def ceiling(week: list[Row], evaluated: list[str], tally: Tally) -> None:
    counts = Counter(r.label for r in week)
    for journal in evaluated:
        tally.slots += min(TOP, len(week))
        tally.hits += min(TOP, len(week), counts[journal])


def replay(args: argparse.Namespace) -> dict[str, Any]:
    rows, subs = load_rows(args.data)
    labels_all = Counter(r.label for r in rows if r.label)
    evaluated = sorted(j for j, n in labels_all.items() if n >= EVAL_MIN_PAPERS)
    first = start_day(rows, args)
    err.print(f"replay from {first}: {len(rows):,} preprints, {len(evaluated)} journals")
    papers, labels = known(rows, first, args.min_papers)
    initial = _train(papers, labels, ModelParams())
    state = State(active=initial)
    state.models = {"frozen": _model(initial), "gated": _model(initial),
                    "ungated": _model(initial), "prior": _prior(labels),
                    "knn": _knn(papers, labels)}  # fmt: skip
    by_week: dict[date, list[Row]] = defaultdict(list)
    for r in rows:
        by_week[r.posted - timedelta(days=r.posted.weekday())].append(r)
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    started, day, n_weeks = time.perf_counter(), first, 0
    while day <= max(by_week):
        if n_weeks and n_weeks % args.every_weeks == 0:
            retrain(state, rows, day, args)
        for name in METHODS:
            score_week(
                by_week.get(day, []), state.models[name], evaluated, tallies[quarter(day)][name]
            )
        ceiling(by_week.get(day, []), evaluated, tallies[quarter(day)]["ceiling"])
        day, n_weeks = day + timedelta(days=7), n_weeks + 1
    return {
        "start": first.isoformat(), "weeks": n_weeks, "journals": len(evaluated),
        "every_weeks": args.every_weeks, "seconds": round(time.perf_counter() - started, 1),
        "substitutions": subs.__dict__, "gate": state.gate_log,
        "quarters": {q: {m: {"precision@10": round(t.precision(), 4), "mrr": round(t.mrr(), 4),
                             "n_ranked": t.ranked} for m, t in per.items()}
                     for q, per in sorted(tallies.items())},
        "overall": {m: _overall(tallies, m) for m in (*METHODS, "ceiling")},
    }  # fmt: skip


def _overall(tallies: dict[str, dict[str, Tally]], method: str) -> dict[str, float]:
    total = Tally()
    for per in tallies.values():
        t = per[method]
        total.hits, total.slots = total.hits + t.hits, total.slots + t.slots
        total.reciprocal, total.ranked = total.reciprocal + t.reciprocal, total.ranked + t.ranked
    return {"precision@10": round(total.precision(), 4), "mrr": round(total.mrr(), 4)}


def print_table(result: dict[str, Any]) -> None:
    title = (
        f"replay from {result['start']}, {result['weeks']} weeks, {result['journals']} "
        f"journals, retrain every {result['every_weeks']} weeks, {result['seconds']} s"
    )
    table = Table(title=title)
    table.add_column("quarter")
    table.add_column("n")
    for m in METHODS:
        table.add_column(f"{m} P@10 / MRR")
    table.add_column("ceiling P@10")
    for q, per in {**result["quarters"], "all": result["overall"]}.items():
        n = str(per.get("frozen", {}).get("n_ranked", ""))
        cells = [f"{per[m]['precision@10']:.3f} / {per[m]['mrr']:.3f}" for m in METHODS]
        table.add_row(q, n, *cells, f"{per['ceiling']['precision@10']:.3f}")
    out.print(table)
    last = list(result["quarters"].values())[-1]
    for scope, per in (("last quarter", last), ("whole replay", result["overall"])):
        f, g = per["frozen"], per["gated"]
        out.print(
            f"{scope}: gated vs frozen  P@10 {g['precision@10']:.3f} vs {f['precision@10']:.3f} "
            f"(×{g['precision@10'] / max(f['precision@10'], 1e-9):.2f}),  MRR {g['mrr']:.3f} vs "
            f"{f['mrr']:.3f} (×{g['mrr'] / max(f['mrr'], 1e-9):.2f})"
        )
    gates = result["gate"]
    out.print(f"gate: {sum(g['activated'] for g in gates)} of {len(gates)} candidates "
                    f"activated; substitutions {result['substitutions']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--every-weeks", type=int, default=4, help="retraining cadence")
    parser.add_argument("--min-papers", type=int, default=5, help="smallest journal trained")
    parser.add_argument("--start-journals", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"{args.data} is missing: the replay needs ../shared/data")
    result = replay(args)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
