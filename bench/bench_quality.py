"""Benchmark: journal-match quality on every labelled set, model against every baseline.

    python bench/bench_quality.py                 # every set in ../shared/data, all baselines
    python bench/bench_quality.py --sets arxiv --baselines prior,centroid
    python bench/bench_quality.py --sets arxiv+doi  # arXiv labelled by published DOIs too

Runs `rxradar eval`'s protocol (evaluation.md: dev split sha256(id) % 5 == 1 is test,
journals with ≥ 10 training papers) on each labelled set with text and journals, through
`bot.scoring.evaluate.run_evaluation`, and prints one table: set × method × (acc@1,
acc@10, MRR, ECE, MAP, P@10, n_test, n_journals, train s, score s). Below it, the issue-17
goals per set with ≥ 100 test papers: model MRR ≥ best baseline + 0.02, model MAP ≥ best
baseline's (with the difference paired journal by journal, ± its standard error), ECE ≤
0.04 (next to the ECE a perfectly calibrated model with the model's own confidences shows
on that many papers, and how often it reaches the model's), and acc@10 ≥ 0.83 on bioRxiv.
Last, the calibration on each set's training part by 5-fold CV of the whole pipeline
(`--cv-repeats`, default 4; 0 skips it): more papers than the test split, never the test side.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.profiles.files import read_papers
from bot.records.paper import Paper, with_published_journal
from bot.scoring.evaluate import (
    BASELINES,
    MODEL,
    Evaluation,
    HeldOut,
    dev_split,
    held_out_predictions,
    run_evaluation,
)
from bot.scoring.metrics import (
    CalibrationNoise,
    calibration_noise,
    expected_calibration_error,
    paired_difference,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {
    "biorxiv": "biorxiv_2013_2016_journal_labels/preprints.jsonl.gz",
    "covid19": "covid19_preprints_2020_journal_labels/preprints.jsonl.gz",
    "arxiv": "arxiv_journal_ref_samples/records.jsonl.gz",
    "arxiv+doi": "arxiv_journal_ref_samples/records.jsonl.gz",
}
# sets whose papers are labelled by the journal their published version's DOI names (where
# it names one; else by the journal-ref): the arXiv records, 2.4× as many labelled
DOI_LABELLED = {"arxiv+doi"}
MIN_TEST_FOR_GOALS = 100
MRR_MARGIN = 0.02
ECE_GOAL = 0.04
BIORXIV_ACC10_GOAL = 0.83
NOISE_DRAWS = 2000
out = Console(width=160)
err = Console(stderr=True)


def read_set(name: str) -> tuple[list[Paper], list[Paper]] | None:
    """(training, test) papers of one set by the dev split, or None when it is absent."""
    path = SHARED / SETS[name]
    if not path.exists():
        err.print(f"[yellow]{name}: {path} is absent, skipped[/]")
        return None
    papers = list(read_papers(path, skip_bad_rows=True))
    if name in DOI_LABELLED:
        papers = [with_published_journal(p) for p in papers]
    return dev_split(papers)


def evaluate_set(name: str, baselines: list[str]) -> Evaluation | None:
    split = read_set(name)
    if split is None:
        return None
    return run_evaluation(*split, min_papers=10, baselines=baselines)


def training_check(name: str, repeats: int) -> HeldOut | None:
    """The model's top-1 predictions of its own training papers by outer 5-fold CV."""
    split = read_set(name)
    if split is None:
        return None
    return held_out_predictions(split[0], min_papers=10, repeats=repeats)


def calibrated_ece(result: Evaluation) -> CalibrationNoise:
    """The ECE a perfectly calibrated model with the model's own top-1 confidences shows on
    this many test papers (its noise floor), and how often it reaches the model's ECE."""
    return calibration_noise(result.probabilities.max(axis=1), result.model.ece, draws=NOISE_DRAWS)


def map_difference(result: Evaluation, baseline: str) -> tuple[float, float]:
    """Model MAP − `baseline` MAP, paired journal by journal, with its standard error."""
    return paired_difference(
        result.methods[MODEL].retrieval.average_precisions,
        result.methods[baseline].retrieval.average_precisions,
    )


def results_table(results: dict[str, Evaluation]) -> Table:
    table = Table(title="journal-match quality, dev split of each labelled set")
    for column in ("set", "method", "acc@1", "acc@10", "MRR", "ECE", "MAP", "P@10"):
        table.add_column(column, justify="left" if column in ("set", "method") else "right")
    for column in ("n_test", "n_journals", "train s", "score s"):
        table.add_column(column, justify="right")
    for name, result in results.items():
        for method, scores in result.methods.items():
            m, r = scores.metrics, scores.retrieval
            numbers = (m.acc_at_1, m.acc_at_10, m.mrr, m.ece)
            table.add_row(
                name,
                method,
                *(f"{x:.3f}" for x in numbers),
                f"{r.mean_average_precision:.3f}",
                f"{r.precision_at_10:.3f}",
                f"{result.n_test:,}",
                str(result.n_journals),
                f"{scores.seconds_train:.2f}",
                f"{scores.seconds_score:.3f}",
            )
        table.add_section()
    return table


