"""Ranking and calibration metrics (evaluation.md): acc@k, MRR, ECE of the top-1 probability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ECE_BINS = 10


@dataclass(frozen=True)
class Metrics:
    acc_at_1: float
    acc_at_5: float
    acc_at_10: float
    mrr: float
    ece: float

    def to_json(self) -> dict[str, float]:
        return {
            "acc@1": round(self.acc_at_1, 6),
            "acc@5": round(self.acc_at_5, 6),
            "acc@10": round(self.acc_at_10, 6),
            "mrr": round(self.mrr, 6),
            "ece": round(self.ece, 6),
        }


def true_ranks(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """1-based rank of each row's true journal; ties count against the model (pessimistic)."""
    true = probabilities[np.arange(len(labels)), labels]
    return np.asarray((probabilities >= true[:, None]).sum(axis=1), dtype=np.int64)


def accuracy_at(ranks: np.ndarray, k: int) -> float:
    return float((ranks <= k).mean()) if len(ranks) else 0.0


def mean_reciprocal_rank(ranks: np.ndarray) -> float:
    return float((1.0 / ranks).mean()) if len(ranks) else 0.0


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Σ_b |B_b|/n · |mean confidence − accuracy| over equal-width confidence bins."""
    if len(confidence) == 0:
        return 0.0
    index = np.minimum((np.asarray(confidence) * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        member = index == b
        if member.any():
            gap = confidence[member].mean() - np.asarray(correct, dtype=float)[member].mean()
            total += member.mean() * abs(gap)
    return float(total)


def evaluate(probabilities: np.ndarray, labels: np.ndarray) -> Metrics:
    """All metrics for an n × journals probability matrix and the true journal indices."""
    labels = np.asarray(labels)
    ranks = true_ranks(probabilities, labels)
    top = probabilities.argmax(axis=1) if len(labels) else labels
    confidence = probabilities.max(axis=1) if len(labels) else np.zeros(0)
    return Metrics(
        acc_at_1=accuracy_at(ranks, 1),
        acc_at_5=accuracy_at(ranks, 5),
        acc_at_10=accuracy_at(ranks, 10),
        mrr=mean_reciprocal_rank(ranks),
        ece=expected_calibration_error(confidence, top == labels),
    )


RETRIEVAL_DEPTH = 10  # P@10: a digest shows about ten preprints per journal


@dataclass(frozen=True)
class Retrieval:
    """The digest's own metric: per journal, the test preprints ranked by P(journal | x)."""

    mean_average_precision: float
    precision_at_10: float
    n_journals: int  # journals with at least one test preprint (the ones averaged over)
    # each of those journals' average precision, in journal-column order: two methods on
    # the same test papers can be compared journal by journal (`paired_difference`)
    average_precisions: tuple[float, ...] = ()

    def to_json(self) -> dict[str, float]:
        return {
            "map": round(self.mean_average_precision, 6),
            "p@10": round(self.precision_at_10, 6),
        }


def _journal_ranking(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """Relevance of rows in ranked order; ties put irrelevant rows first (pessimistic,
    as `true_ranks`), so a method that scores every row alike earns no credit for order."""
    order = np.lexsort((relevant, -scores))
    return relevant[order]


def journal_retrieval(
    probabilities: np.ndarray, labels: np.ndarray, depth: int = RETRIEVAL_DEPTH
) -> Retrieval:
    """Mean over journals of average precision and precision@depth (depth fixed, so a
    journal with 3 test preprints has at most 0.3)."""
    labels = np.asarray(labels)
    present = np.unique(labels)
    if len(present) == 0:
        return Retrieval(0.0, 0.0, 0)
    aps, precisions = [], []
    for j in present:
        ranked = _journal_ranking(probabilities[:, j], labels == j)
        hits = np.cumsum(ranked)
        positions = np.flatnonzero(ranked) + 1
        aps.append(float((hits[ranked] / positions).mean()))
        precisions.append(float(ranked[:depth].sum()) / depth)
    return Retrieval(float(np.mean(aps)), float(np.mean(precisions)), len(present), tuple(aps))


def paired_difference(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """(mean of a − b, its standard error) over paired values, e.g. two methods' average
    precisions journal by journal. Pairing removes what the journals themselves contribute
    (an easy journal is easy for both), so the error is that of the difference alone."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(d) == 0:
        raise ValueError("no pairs to compare")
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return float(d.mean()), se


@dataclass(frozen=True)
class CalibrationNoise:
    """The ECE a perfectly calibrated model with these top-1 confidences shows on this many
    papers: each paper's top-1 is right with exactly its stated probability, redrawn."""

    mean: float
    p90: float
    share_at_least: float  # of draws with ECE ≥ the observed one (how surprising it is)


def calibration_noise(
    confidence: np.ndarray, observed: float, draws: int = 2000, seed: int = 0
) -> CalibrationNoise:
    """ECE's noise floor (evaluation.md's ECE: top-1, 10 equal-width bins) for `confidence`."""
    confidence = np.asarray(confidence, dtype=np.float64)
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            expected_calibration_error(confidence, rng.random(len(confidence)) < confidence)
            for _ in range(draws)
        ]
    )
    return CalibrationNoise(
        float(values.mean()),
        float(np.quantile(values, 0.9)),
        float((values >= observed - 1e-12).mean()),
    )
