"""The two baselines of evaluation.md, journal prior and TF-IDF kNN (strong_baselines.py has
the stronger ones)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from bot.scoring.features import TextVectorizer

KNN_CHUNK = 512  # test rows per similarity block: bounds memory at chunk × training papers


def prior_probabilities(train_labels: np.ndarray, n_journals: int, n_rows: int) -> np.ndarray:
    """Every row gets the journals' training frequencies."""
    counts = np.bincount(train_labels, minlength=n_journals).astype(np.float64)
    return np.tile(counts / counts.sum(), (n_rows, 1))


def _votes(similarity: np.ndarray, train_labels: np.ndarray, n_journals: int, k: int) -> np.ndarray:
    k = min(k, similarity.shape[1])
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    weights = np.maximum(np.take_along_axis(similarity, nearest, axis=1), 0.0)
    votes = np.zeros((similarity.shape[0], n_journals))
    rows = np.repeat(np.arange(similarity.shape[0]), k)
    np.add.at(votes, (rows, train_labels[nearest].ravel()), weights.ravel())
    return votes


def knn_probabilities(
    train_texts: Sequence[str],
    train_labels: np.ndarray,
    test_texts: Sequence[str],
    n_journals: int,
    k: int = 50,
) -> np.ndarray:
    """Cosine kNN on TF-IDF word 1–2-grams, votes weighted by similarity, normalised.

    Rows with no similar neighbour at all fall back to the training frequencies.
    """
    return fit_knn(train_texts, train_labels, n_journals, k)(test_texts)


def fit_knn(
    train_texts: Sequence[str], train_labels: np.ndarray, n_journals: int, k: int = 50
) -> Callable[[Sequence[str]], np.ndarray]:
    """`knn_probabilities` in two steps: fit on the training texts, then score any texts."""
    vectorizer = TextVectorizer(min_df=2, max_df=1.0).fit(train_texts)
    train = vectorizer.transform(train_texts)

    def score(test_texts: Sequence[str]) -> np.ndarray:
        return _knn(train, train_labels, vectorizer.transform(test_texts), n_journals, k)

    return score


def _knn(
    train: sp.csr_matrix, train_labels: np.ndarray, test: sp.csr_matrix, n_journals: int, k: int
) -> np.ndarray:
    prior = prior_probabilities(train_labels, n_journals, 1)[0]
    out = np.zeros((test.shape[0], n_journals))
    for start in range(0, test.shape[0], KNN_CHUNK):
        block = sp.csr_matrix(test[start : start + KNN_CHUNK] @ train.T).toarray()
        votes = _votes(block, train_labels, n_journals, k)
        totals = votes.sum(axis=1, keepdims=True)
        out[start : start + len(block)] = np.where(
            totals > 0, votes / np.where(totals > 0, totals, 1.0), prior
        )
    return out