def goal_rows(name: str, result: Evaluation) -> list[tuple[str, str, str, str]]:
    """(goal, model, target, met) for one set."""
    model = result.methods[MODEL]
    best_mrr, mrr = result.best_baseline(lambda r: r.metrics.mrr)
    best_map, map_ = result.best_baseline(lambda r: r.retrieval.mean_average_precision)
    noise = calibrated_ece(result)
    gap, gap_se = map_difference(result, best_map)
    n_journals = len(model.retrieval.average_precisions)
    rows = [
        (
            f"{name}: MRR ≥ best baseline ({best_mrr}) + {MRR_MARGIN}",
            f"{model.metrics.mrr:.3f}",
            f"{mrr + MRR_MARGIN:.3f}",
            _met(model.metrics.mrr >= mrr + MRR_MARGIN),
        ),
        (
            f"{name}: MAP ≥ best baseline's ({best_map}; paired over {n_journals} journals:"
            f" {gap:+.3f} ± {gap_se:.3f})",
            f"{model.retrieval.mean_average_precision:.3f}",
            f"{map_:.3f}",
            _met(model.retrieval.mean_average_precision >= map_),
        ),
        (
            f"{name}: ECE ≤ {ECE_GOAL} (calibrated model here: {noise.mean:.3f}, 90% ≤"
            f" {noise.p90:.3f}, ≥ the model's in {noise.share_at_least:.0%})",
            f"{model.metrics.ece:.3f}",
            f"{ECE_GOAL:.3f}",
            _met(model.metrics.ece <= ECE_GOAL),
        ),
    ]
    if name == "biorxiv":
        acc10 = model.metrics.acc_at_10
        rows.append(
            (
                f"{name}: acc@10 ≥ {BIORXIV_ACC10_GOAL}",
                f"{acc10:.3f}",
                f"{BIORXIV_ACC10_GOAL:.3f}",
                _met(acc10 >= BIORXIV_ACC10_GOAL),
            )
        )
    return rows


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def has_goals(result: Evaluation) -> bool:
    """The goals compare with the best baseline other than the prior: one must have run."""
    return result.n_test >= MIN_TEST_FOR_GOALS and any(
        name not in (MODEL, "prior") for name in result.methods
    )


def goals_table(results: dict[str, Evaluation]) -> Table:
    """Goal rows for the sets that have them (`has_goals`); none at all is an empty table."""
    table = Table(title=f"issue-17 goals (sets with ≥ {MIN_TEST_FOR_GOALS} test papers)")
    for column in ("goal", "model", "target", ""):
        table.add_column(column, justify="left" if column == "goal" else "right")
    for name, result in results.items():
        if has_goals(result):
            for row in goal_rows(name, result):
                table.add_row(*row)
    return table


def training_table(checks: dict[str, HeldOut], repeats: int) -> Table:
    """Calibration where there are more papers to see it: the training parts, by CV. ECE and
    its floor are per repeat (each paper once), averaged over the repeats."""
    table = Table(title=f"calibration on each training part (5-fold CV, mean of {repeats} repeats)")
    columns = ("set", "papers", "mean top-1", "right", "ECE", "calibrated model", "90% ≤")
    for column in columns:
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, held in checks.items():
        eces, floors, floors90 = [], [], []
        for confidence, correct in held.repeats():
            eces.append(expected_calibration_error(confidence, correct))
            noise = calibration_noise(confidence, eces[-1], draws=NOISE_DRAWS)
            floors.append(noise.mean)
            floors90.append(noise.p90)
        table.add_row(
            name,
            f"{len(held.confidence) // len(eces):,}",
            f"{held.confidence.mean():.3f}",
            f"{held.correct.mean():.3f}",
            f"{sum(eces) / len(eces):.3f}",
            f"{sum(floors) / len(floors):.3f}",
            f"{sum(floors90) / len(floors90):.3f}",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS)
    )
    parser.add_argument("--baselines", default=",".join(BASELINES))
    parser.add_argument(
        "--cv-repeats",
        type=int,
        default=4,
        help="repeats of 5-fold CV on each training part for the calibration table (0: none)",
    )
    args = parser.parse_args()
    baselines = [b for b in args.baselines.split(",") if b]
    results = {}
    for name in [s for s in args.sets.split(",") if s]:
        if name not in SETS:
            parser.error(f"unknown set {name!r}; choose from {', '.join(SETS)}")
        err.print(f"[dim]{name}…[/]")
        result = evaluate_set(name, baselines)
        if result is not None:
            results[name] = result
    out.print(results_table(results))
    if any(has_goals(result) for result in results.values()):
        out.print(goals_table(results))
    if args.cv_repeats > 0:
        checks = {}
        for name in results:
            err.print(f"[dim]{name}: training-part CV…[/]")
            held = training_check(name, args.cv_repeats)
            if held is not None:
                checks[name] = held
        out.print(training_table(checks, args.cv_repeats))


if __name__ == "__main__":
    main()
