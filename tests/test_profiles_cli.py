"""Train → version → score → top/match through the CLI, on a small synthetic corpus."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.matching.scorer import load_active_model, score_after_poll, score_preprints
from bot.records.preprint import Preprint
from bot.store import Store
from bot.store.preprints import upsert_preprints
from bot.store.profile_models import ModelVersion, Score

VOCABULARY = {
    "Neuro Letters": "neuron synapse cortex spike hippocampus dendrite axon neural plasticity",
    "Plant Biology &amp; Roots": "leaf root photosynthesis chloroplast arabidopsis stomata seed",
    "Virus Reports": "virus capsid replication host infection viral antibody receptor tropism",
    "Statistics Quarterly": "regression estimator bayesian variance likelihood prior sampling",
}
COMMON = [
    "we",
    "show",
    "that",
    "the",
    "results",
    "of",
    "this",
    "study",
    "using",
    "data",
    "model",
    "method",
    "analysis",
]
TODAY = datetime.now(UTC).date()


def _text(rng: random.Random, journal: str, words: int = 10) -> str:
    topical = VOCABULARY[journal].split()
    chosen = [rng.choice(topical) for _ in range(words)] + rng.sample(COMMON, 5)
    rng.shuffle(chosen)
    return " ".join(chosen)


def _corpus(path: Path, per_journal: int = 15) -> Path:
    rng = random.Random(7)
    rows = [
        {"title": _text(rng, j, 4), "abstract": _text(rng, j) + ".", "journal": j}
        for j in VOCABULARY
        for _ in range(per_journal)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _preprint(n: int, journal: str, posted: date, rng: random.Random) -> Preprint:
    return Preprint(
        id=f"10.1101/2026.01.{n:05d}",
        version=1,
        title=_text(rng, journal, 4),
        abstract=_text(rng, journal),
        authors=("Smith, J.", "Doe, A."),
        server="biorxiv",
        posted=posted,
        updated=posted,
        doi=f"10.1101/2026.01.{n:05d}",
        categories=("neuroscience" if journal == "Neuro Letters" else "biology",),
    )


def _add_preprints(store: Store) -> list[Preprint]:
    rng = random.Random(11)
    journals = list(VOCABULARY)
    items = [_preprint(n, journals[n % 4], TODAY - timedelta(days=n % 30), rng) for n in range(40)]
    items.append(_preprint(99, "Neuro Letters", TODAY - timedelta(days=400), rng))
    upsert_preprints(store, items)
    return items


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    # rich wraps messages at the terminal width; compare words, not line breaks
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _json(env: dict[str, str], *args: str) -> Any:
    code, out, err = _run(env, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def trained(env: dict[str, str], store: Store, tmp_path: Path) -> dict[str, Any]:
    _add_preprints(store)
    imported = _json(env, "profiles", "import", str(_corpus(tmp_path / "corpus.jsonl")))
    assert imported["added"] == 60
    return _json(env, "train", "--min-papers", "10")


def test_train_reports_counts_metrics_and_time(trained: dict[str, Any]) -> None:
    assert trained["journals"] == 4
    assert trained["papers"] == 60
    metrics = trained["cv_metrics"]
    assert isinstance(metrics, dict) and metrics["mrr"] > 0.5
    assert trained["seconds"] > 0
    assert trained["rescored_preprints"] == 40  # the 400-day-old preprint is outside the window


def test_top_ranks_the_journals_own_preprints_first_with_percentile_and_lift(
    trained: dict[str, Any], env: dict[str, str]
) -> None:
    page = _json(env, "top", "neuro letters", "--days", "90", "--limit", "5")
    assert isinstance(page, dict)
    assert page["journal"] == "Neuro Letters"
    assert page["based_on_papers"] == 15
    assert page["window_preprints"] == 40
    average = page["average_probability"]
    items = page["preprints"]
    assert [i["rank"] for i in items] == [1, 2, 3, 4, 5]
    probabilities = [i["probability"] for i in items]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(i["authors"] == ["Smith, J.", "Doe, A."] for i in items)
    assert all(int(i["doi"].rsplit(".", 1)[1]) % 4 == 0 for i in items)  # Neuro preprints
    best = items[0]
    assert best["lift"] == pytest.approx(best["probability"] / average, rel=1e-3)
    assert best["percentile"] > 80 and best["top_percent"] < 20


def test_top_prints_the_seed_page_header(trained: dict[str, Any], env: dict[str, str]) -> None:
    code, out, _ = _run(env, "top", "Neuro Letters", "--limit", "3")
    assert code == 0
    assert "based on 15 papers previously published here" in out
    assert "The average preprint has a" in out
    assert "Top " in out


def test_an_unknown_journal_gets_suggestions_and_fails(
    trained: dict[str, Any], env: dict[str, str]
) -> None:
    code, out, err = _run(env, "top", "Nuero Leters")
    assert code == 1
    assert "Did you mean: Neuro Letters" in err
    assert out == ""


def test_match_puts_the_obvious_journal_first(trained: dict[str, Any], env: dict[str, str]) -> None:
    result = _json(env, "match", "--text", "virus capsid replication in host cells", "--top", "3")
    assert isinstance(result, dict)
    journals = result["journals"]
    assert [j["rank"] for j in journals] == [1, 2, 3]
    assert journals[0]["journal"] == "Virus Reports"
    assert 0 < journals[0]["probability"] <= 1
    assert journals[0]["percentile"] is not None and journals[0]["lift"] is not None
    by_doi = _json(env, "match", "--doi", "10.1101/2026.01.00001", "--top", "1")
    assert by_doi["journals"][0]["journal"] == "Plant Biology & Roots"
    link = "https://www.biorxiv.org/content/10.1101/2026.01.00001v2.full"
    assert _json(env, "match", "--doi", link, "--top", "1")["journals"] == by_doi["journals"]


def test_match_reads_a_text_file_or_the_first_paper_of_a_paper_file(
    trained: dict[str, Any], env: dict[str, str], tmp_path: Path
) -> None:
    text = tmp_path / "abstract.txt"
    text.write_text("Regression estimators and bayesian variance of the likelihood.\n")
    bib = tmp_path / "one.bib"
    bib.write_text("@article{a, title={Leaf roots}, abstract={Photosynthesis in the chloroplast.}}")
    for path, journal in ((text, "Statistics Quarterly"), (bib, "Plant Biology & Roots")):
        result = _json(env, "match", "--file", str(path), "--top", "1")
        assert result["journals"][0]["journal"] == journal
    code, _, err = _run(env, "match", "--text", "a", "--doi", "10.1/x")
    assert code == 2 and "exactly one of --doi" in err


def test_match_without_a_model_says_to_train(env: dict[str, str], store: Store) -> None:
    code, _, err = _run(env, "match", "--text", "anything")
    assert code != 0
    assert "rxradar train" in err


def test_retraining_switches_the_active_version_and_old_scores_keep_theirs(
    trained: dict[str, Any], env: dict[str, str], store: Store
) -> None:
    first = str(trained["version"])
    old = "10.1101/2026.01.00099"  # outside the window: only scored on request
    active = load_active_model(store)
    assert active is not None and active.version == first
    score_preprints(store, active, [old])
    second = str(_json(env, "train")["version"])
    assert second != first
    with store.session() as session:
        versions = {v.id: v.active for v in session.scalars(select(ModelVersion))}
        by_preprint = {s.preprint_id: s.model_version for s in session.scalars(select(Score))}
    assert versions == {first: False, second: True}
    assert by_preprint[old] == first
    assert {v for p, v in by_preprint.items() if p != old} == {second}
    settings = load_settings(env)
    assert (settings.model.models_dir / first / "manifest.json").is_file()
    assert (settings.model.models_dir / second / "manifest.json").is_file()


def test_old_model_files_are_pruned_but_every_version_stays_on_record(
    trained: dict[str, Any], env: dict[str, str], store: Store
) -> None:
    settings = load_settings(env)  # RXRADAR_KEEP_MODELS defaults to 3
    crashed = settings.model.models_dir / ".20200101T000000Z-dead00.partial"
    crashed.mkdir()
    old_time = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(crashed, (old_time, old_time))
    versions = [str(trained["version"])]
    versions += [str(_json(env, "train")["version"]) for _ in range(3)]
    on_disk = {p.name for p in settings.model.models_dir.iterdir()}
    assert on_disk == set(versions[1:])  # the oldest and the crashed leftover are gone
    with store.session() as session:
        rows = {v.id: v.active for v in session.scalars(select(ModelVersion))}
    assert set(rows) == set(versions) and rows[versions[-1]]
    assert load_active_model(store) is not None


def test_a_poll_scores_new_preprints_with_the_active_model(
    trained: dict[str, Any], env: dict[str, str], store: Store
) -> None:
    fresh = _preprint(500, "Statistics Quarterly", TODAY, random.Random(3))
    upsert_preprints(store, [fresh])
    report = score_after_poll(store, load_settings(env).model, [fresh.id])
    assert (report.n_scored, report.n_window) == (1, 41)
    page = _json(env, "top", "Statistics Quarterly", "--limit", "40")
    assert fresh.doi in [i["doi"] for i in page["preprints"]]


def test_preprints_whose_scoring_failed_are_scored_by_the_next_poll(
    trained: dict[str, Any], env: dict[str, str], store: Store
) -> None:
    rng = random.Random(4)
    missed = [_preprint(600 + n, "Virus Reports", TODAY, rng) for n in range(3)]
    upsert_preprints(store, missed)  # stored by a poll whose scoring then failed
    report = score_after_poll(store, load_settings(env).model, [])  # a later poll, nothing new
    assert report.n_scored == 3
    with store.session() as session:
        versions = {
            s.model_version
            for s in session.scalars(select(Score))
            if s.preprint_id in {p.id for p in missed}
        }
    assert versions == {str(trained["version"])}
    assert score_after_poll(store, load_settings(env).model, []).n_scored == 0  # then a no-op


def test_a_custom_profile_is_scored_on_the_journals_scale_at_once(
    trained: dict[str, Any], env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(5)
    rows = [{"title": _text(rng, "Virus Reports", 4), "abstract": _text(rng, "Virus Reports")}]
    rows += [{"title": f"Own paper {n}", "abstract": _text(rng, "Virus Reports")} for n in range(5)]
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, err = _run(env, "profiles", "create", "Virus Fans", "--from-file", str(path))
    assert code == 0, err
    page = _json(env, "top", "virus fans", "--limit", "10")
    assert isinstance(page, dict)
    assert (page["kind"], page["based_on_papers"], page["window_preprints"]) == ("custom", 6, 40)
    items = page["preprints"]
    assert len(items) == 10  # every preprint keeps its custom-profile score
    assert all(int(i["doi"].rsplit(".", 1)[1]) % 4 == 2 for i in items)  # the virus preprints
    assert all(0 < i["probability"] < 1 and i["percentile"] is not None for i in items)
    matched = _json(env, "match", "--text", "virus capsid host infection", "--top", "2")
    assert isinstance(matched, dict)
    (custom,) = matched["custom_profiles"]
    assert (custom["journal"], custom["kind"], custom["papers"]) == ("Virus Fans", "custom", 6)
    assert 0 < custom["probability"] < 1 and custom["lift"] > 1


def test_following_a_journal_fills_its_missing_window_scores(
    trained: dict[str, Any], env: dict[str, str], store: Store
) -> None:
    from sqlalchemy import delete

    from bot.matching.scorer import follow_profile
    from bot.store.profiles import ProfileSummary, find_profile

    found = find_profile(store, "Statistics Quarterly")
    assert isinstance(found, ProfileSummary)
    with store.session() as session:  # as if it had ranked outside every preprint's top K
        session.execute(
            delete(Score).where(Score.profile_id == found.id, Score.preprint_id.like("%0001_"))
        )
    added = follow_profile(store, load_settings(env).model, found.id)
    assert added == 10
    assert follow_profile(store, load_settings(env).model, found.id) == 0  # nothing missing now
    page = _json(env, "top", "Statistics Quarterly", "--limit", "100")
    assert len(page["preprints"]) == 40
