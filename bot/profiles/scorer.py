"""Score preprints with the active model and keep the window statistics current.

After each poll, `score_after_poll` scores only the new/changed preprints (no re-training)
and stores, per preprint, its top-K journals plus every custom or followed profile. Then the
per-profile distribution over the score window is recomputed, which is what percentile
("Top 0.1%") and lift ("2× the average") are read from.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.profiles.records import Paper
from bot.scoring import stats as window_stats
from bot.scoring.model import JournalModel, load_model
from bot.store.db import Store
from bot.store.profiles import paper_counts
from bot.store.scores import (
    ScoreRow,
    StatsRow,
    active_model_version,
    followed_profile_ids,
    preprint_papers,
    profile_ids_by_key,
    replace_scores,
    save_profile_stats,
    window_preprint_ids,
)

log = logging.getLogger(__name__)

TOP_K = 20  # journals stored per preprint, besides custom and followed profiles
CHUNK = 2000  # preprints predicted at once (bounds memory: CHUNK × journals floats)


@dataclass(frozen=True)
class ActiveModel:
    version: str
    model: JournalModel
    path: Path


@dataclass(frozen=True)
class ScoreReport:
    version: str | None
    n_scored: int
    n_rows: int
    n_window: int


_loaded: dict[str, ActiveModel] = {}  # by version: artefacts never change once written


def load_active_model(store: Store) -> ActiveModel | None:
    """The active version's model (loaded once per process), or None before any training."""
    with store.session() as session:
        info = active_model_version(session)
    if info is None:
        return None
    if info.id not in _loaded:
        _loaded.clear()  # keep one model in memory
        _loaded[info.id] = ActiveModel(info.id, load_model(Path(info.path)), Path(info.path))
    return _loaded[info.id]


def predict(active: ActiveModel, papers: Sequence[Paper]) -> np.ndarray:
    """n × journals probabilities, computed in chunks."""
    if not papers:
        return np.zeros((0, len(active.model.journals)), dtype=np.float32)
    blocks = [
        active.model.predict_proba(papers[i : i + CHUNK]).astype(np.float32)
        for i in range(0, len(papers), CHUNK)
    ]
    return np.vstack(blocks)


def _column_ids(session: Session, active: ActiveModel) -> np.ndarray:
    """Profile id per model column (-1 where the profile no longer exists)."""
    ids = profile_ids_by_key(session, active.model.journals)
    return np.array([ids.get(key, -1) for key in active.model.journals], dtype=np.int64)


def score_rows(
    preprint_ids: Sequence[str],
    probabilities: np.ndarray,
    column_ids: np.ndarray,
    keep: Collection[int],
    top_k: int = TOP_K,
) -> list[ScoreRow]:
    """Each preprint's top-K profiles plus the `keep` ones, with their 1-based ranks."""
    n_columns = probabilities.shape[1]
    k = min(top_k, n_columns)
    kept_columns = [c for c in range(n_columns) if column_ids[c] in keep]
    rows: list[ScoreRow] = []
    for i, preprint_id in enumerate(preprint_ids):
        p = probabilities[i]
        top = np.argpartition(-p, k - 1)[:k]
        top = top[np.argsort(-p[top], kind="stable")]
        ranks = {int(c): r for r, c in enumerate(top, start=1)}
        for c in kept_columns:
            ranks.setdefault(c, int((p > p[c]).sum()) + 1)
        rows.extend(
            ScoreRow(preprint_id, int(column_ids[c]), float(p[c]), rank)
            for c, rank in ranks.items()
            if column_ids[c] >= 0
        )
    return rows


@dataclass(frozen=True)
class Predictions:
    ids: list[str]
    probabilities: np.ndarray  # len(ids) × model journals

    def subset(self, wanted: Collection[str]) -> Predictions:
        index = [i for i, pid in enumerate(self.ids) if pid in wanted]
        return Predictions([self.ids[i] for i in index], self.probabilities[index])


def predict_ids(
    session: Session, active: ActiveModel, preprint_ids: Collection[str]
) -> Predictions:
    papers = preprint_papers(session, preprint_ids)
    return Predictions([p.id or "" for p in papers], predict(active, papers))


def store_scores(session: Session, active: ActiveModel, predictions: Predictions) -> int:
    """Replace the preprints' stored scores with these predictions; returns rows written."""
    rows = score_rows(
        predictions.ids,
        predictions.probabilities,
        _column_ids(session, active),
        followed_profile_ids(session),
    )
    return replace_scores(session, active.version, predictions.ids, rows)


def store_stats(
    session: Session, active: ActiveModel, window: Predictions, since: date, window_days: int
) -> None:
    """Replace every profile's score distribution with the one over `window`."""
    counts = paper_counts(session)
    rows = []
    for c, profile_id in enumerate(_column_ids(session, active)):
        if profile_id < 0:
            continue
        summary = window_stats.summarise(window.probabilities[:, c])
        rows.append(
            StatsRow(
                profile_id=int(profile_id),
                model_version=active.version,
                window_days=window_days,
                window_end=since + timedelta(days=window_days),
                n_preprints=summary.n,
                mean_probability=summary.mean,
                quantiles=tuple(summary.quantiles),
                n_papers=counts.get(int(profile_id), 0),
            )
        )
    save_profile_stats(session, rows)


def rescore_window(session: Session, active: ActiveModel, since: date, window_days: int) -> int:
    """Score every preprint in the window and recompute the statistics (after training)."""
    window = predict_ids(session, active, window_preprint_ids(session, since))
    store_scores(session, active, window)
    store_stats(session, active, window, since, window_days)
    return len(window.ids)


def window_start(settings: Settings, today: date | None = None) -> date:
    return (today or datetime.now(UTC).date()) - timedelta(days=settings.score_window_days)


def score_preprints(store: Store, model: ActiveModel, preprint_ids: Collection[str]) -> int:
    """Score (or re-score) these preprints with `model`; returns score rows written."""
    with store.session() as session:
        return store_scores(session, model, predict_ids(session, model, preprint_ids))


def score_after_poll(
    store: Store, settings: Settings, preprint_ids: Collection[str], today: date | None = None
) -> ScoreReport:
    """What a poll calls with its new/changed preprint ids. A no-op before any training.

    The window is predicted once: its rows give the statistics and, for the new preprints
    inside it, their scores; only preprints outside the window are predicted separately.
    """
    active = load_active_model(store)
    if active is None:
        log.info("no trained model yet: %d preprints left unscored", len(preprint_ids))
        return ScoreReport(None, 0, 0, 0)
    since = window_start(settings, today)
    wanted = set(preprint_ids)
    with store.session() as session:
        window = predict_ids(session, active, window_preprint_ids(session, since))
        inside = window.subset(wanted)
        outside = predict_ids(session, active, wanted - set(inside.ids))
        n_rows = store_scores(session, active, inside) + store_scores(session, active, outside)
        store_stats(session, active, window, since, settings.score_window_days)
    return ScoreReport(active.version, len(inside.ids) + len(outside.ids), n_rows, len(window.ids))
