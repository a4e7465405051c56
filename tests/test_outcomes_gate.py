"""The retraining gate: a better candidate is activated, a worse one refused; `models`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.matching.gate import retrain_with_gate, split_holdout
from bot.matching.train import train_from_store
from bot.records.paper import Paper
from bot.scoring.params import GateParams
from bot.scoring.semantics import load_semantics
from bot.scoring.synthetic import synthetic_corpus
from bot.store import Store
from bot.store.profiles import import_papers
from bot.store.scores import active_model_version

N_JOURNALS = 5
FIRST_DAY = date(2025, 1, 1)


def _next_journal(name: str) -> str:
    return f"Journal of Topic {(int(name.rsplit(' ', 1)[1]) + 1) % N_JOURNALS}"


def _corpus() -> tuple[list[Paper], list[Paper]]:
    """(clean papers with publication dates, papers filed under the *next* journal)."""
    papers = synthetic_corpus(1000, N_JOURNALS, seed=7, topic_share=0.2).papers
    clean = [
        replace(p, extra={"published_date": (FIRST_DAY + timedelta(days=i)).isoformat()})
        for i, p in enumerate(papers[:500])
    ]
    wrong = [replace(p, journal=_next_journal(p.journal or "")) for p in papers[500:]]
    return clean, wrong


def _active(store: Store) -> str | None:
    with store.session() as session:
        info = active_model_version(session)
    return info.id if info else None


def test_the_holdout_is_the_newest_dated_share() -> None:
    clean, wrong = _corpus()
    train, held = split_holdout([*wrong[:10], *clean], GateParams(holdout_share=0.1))
    assert len(held) == 50
    assert min(held) == 10 + 450  # the 50 newest clean papers; undated ones always train
    assert set(train) | set(held) == set(range(510))


def test_the_gate_activates_a_better_candidate(store: Store, env: dict[str, str]) -> None:
    config = load_settings(env)
    clean, wrong = _corpus()
    import_papers(store, wrong, source="test")
    old = train_from_store(store, config.model).version  # learnt from mislabelled papers
    import_papers(store, clean, source="test")
    report = retrain_with_gate(store, config.model)
    assert report.activated, report.reason
    assert report.candidate and report.active
    assert report.candidate.mrr > report.active.mrr + 0.2
    assert report.n_holdout == 75  # 15% of the 500 dated pairs
    assert _active(store) == report.version != old
    # the candidate's feedback space comes with it (fitted on its own training papers)
    with store.session() as session:
        info = active_model_version(session)
    assert info is not None and load_semantics(Path(info.path)) is not None


def test_the_gate_refuses_a_worse_candidate_and_keeps_the_active_model(
    store: Store, env: dict[str, str]
) -> None:
    config = load_settings(env)
    clean, wrong = _corpus()
    import_papers(store, clean, source="test")
    first = retrain_with_gate(store, config.model)
    assert first.activated and first.reason == "no active model yet"
    import_papers(store, wrong, source="test")  # the profiles get worse
    second = retrain_with_gate(store, config.model)
    assert not second.activated
    assert second.reason.startswith("MRR and ECE worse: MRR 0."), second.reason
    assert _active(store) == first.version

    listed = json.loads(CliRunner().invoke(app, ["models", "list", "--json"], env=env).stdout)
    assert [(m["version"], m["active"]) for m in listed] == [
        (first.version, True),
        (second.version, False),
    ]
    assert listed[1]["gate"]["activated"] is False
    assert listed[1]["gate"]["candidate"]["mrr"] < listed[1]["gate"]["active"]["mrr"]
    assert listed[1]["train_papers"] == 1000 - 75
    table = CliRunner().invoke(app, ["models", "list"], env={**env, "COLUMNS": "80"}).stdout
    assert first.version in table and second.version in table  # whole, to copy to `activate`

    # an operator may still switch to it, and back
    result = CliRunner().invoke(app, ["models", "activate", second.version], env=env)
    assert result.exit_code == 0, result.stderr
    assert _active(store) == second.version
    CliRunner().invoke(app, ["models", "activate", first.version], env=env)
    assert _active(store) == first.version


def test_activating_an_unknown_version_says_where_to_look(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["models", "activate", "nope"], env=env)
    assert result.exit_code == 2
    assert "`rxradar models list` shows them" in " ".join(result.stderr.split())
