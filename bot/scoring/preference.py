"""A subscription's preference model: a small logistic adjustment learnt from its votes.

The journal model says how well a preprint fits the *journal*; votes say what this
subscriber wants from it. The adjustment is a logistic regression on the preprint's text
(TF-IDF over word stems, the idf taken from the preprints being ranked plus the voted
ones) with the journal's calibrated log-probability as a fixed offset:

    P(👍 | preprint) = σ(b + log p_journal + w · x)

fitted by L2-penalised log-loss on the voted preprints. A preprint's rank score is then
`log p_journal + w · x` (the intercept does not change an order). The penalty is strong
(`PreferenceParams.l2`), so a handful of votes moves similar preprints by a few nats and
never rewrites a digest; with no votes, w = 0 and nothing is fitted at all.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


@dataclass(frozen=True)
class PreferenceParams:
    """Every knob of the adjustment (`bench/bench_feedback.py` measures them)."""

    stem_chars: int = 6  # words cut to their first 6 letters: a cheap stemmer
    l2: float = 0.5  # ridge on term weights (per unit of L2-normalised TF-IDF)
    l2_intercept: float = 1.0
    # an entry counts as moved by feedback only when its adjustment is at least this (nats)
    marker_nats: float = 0.25
    why_terms: int = 3  # terms named in "why this preprint"
    max_iterations: int = 100


DEFAULT_PARAMS = PreferenceParams()
# words that say nothing about a topic in an abstract (on top of sklearn's English list)
_GENERIC = frozenset(
    "using used use based results result show shows shown study studies data analysis "
    "method methods approach new novel here also however found find findings paper report "
    "reported present provide provides role important including identified identify two "
    "three different high higher low lower large small well may can within across among "
    "between whether thus suggest suggests suggesting revealed reveal demonstrate "
    "demonstrated significant significantly potential number increased".split()
)
_STOP = frozenset(ENGLISH_STOP_WORDS) | _GENERIC
_WORD = re.compile(r"[^\W\d_]{3,}")
PROBABILITY_FLOOR = 1e-6  # log(0) has no rank


@dataclass(frozen=True)
class Terms:
    """A text's stems with their counts, and the word each stem stands for (for display)."""

    counts: dict[str, int]
    words: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=50_000)
def terms(text: str, stem_chars: int = DEFAULT_PARAMS.stem_chars) -> Terms:
    """Stems of a title + abstract (memoised: the same preprints rank for many subscribers)."""
    counts: Counter[str] = Counter()
    words: dict[str, str] = {}
    for word in _WORD.findall(text.casefold()):
        if word in _STOP:
            continue
        stem = word[:stem_chars]
        counts[stem] += 1
        words.setdefault(stem, word)
    return Terms(dict(counts), words)


def _vectors(docs: Sequence[Terms], vocab: dict[str, int], idf: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(docs), len(vocab)))
    for row, doc in enumerate(docs):
        for stem, count in doc.counts.items():
            column = vocab.get(stem)
            if column is not None:
                matrix[row, column] = (1.0 + math.log(count)) * idf[column]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class Vote:
    """A voted preprint as the model sees it."""

    terms: Terms
    value: int  # +1 / -1
    probability: float


@dataclass(frozen=True)
class Preference:
    """The fitted adjustment: a weight per stem (only stems of voted preprints have one)."""

    weights: dict[str, float]
    idf: dict[str, float]
    liked: frozenset[str]  # stems of preprints voted 👍 (for "why")
    disliked: frozenset[str]
    params: PreferenceParams = DEFAULT_PARAMS

    def adjustment(self, doc: Terms) -> float:
        """w · x for one preprint (its TF-IDF row restricted to the voted vocabulary)."""
        return self.contributions(doc).sum() if doc.counts else 0.0

    def contributions(self, doc: Terms) -> np.ndarray:
        stems = [s for s in doc.counts if s in self.weights]
        if not stems:
            return np.zeros(0)
        norm = _norm(doc, self.idf)
        return np.array([self._tfidf(doc, s) / norm * self.weights[s] for s in stems])

    def _tfidf(self, doc: Terms, stem: str) -> float:
        return (1.0 + math.log(doc.counts[stem])) * self.idf.get(stem, 1.0)

    def shared_terms(self, doc: Terms, direction: int) -> list[str]:
        """The words that moved `doc` in `direction` most, shared with preprints voted so."""
        pool = self.liked if direction > 0 else self.disliked
        stems = [s for s in doc.counts if s in self.weights and s in pool]
        pushes = [(self._tfidf(doc, s) * self.weights[s] * direction, s) for s in stems]
        best = sorted((p for p in pushes if p[0] > 0), reverse=True)[: self.params.why_terms]
        return [doc.words.get(s, s) for _, s in best]


def _norm(doc: Terms, idf: dict[str, float]) -> float:
    """L2 norm of the whole TF-IDF row (unknown stems count with the largest idf)."""
    top = max(idf.values(), default=1.0)
    squares = sum(((1.0 + math.log(c)) * idf.get(s, top)) ** 2 for s, c in doc.counts.items())
    return math.sqrt(squares) or 1.0


def smooth_idf(docs: Sequence[Terms]) -> dict[str, float]:
    """ln((1+n)/(1+df)) + 1 over the given documents (the pool being ranked + voted)."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.counts.keys())
    n = len(docs)
    return {stem: math.log((1 + n) / (1 + k)) + 1.0 for stem, k in df.items()}


def _loss(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, offset: np.ndarray, params: PreferenceParams
) -> tuple[float, np.ndarray]:
    b, w = theta[0], theta[1:]
    margin = y * (b + offset + x @ w)
    loss = np.logaddexp(0.0, -margin).sum() + 0.5 * params.l2 * w @ w
    loss += 0.5 * params.l2_intercept * b * b
    slope = -y / (1.0 + np.exp(margin))  # d loss / d logit
    grad = np.concatenate(([slope.sum() + params.l2_intercept * b], x.T @ slope + params.l2 * w))
    return float(loss), grad


def fit(
    votes: Sequence[Vote], pool: Sequence[Terms], params: PreferenceParams = DEFAULT_PARAMS
) -> Preference | None:
    """The adjustment for these votes; None without votes (the ranking stays the journal's)."""
    if not votes:
        return None
    idf = smooth_idf([*pool, *(v.terms for v in votes)])
    vocab = {stem: i for i, stem in enumerate(sorted({s for v in votes for s in v.terms.counts}))}
    idf_vector = np.array([idf[s] for s in vocab])
    x = _vectors([v.terms for v in votes], vocab, idf_vector)
    y = np.array([float(v.value) for v in votes])
    offset = np.log([max(v.probability, PROBABILITY_FLOOR) for v in votes])
    result = minimize(
        _loss, np.zeros(len(vocab) + 1), args=(x, y, offset, params), jac=True,
        method="L-BFGS-B", options={"maxiter": params.max_iterations},
    )  # fmt: skip
    weights = dict(zip(vocab, result.x[1:].tolist(), strict=True))
    liked = frozenset(s for v in votes if v.value > 0 for s in v.terms.counts)
    disliked = frozenset(s for v in votes if v.value < 0 for s in v.terms.counts)
    return Preference(weights, idf, liked, disliked, params)


def rank_score(probability: float, adjustment: float) -> float:
    """What a digest is ordered by once a subscription has votes."""
    return math.log(max(probability, PROBABILITY_FLOOR)) + adjustment
