"""Train from the database into a versioned artefact, and switch the active version atomically.

An artefact is a directory under `models.models_dir/<version>` (model files + manifest).
It is written under a temporary name and renamed into place; the database then registers
it, re-scores the preprints of the score window and makes it active in one transaction, so
readers see the old version with its scores or the new one with its scores, never a mix.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import ModelSettings
from bot.matching.scorer import ActiveModel, predict_window, store_window
from bot.records.progress import Say
from bot.records.wording import counted, plural
from bot.scoring.errors import EmbeddingError
from bot.scoring.model import JournalModel, ModelParams, save_model, train_model
from bot.scoring.preference import semantic_space
from bot.scoring.semantics import Semantics, save_semantics
from bot.store.db import Store
from bot.store.profiles import list_profiles, training_papers
from bot.store.scores import activate_model_version, add_model_version, model_versions

log = logging.getLogger(__name__)

STALE_PARTIAL_SECONDS = 24 * 3600  # a half-written artefact this old is from a crashed run


class TrainError(RuntimeError):
    """Training cannot start or finish; the message says what to add or fix."""


@dataclass(frozen=True)
class TrainReport:
    version: str
    path: Path
    n_papers: int
    n_journals: int
    n_profiles_too_small: int
    min_papers: int
    cv_metrics: dict[str, float]
    seconds: float
    n_rescored: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "path": str(self.path),
            "papers": self.n_papers,
            "journals": self.n_journals,
            "profiles_below_min_papers": self.n_profiles_too_small,
            "min_papers": self.min_papers,
            "cv_metrics": self.cv_metrics,
            "seconds": round(self.seconds, 3),
            "rescored_preprints": self.n_rescored,
        }


def new_version_id(now: datetime) -> str:
    """Sortable by time, unique even for two trainings in one second."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _manifest(
    version: str, model: JournalModel, names: dict[str, str], min_papers: int, seconds: float
) -> dict[str, Any]:
    counts = model.papers_per_journal()
    return {
        "version": version,
        "created": datetime.now(UTC).isoformat(),
        "min_papers": min_papers,
        "counts": {"papers": int(sum(counts.values())), "journals": len(model.journals)},
        "journals": [
            {"key": k, "name": names.get(k, k), "papers": counts[k]} for k in model.journals
        ],
        "params": model.params.to_json(),
        "cv_metrics": model.cv_metrics.to_json() if model.cv_metrics else {},
        "train_seconds": round(seconds, 3),
    }


def _write_artefact(
    model: JournalModel, directory: Path, manifest: dict[str, Any], semantics: Semantics | None
) -> None:
    """Write next to the target and rename, so a crash never leaves a half-written version.
    `semantics`: the feedback's space of the same training papers (`semantic_space`)."""
    staging = directory.with_name(f".{directory.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, staging, manifest)
    if semantics is not None:
        save_semantics(semantics, staging)
    staging.rename(directory)


def _activate(
    store: Store,
    models: ModelSettings,
    active: ActiveModel,
    manifest: dict[str, Any],
    today: date | None,
) -> int:
    """Register, re-score the window and activate in one transaction; returns preprints scored."""
    window_start = (today or datetime.now(UTC).date()) - timedelta(days=models.window_days)
    with store.session() as session:
        # Predict before the first write: on SQLite the write lock is taken at the first
        # flush, and predicting a 90-day window can take minutes with sentence embeddings.
        window = predict_window(session, active, window_start)
        add_model_version(session, active.version, str(active.path), manifest)
        n_rescored = store_window(session, active, window, window_start, models.window_days)
        activate_model_version(session, active.version)
    return n_rescored


def prune_model_directories(store: Store, models: ModelSettings) -> list[Path]:
    """Delete the files of all but the newest `keep_models` versions (never the active one)
    and leftovers of trainings that crashed; returns what was removed.

    The database keeps every version's row and manifest, so "which version scored what"
    stays answerable; only the model files go. Keeping at least two means a process that
    has just read the previous active version can still load it.
    """
    with store.session() as session:
        versions = model_versions(session)
    # The manifest's creation time has microseconds; ids only sort to the second.
    versions.sort(key=lambda v: (str(v.manifest.get("created", "")), v.id))
    keep = {v.id for v in versions[-models.keep_models :]} | {v.id for v in versions if v.active}
    removed: list[Path] = []
    root = models.models_dir
    known = {v.id for v in versions}
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        name = directory.name
        stale_partial = name.startswith(".") and name.endswith(".partial")
        if not directory.is_dir() or not (stale_partial or (name in known and name not in keep)):
            continue
        if stale_partial and time.time() - directory.stat().st_mtime < STALE_PARTIAL_SECONDS:
            continue  # another process may be writing it right now
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory)
    if removed:
        log.info("removed %d old model directories under %s", len(removed), root)
    return removed


def train_from_store(
    store: Store,
    models: ModelSettings,
    *,
    min_papers: int = 10,
    params: ModelParams | None = None,
    progress: Say | None = None,
    today: date | None = None,
) -> TrainReport:
    """Train on every journal profile with ≥ min_papers papers; make it the active version."""
    started = time.perf_counter()
    with store.session() as session:
        papers, labels = training_papers(session, min_papers)
        journals = {p.key: p for p in list_profiles(session, kind="journal")}
    n_small = sum(1 for p in journals.values() if p.n_papers < min_papers)
    if len(set(labels)) < 2:
        raise TrainError(
            f"only {counted(len(set(labels)), 'journal')} {plural('has', len(set(labels)))} "
            f"at least {counted(min_papers, 'paper')}; add papers "
            "(`rxradar profiles import FILE` or `rxradar profiles harvest biorxiv`) "
            "or lower --min-papers"
        )
    params = params or ModelParams(embedding_model=models.embedding_model)
    try:
        model = train_model(papers, labels, params, progress, models.embeddings_dir)
    except EmbeddingError as exc:
        raise TrainError(str(exc)) from exc
    seconds = time.perf_counter() - started
    version = new_version_id(datetime.now(UTC))
    names = {k: p.name for k, p in journals.items()}
    manifest = _manifest(version, model, names, min_papers, seconds)
    directory = models.models_dir / version
    if progress is not None:
        progress("semantic space for 👍/👎 feedback")
    _write_artefact(model, directory, manifest, semantic_space(p.text for p in papers))
    active = ActiveModel(version=version, model=model, path=directory)
    n_rescored = _activate(store, models, active, manifest, today)
    log.info("model %s active: %d journals, %d papers", version, len(model.journals), len(papers))
    prune_model_directories(store, models)
    return TrainReport(
        version=version,
        path=directory,
        n_papers=len(papers),
        n_journals=len(model.journals),
        n_profiles_too_small=n_small,
        min_papers=min_papers,
        cv_metrics=manifest["cv_metrics"],
        seconds=time.perf_counter() - started,
        n_rescored=n_rescored,
    )
