"""`rxradar eval`: JSON shape, predictions file, the dev split, and the real dev targets."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.profiles.files import read_papers
from bot.scoring.evaluate import (
    dev_split,
    held_out_predictions,
    is_dev_test,
    run_evaluation,
)
from bot.scoring.metrics import expected_calibration_error
from bot.scoring.synthetic import synthetic_corpus
from tests.conftest import shared_data

METRICS = {"acc@1", "acc@5", "acc@10", "mrr", "ece", "map", "p@10"}
BASELINES = {"prior", "knn", "centroid", "lr", "svd_lr"}


def _write(path: Path, start: int, count: int, seed: int = 3) -> Path:
    corpus = synthetic_corpus(1500, 8, seed=seed)
    with path.open("w", encoding="utf-8") as handle:
        for paper in corpus.papers[start : start + count]:
            row = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
            row |= {"journal": paper.journal, "category": paper.category}
            handle.write(json.dumps(row) + "\n")
        handle.write(json.dumps({"id": "x", "title": "t", "abstract": "a", "journal": "Nowhere"}))
    return path


def _eval(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def test_eval_prints_only_the_pinned_json(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", 0, 600)
    test = _write(tmp_path / "test.jsonl", 1000, 300)
    code, out, err = _eval("--train", str(train), "--test", str(test), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "n_train",
        "n_test",
        "n_journals",
        "n_excluded",
        "model",
        "baselines",
        "seconds",
        "baseline_seconds",
    }
    assert set(data["model"]) == METRICS
    assert set(data["baselines"]) == BASELINES
    assert all(set(b) == METRICS for b in data["baselines"].values())
    assert set(data["seconds"]) == {"train", "predict"}
    assert set(data["baseline_seconds"]) == BASELINES
    assert all(set(s) == {"train", "score"} for s in data["baseline_seconds"].values())
    assert (data["n_train"], data["n_test"], data["n_journals"]) == (600, 300, 8)
    assert data["n_excluded"] == 1  # the "Nowhere" row
    assert data["model"]["mrr"] > data["baselines"]["prior"]["mrr"]
    for name in BASELINES - {"prior"}:  # each stronger baseline learns something too
        assert data["baselines"][name]["mrr"] > data["baselines"]["prior"]["mrr"] + 0.05, name
        assert data["baselines"][name]["map"] > data["baselines"]["prior"]["map"] + 0.05, name


def test_predictions_let_anyone_recompute_the_metrics(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", 0, 1000)
    test = _write(tmp_path / "test.jsonl", 1000, 300)
    out_file = tmp_path / "predictions.jsonl"
    code, out, _ = _eval(
        "--train",
        str(train),
        "--test",
        str(test),
        "--predictions",
        str(out_file),
        "--json",
        "--baselines",
        "prior",
    )
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert code == 0 and len(rows) == 300
    assert set(rows[0]) == {"id", "journal", "rank", "probability_true", "top"}
    assert len(rows[0]["top"]) == 8  # every journal when there are fewer than 10
    mrr = sum(1 / row["rank"] for row in rows) / len(rows)
    assert mrr == pytest.approx(json.loads(out)["model"]["mrr"], abs=1e-6)
    first = rows[0]
    if first["rank"] == 1:
        assert first["top"][0]["journal"] == first["journal"]


def test_the_dev_split_option_splits_one_file_by_the_protocol(tmp_path: Path) -> None:
    data = _write(tmp_path / "all.jsonl", 0, 1500)
    code, out, err = _eval("--train", str(data), "--split", "dev", "--json", "--baselines", "knn")
    assert code == 0, err
    result = json.loads(out)
    expected_test = sum(is_dev_test(f"10.9999/synthetic.3.{i}") for i in range(1500))
    assert result["n_test"] + result["n_excluded"] == expected_test
    assert "{" not in err  # progress only, on stderr


APS = ("PhysRevA", "PhysRevB", "PhysRevC", "PhysRevD", "PhysRevE", "PhysRevLett", "PhysRevX",
       "RevModPhys")  # fmt: skip


def test_journal_from_doi_labels_papers_by_their_published_doi(tmp_path: Path) -> None:
    """A set whose journal field is a placeholder ("arXiv", as a preprint without a
    journal-ref) but whose published DOIs name the journals: by the field it is one journal,
    by the DOI the eight; a paper without a DOI keeps its field."""
    corpus = synthetic_corpus(1500, 8, seed=3)
    journals = sorted({p.journal or "" for p in corpus.papers})
    path = tmp_path / "all.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, paper in enumerate(corpus.papers[:900]):
            row = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
            aps = APS[journals.index(paper.journal or "")]
            row["journal"] = "arXiv"
            if i % 9:
                row["published_doi"] = f"10.1103/{aps}.{i}"
            handle.write(json.dumps(row) + "\n")
    code, out, err = _eval("--train", str(path), "--split", "dev", "--journal-from", "doi",
                           "--json", "--baselines", "prior", "--min-papers", "5")  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["n_journals"] == 9  # the eight, and "arXiv": the 100 rows without a DOI
    assert result["model"]["mrr"] > result["baselines"]["prior"]["mrr"] + 0.2
    said = "all.jsonl: journal from the published DOI: 800 papers relabelled, of 800 with a"
    assert said in " ".join(err.split())
    code, out, err = _eval("--train", str(path), "--split", "dev", "--json", "--baselines", "prior")
    assert code == 2  # by the field: one journal, nothing to rank
    assert "only 1 journal(s) have at least 10 training papers" in err


def test_the_human_output_is_a_table_with_model_and_baselines(tmp_path: Path) -> None:
    data = _write(tmp_path / "all.jsonl", 0, 600)
    code, out, _ = _eval("--train", str(data), "--split", "dev", "--baselines", "all")
    assert code == 0
    for word in ("model", "prior", "knn", "centroid", "svd_lr", "mrr", "map", "p@10", "score s"):
        assert word in out


def test_the_baselines_option_runs_only_the_named_ones(tmp_path: Path) -> None:
    data = _write(tmp_path / "all.jsonl", 0, 600)
    code, out, err = _eval(
        "--train", str(data), "--split", "dev", "--baselines", "prior,centroid", "--json"
    )
    assert code == 0, err
    assert set(json.loads(out)["baselines"]) == {"prior", "centroid"}


def test_an_unknown_baseline_is_named_with_the_choices(tmp_path: Path) -> None:
    data = _write(tmp_path / "all.jsonl", 0, 300)
    code, _, err = _eval("--train", str(data), "--split", "dev", "--baselines", "bert")
    assert code != 0
    assert "'bert'" in err and "svd_lr" in err


def test_a_missing_test_file_tells_the_user_what_to_do(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", 0, 100)
    code, _, err = _eval("--train", str(train))
    assert code == 2
    assert "--test" in err


def test_the_same_file_as_train_and_test_without_a_split_is_refused(tmp_path: Path) -> None:
    """Every test paper would be a training paper: the numbers would look far better than
    any new preprint gets (on bioRxiv, MRR 0.88 instead of 0.43)."""
    data = _write(tmp_path / "all.jsonl", 0, 300)
    code, out, err = _eval("--train", str(data), "--test", str(tmp_path / "." / "all.jsonl"))
    assert code == 2 and out == ""
    assert "--train and --test are the same file" in " ".join(err.split())
    assert "add --split dev" in " ".join(err.split())


def test_a_test_file_without_journals_says_what_it_lacks(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.jsonl", 0, 300)
    test = tmp_path / "unlabelled.jsonl"
    rows = [{"id": f"u{i}", "title": "t", "abstract": "a"} for i in range(5)]
    test.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, err = _eval("--train", str(train), "--test", str(test), "--baselines", "prior")
    said = " ".join(err.split())
    assert code == 2 and "none of the 5 test papers names a journal" in said
    assert "--journal-from doi" in said


def test_the_dev_rule_matches_evaluation_md() -> None:
    assert is_dev_test(" 10.1101/015578 ") == is_dev_test("10.1101/015578")


def test_the_model_meets_the_dev_targets_on_the_real_data() -> None:
    path = shared_data("biorxiv_2013_2016_journal_labels/preprints.jsonl.gz")
    train, test = dev_split(list(read_papers(path, skip_bad_rows=True)))
    result = run_evaluation(train, test, min_papers=10, baselines=["prior", "knn", "centroid"])
    assert result.n_test > 350 and result.n_journals > 35
    # The targets for the default model: beat every baseline of evaluation.md
    # (MRR ≥ 0.42, acc@10 ≥ 0.82) with ECE ≤ 0.03. Deterministic (seeds fixed), but read the
    # margins with the noise in mind: ~0.02 on MRR, and a perfectly calibrated model shows
    # ECE 0.036 on average on ~420 papers (README: each residue in the test role).
    assert result.model.mrr >= 0.42
    assert result.model.acc_at_10 >= 0.82
    assert result.model.ece <= 0.03
    assert result.model.mrr > result.baselines["knn"].mrr
    assert result.model.mrr > result.baselines["prior"].mrr
    assert result.model.mrr > result.baselines["centroid"].mrr


def test_cross_validated_calibration_on_the_real_training_part() -> None:
    """Two repeats of 5-fold CV on the dev split's training part only, pooled (2 × 1,424
    top-1 predictions; a perfectly calibrated model shows ECE ≈ 0.02 on 1,424)."""
    path = shared_data("biorxiv_2013_2016_journal_labels/preprints.jsonl.gz")
    train, _ = dev_split(list(read_papers(path, skip_bad_rows=True)))
    held = held_out_predictions(train, min_papers=10, repeats=2)
    assert len(held.confidence) > 2 * 1400
    assert expected_calibration_error(held.confidence, held.correct) <= 0.03
    assert abs(held.confidence.mean() - held.correct.mean()) < 0.015


def test_held_out_predictions_cover_each_paper_once_per_repeat() -> None:
    papers = synthetic_corpus(300, 4, seed=5).papers
    held = held_out_predictions(papers, min_papers=10, repeats=2)
    assert sorted(held.ids) == sorted([p.id or "" for p in papers] * 2)
    assert [len(confidence) for confidence, _ in held.repeats()] == [300, 300]
    assert ((held.confidence > 0) & (held.confidence <= 1)).all()


def test_a_held_out_paper_is_predicted_without_its_own_label() -> None:
    # Relabel one paper: every other paper's folds train on the change, its own must not.
    papers = synthetic_corpus(300, 4, seed=5).papers
    before = held_out_predictions(papers, min_papers=10)
    target = papers[7]
    other = next(p.journal for p in papers if p.journal != target.journal)
    relabelled = [*papers[:7], replace(target, journal=other), *papers[8:]]
    after = held_out_predictions(relabelled, min_papers=10)
    row = before.ids.index(target.id or "")
    assert after.ids == before.ids
    assert after.confidence[row] == pytest.approx(before.confidence[row], abs=1e-12)
    assert not np.allclose(after.confidence, before.confidence)
