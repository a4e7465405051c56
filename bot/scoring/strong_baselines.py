"""The stronger baselines `rxradar eval` prints next to the model (evaluation.md, issue 17).

Each takes training texts and labels and returns test probabilities; each is the plain
version of a method the model must beat, with its settings written out here:
  - centroid softmax: unit TF-IDF centroid per journal, cosine, softmax at a temperature
    fitted by log-loss on cross-validated cosines of the training papers;
  - TF-IDF + multinomial logistic regression (C = 30, evaluation.md);
  - TF-IDF → SVD 256 → logistic regression, Preprint Match's cheap "scope" model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from bot.scoring.calibration import apply_temperature, fit_temperature
from bot.scoring.features import TextVectorizer, normalize_rows
from bot.scoring.tables import indicator

CENTROID_FOLDS = 5
LR_C = 30.0  # evaluation.md's setting for TF-IDF + LR
SVD_DIMENSIONS = 256
SVD_LR_C = 10.0  # 3-fold CV on the bioRxiv training part: 1, 10, 100 → 10 best log-loss
LR_MAX_ITER = 300
SEED = 20240229


# A fitted baseline: test texts → test × journals probabilities.
Scorer = Callable[[Sequence[str]], np.ndarray]


def fit_tfidf(train_texts: Sequence[str]) -> tuple[TextVectorizer, sp.csr_matrix]:
    """Unit TF-IDF rows over word 1–2-grams (the kNN baseline's features)."""
    vectorizer = TextVectorizer(min_df=2, max_df=1.0).fit(train_texts)
    return vectorizer, vectorizer.transform(train_texts)


def centroid_cosines(centroids: sp.csr_matrix, test: sp.csr_matrix) -> np.ndarray:
    return np.asarray((test @ centroids.T).toarray(), dtype=np.float64)


def unit_centroids(train: sp.csr_matrix, labels: np.ndarray, n_journals: int) -> sp.csr_matrix:
    """journals × features: each journal's unit TF-IDF centroid."""
    return normalize_rows(sp.csr_matrix(indicator(labels, n_journals) @ train))


def centroid_temperature(
    train: sp.csr_matrix, labels: np.ndarray, n_journals: int, folds: int = CENTROID_FOLDS
) -> float:
    """The temperature minimising log-loss of softmax(cosine / T) on held-out folds."""
    fold_of = np.random.default_rng(SEED).permutation(len(labels)) % folds
    held = [np.flatnonzero(fold_of == f) for f in range(folds)]
    logits = [
        centroid_cosines(
            unit_centroids(train[fold_of != f], labels[fold_of != f], n_journals), train[rows]
        )
        for f, rows in enumerate(held)
    ]
    return fit_temperature(np.concatenate(logits), labels[np.concatenate(held)])


def fit_centroid_softmax(
    train_texts: Sequence[str], train_labels: np.ndarray, n_journals: int
) -> Scorer:
    vectorizer, train = fit_tfidf(train_texts)
    temperature = centroid_temperature(train, train_labels, n_journals)
    centroids = unit_centroids(train, train_labels, n_journals)

    def score(texts: Sequence[str]) -> np.ndarray:
        cosines = centroid_cosines(centroids, vectorizer.transform(texts))
        return apply_temperature(cosines, temperature)

    return score


def _columns(probabilities: np.ndarray, classes: np.ndarray, n_journals: int) -> np.ndarray:
    """Spread scikit-learn's class columns over every journal (absent ones get 0)."""
    out = np.zeros((len(probabilities), n_journals))
    out[:, classes] = probabilities
    return out


def fit_logistic_regression(
    train_texts: Sequence[str], train_labels: np.ndarray, n_journals: int
) -> Scorer:
    from sklearn.linear_model import LogisticRegression

    vectorizer, train = fit_tfidf(train_texts)
    model = LogisticRegression(C=LR_C, max_iter=LR_MAX_ITER).fit(train, train_labels)

    def score(texts: Sequence[str]) -> np.ndarray:
        probabilities = model.predict_proba(vectorizer.transform(texts))
        return _columns(probabilities, model.classes_, n_journals)

    return score


def fit_svd_logistic_regression(
    train_texts: Sequence[str], train_labels: np.ndarray, n_journals: int
) -> Scorer:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.linear_model import LogisticRegression

    vectorizer, train = fit_tfidf(train_texts)
    dimensions = max(1, min(SVD_DIMENSIONS, train.shape[1] - 1, train.shape[0] - 1))
    svd = TruncatedSVD(dimensions, random_state=SEED)
    reduced = svd.fit_transform(train)
    model = LogisticRegression(C=SVD_LR_C, max_iter=LR_MAX_ITER).fit(reduced, train_labels)

    def score(texts: Sequence[str]) -> np.ndarray:
        probabilities = model.predict_proba(svd.transform(vectorizer.transform(texts)))
        return _columns(probabilities, model.classes_, n_journals)

    return score
