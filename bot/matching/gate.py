"""Gated retraining: a candidate replaces the active model only if it is not worse.

The newest published pairs (profile papers with a publication date, `GateParams`) are
held out of the candidate's training; candidate and active model are scored on them side
by side (MRR, ECE) and the rule in `bot.scoring.params.GateParams` decides. Every
candidate is registered with its figures, so `rxradar models list` shows why it was or
was not activated and `rxradar models activate VERSION` can switch to it (or roll back).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import ModelSettings
from bot.matching.scorer import (
    ActiveModel,
    load_active_model,
    predict_window,
    store_window,
    window_start,
)
from bot.matching.train import (
    TrainError,
    _manifest,
    _write_artefact,
    new_version_id,
    prune_model_directories,
)
from bot.records.paper import Paper
from bot.records.progress import Say
from bot.scoring.errors import EmbeddingError
from bot.scoring.metrics import expected_calibration_error
from bot.scoring.model import JournalModel, ModelParams, load_model, train_model
from bot.scoring.params import GateParams
from bot.scoring.preference import semantic_space
from bot.store.db import Store
from bot.store.profiles import list_profiles, training_papers
from bot.store.scores import activate_model_version, add_model_version, model_versions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figures:
    """A model on the hold-out: pairs of unknown journals count as misses (rank ∞)."""

    n: int
    mrr: float
    ece: float

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "mrr": round(self.mrr, 4), "ece": round(self.ece, 4)}


@dataclass(frozen=True)
class GateReport:
    version: str
    activated: bool
    reason: str
    n_train: int
    n_holdout: int
    candidate: Figures | None
    active: Figures | None
    active_version: str | None
    n_rescored: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "activated": self.activated,
            "reason": self.reason,
            "train_papers": self.n_train,
            "holdout_pairs": self.n_holdout,
            "candidate": self.candidate.to_json() if self.candidate else None,
            "active": self.active.to_json() if self.active else None,
            "active_version": self.active_version,
            "rescored_preprints": self.n_rescored,
        }


def published_on(paper: Paper) -> date | None:
    raw = str(paper.extra.get("published_date") or "")[:10]
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def split_holdout(papers: Sequence[Paper], gate: GateParams) -> tuple[list[int], list[int]]:
    """(training indices, hold-out indices): the hold-out is the newest dated share."""
    dated = sorted(
        (when, i) for i, paper in enumerate(papers) if (when := published_on(paper)) is not None
    )
    n_holdout = round(len(dated) * gate.holdout_share)
    held = {i for _, i in dated[len(dated) - n_holdout :]} if n_holdout else set()
    return [i for i in range(len(papers)) if i not in held], sorted(held)


def figures(model: JournalModel, papers: Sequence[Paper], labels: Sequence[str]) -> Figures:
    """MRR and top-1 ECE over the pairs, with the model's own journal set."""
    if not papers:
        return Figures(0, 0.0, 0.0)
    probabilities = model.predict_proba(papers)
    column = {key: i for i, key in enumerate(model.journals)}
    reciprocal = np.zeros(len(papers))
    correct = np.zeros(len(papers), dtype=bool)
    top = probabilities.argmax(axis=1)
    for row, label in enumerate(labels):
        j = column.get(label)
        if j is not None:
            rank = int((probabilities[row] >= probabilities[row, j]).sum())
            reciprocal[row] = 1.0 / rank
            correct[row] = top[row] == j
    confidence = probabilities.max(axis=1)
    ece = expected_calibration_error(confidence, correct)
    return Figures(len(papers), float(reciprocal.mean()), ece)


def passes(candidate: Figures, active: Figures, gate: GateParams) -> tuple[bool, str]:
    """The rule of `GateParams`, with the reason in words."""
    mrr_ok = candidate.mrr >= active.mrr - gate.mrr_tolerance
    ece_ok = candidate.ece <= active.ece + gate.ece_tolerance
    shown = (
        f"MRR {candidate.mrr:.4f} vs {active.mrr:.4f} (tolerance {gate.mrr_tolerance}), "
        f"ECE {candidate.ece:.4f} vs {active.ece:.4f} (tolerance {gate.ece_tolerance}) "
        f"on {candidate.n} held-out pairs"
    )
    if mrr_ok and ece_ok:
        return True, f"not worse: {shown}"
    worse = " and ".join(n for n, ok in (("MRR", mrr_ok), ("ECE", ece_ok)) if not ok)
    return False, f"{worse} worse: {shown}"


