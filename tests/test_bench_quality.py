"""bench/bench_quality.py's goal rows, on a synthetic split (the bench is a script, loaded
from its file)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from bot.scoring.evaluate import Evaluation, run_evaluation
from bot.scoring.synthetic import synthetic_corpus

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_quality.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_quality", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _evaluation(baselines: list[str]) -> Evaluation:
    papers = synthetic_corpus(900, 5, seed=11).papers
    return run_evaluation(papers[:600], papers[600:], min_papers=10, baselines=baselines)


def test_with_only_the_prior_there_are_no_goals_to_check() -> None:
    # The goals compare with the best non-prior baseline; with the prior alone the bench
    # crashed (max() of an empty sequence) after printing the results table.
    bench = _bench()
    result = _evaluation(["prior"])
    assert not bench.has_goals(result)
    assert bench.goals_table({"synthetic": result}).row_count == 0


def test_the_map_goal_names_its_paired_difference() -> None:
    bench = _bench()
    result = _evaluation(["prior", "centroid"])
    rows = bench.goal_rows("synthetic", result)
    map_row = next(row for row in rows if "MAP" in row[0])
    gap, se = bench.map_difference(result, "centroid")
    assert f"{gap:+.3f} ± {se:.3f}" in map_row[0]
    model = result.methods["model"].retrieval.mean_average_precision
    centroid = result.methods["centroid"].retrieval.mean_average_precision
    assert abs(gap - (model - centroid)) < 1e-9
