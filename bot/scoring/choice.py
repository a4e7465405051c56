"""Calibration settings chosen by cross-validation on each training set (issue 17).

The per-journal offsets' ridge and whether the top-1 map is used were once fixed from
bioRxiv. A set with a dozen large journals (arXiv journal-refs) or a thousand small ones
may want others, so `train_model` picks them on its own held-out scores: the held-out
rows are split into folds, each candidate is fitted on the other folds and judged by the
log-loss of the held-out fold (a proper score: it rewards honest probabilities, and on a
few hundred papers it is far less noisy than the ECE). Rankings change only through the
offsets; the top-1 map never changes a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.scoring.calibration import (
    TOP_LABEL_IDENTITY,
    apply_top_label,
    fit_biases,
    fit_top_label,
    softmax,
)

BIAS_PRIORS = (0.0, 2.0, 8.0)  # ridge of the offsets, in pseudo-papers (0 = no offsets)
CHOICE_FOLDS = 5
CHOICE_MAX_ROWS = 2000  # held-out rows the choice looks at (bounds its cost at scale)
CHOICE_SEED = 20240229


@dataclass(frozen=True)
class CalibrationChoice:
    journal_bias_prior: float
    top_label: bool
    log_loss: float  # cross-validated, of the chosen setting

    def to_json(self) -> dict[str, float | bool]:
        return {
            "journal_bias_prior": self.journal_bias_prior,
            "top_label": self.top_label,
            "log_loss": round(self.log_loss, 6),
        }


def fit_calibration(
    logits: np.ndarray, labels: np.ndarray, bias_prior: float, top_label: bool
) -> tuple[np.ndarray, tuple[float, ...]]:
    """(per-journal offsets, top-1 map) fitted on held-out logits."""
    biases = fit_offsets(logits, labels, bias_prior)
    top = fit_top_label(softmax(logits + biases), labels) if top_label else TOP_LABEL_IDENTITY
    return biases, top


def fit_offsets(logits: np.ndarray, labels: np.ndarray, bias_prior: float) -> np.ndarray:
    if bias_prior <= 0:
        return np.zeros(logits.shape[1])
    return fit_biases(logits, labels, bias_prior / len(labels))


def _log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    true = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(true, 1e-12, 1.0)).sum())


def _fold_losses(
    logits: np.ndarray, labels: np.ndarray, fit: np.ndarray, prior: float
) -> tuple[float, float]:
    """Held-out log-loss of the fold `~fit` without and with the top-1 map."""
    biases = fit_offsets(logits[fit], labels[fit], prior)
    held = softmax(logits[~fit] + biases)
    top = fit_top_label(softmax(logits[fit] + biases), labels[fit])
    truth = labels[~fit]
    return _log_loss(held, truth), _log_loss(apply_top_label(held, top), truth)


def choose_calibration(logits: np.ndarray, labels: np.ndarray) -> CalibrationChoice:
    """The (offset ridge, top-1 map on/off) with the lowest cross-validated log-loss;
    ties go to the setting listed first (no offsets, no map)."""
    rng = np.random.default_rng(CHOICE_SEED)
    rows = rng.permutation(len(labels))[:CHOICE_MAX_ROWS]
    logits, labels = logits[rows], labels[rows]
    fold_of = np.arange(len(labels)) % CHOICE_FOLDS
    losses: dict[tuple[float, bool], float] = {}
    for prior in BIAS_PRIORS:
        totals = np.zeros(2)
        for fold in range(min(CHOICE_FOLDS, len(labels))):
            totals += _fold_losses(logits, labels, fold_of != fold, prior)
        losses[(prior, False)], losses[(prior, True)] = float(totals[0]), float(totals[1])
    best = min(losses, key=losses.__getitem__)
    return CalibrationChoice(best[0], best[1], losses[best] / max(len(labels), 1))