def activate_version(
    store: Store, models: ModelSettings, version: str, today: date | None = None
) -> int:
    """Make a registered version active (re-scoring the window); returns preprints scored."""
    with store.session() as session:
        info = next((v for v in model_versions(session) if v.id == version), None)
    if info is None:
        raise TrainError(f"no model version {version!r}; `rxradar models list` shows them")
    try:
        model = load_model(Path(info.path))
    except (OSError, ValueError) as exc:
        raise TrainError(f"model {version} cannot be loaded ({exc}); train a new one") from exc
    active = ActiveModel(version, model, Path(info.path))
    start = window_start(models, today)
    with store.session() as session:
        window = predict_window(session, active, start)
        n_rescored = store_window(session, active, window, start, models.window_days)
        activate_model_version(session, version)
    return n_rescored


def _train(
    papers: list[Paper], labels: list[str], models: ModelSettings, say: Say | None
) -> JournalModel:
    if len(set(labels)) < 2:
        raise TrainError("fewer than two journals to train on; add papers or lower --min-papers")
    try:
        return train_model(papers, labels, ModelParams(embedding_model=models.embedding_model),
                           say, models.embeddings_dir)  # fmt: skip
    except EmbeddingError as exc:
        raise TrainError(str(exc)) from exc


def _decide(
    candidate: Figures | None, active: Figures | None, current: ActiveModel | None,
    n_holdout: int, gate: GateParams,
) -> tuple[bool, str]:  # fmt: skip
    if current is None:
        return True, "no active model yet"
    if candidate is None or active is None or n_holdout < gate.min_holdout:
        return False, (
            f"only {n_holdout} held-out published pairs (need {gate.min_holdout}); "
            f"the active model {current.version} stays"
        )
    return passes(candidate, active, gate)


def retrain_with_gate(
    store: Store,
    models: ModelSettings,
    *,
    min_papers: int = 10,
    gate: GateParams | None = None,
    today: date | None = None,
    say: Say | None = None,
) -> GateReport:
    """Train a candidate without the newest pairs; activate it only if the gate allows."""
    gate = gate or GateParams()
    started = time.perf_counter()
    with store.session() as session:
        papers, labels = training_papers(session, min_papers)
        names = {p.key: p.name for p in list_profiles(session, kind="journal")}
    train_idx, held_idx = split_holdout(papers, gate)
    candidate_model = _train([papers[i] for i in train_idx], [labels[i] for i in train_idx],
                             models, say)  # fmt: skip
    held_papers, held_labels = [papers[i] for i in held_idx], [labels[i] for i in held_idx]
    current = load_active_model(store)
    cand = figures(candidate_model, held_papers, held_labels) if held_idx else None
    act = figures(current.model, held_papers, held_labels) if held_idx and current else None
    activated, reason = _decide(cand, act, current, len(held_idx), gate)
    version = new_version_id(datetime.now(UTC))
    manifest = _manifest(version, candidate_model, names, min_papers, time.perf_counter() - started)
    manifest["gate"] = {
        "activated": activated, "reason": reason, "holdout_pairs": len(held_idx),
        "candidate": cand.to_json() if cand else None, "active": act.to_json() if act else None,
        "compared_with": current.version if current else None, "params": gate.to_json(),
    }  # fmt: skip
    directory = models.models_dir / version
    trained = (papers[i].text for i in train_idx)
    _write_artefact(candidate_model, directory, manifest, semantic_space(trained))
    with store.session() as session:
        add_model_version(session, version, str(directory), manifest)
    n_rescored = activate_version(store, models, version, today) if activated else 0
    log.info("candidate model %s %s: %s", version, "activated" if activated else "refused", reason)
    prune_model_directories(store, models)
    return GateReport(
        version=version, activated=activated, reason=reason, n_train=len(train_idx),
        n_holdout=len(held_idx), candidate=cand, active=act,
        active_version=current.version if current else None, n_rescored=n_rescored,
    )  # fmt: skip
