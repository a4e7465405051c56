"""A subscription's preference model: a small logistic adjustment learnt from its votes.

The journal model says how well a preprint fits the *journal*; votes say what this
subscriber wants from it. The adjustment is a logistic regression on the preprint's text
(sublinear term frequencies of word stems, stop words dropped) and subject category, with
the journal's calibrated log-probability as a fixed offset:

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
from functools import cached_property, lru_cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS


@dataclass(frozen=True)
class PreferenceParams:
    """Every knob of the adjustment (`bench/bench_feedback.py` measures them)."""

    stem_chars: int = 6  # words cut to their first 6 letters: a cheap stemmer
    # share of a preprint's (unit-length) vector given to its subject category; the rest is
    # its words, so two preprints of one category are at least this similar
    category_share: float = 0.5
    l2: float = 0.1  # ridge on term weights (per unit-length preprint vector)
    l2_intercept: float = 1.0
    # an entry counts as moved by feedback only when its adjustment is at least this (nats)
    marker_nats: float = 0.25
    why_terms: int = 3  # terms named in "why this preprint"
    max_iterations: int = 25  # Newton steps (it converges in about 5)


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


CATEGORY = "\x00category:"  # the category's coordinate (never a word stem)
HASH_MASK = (1 << 24) - 1


@dataclass(frozen=True)
class Terms:
    """A preprint as the model sees it: a unit-length vector over word stems (sublinear tf)
    and its subject category, and the word each stem stands for (for "why")."""

    vector: dict[str, float]
    words: dict[str, str] = field(default_factory=dict)
    # the same vector as a sparse row: sorted hashed columns and their values
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stems: tuple[str, ...] = ()  # the stem (or category coordinate) of each column


@lru_cache(maxsize=50_000)
def terms(text: str, category: str = "", params: PreferenceParams = DEFAULT_PARAMS) -> Terms:
    """The vector of a title + abstract (memoised: one preprint ranks for many subscribers)."""
    return _vectorise(text, category, params)


@lru_cache(maxsize=50_000)
def terms_of(
    title: str, abstract: str, category: str = "", params: PreferenceParams = DEFAULT_PARAMS
) -> Terms:
    """`terms` of f"{title} {abstract}", memoised on the (already hashed) strings themselves,
    so a cache hit neither joins nor re-hashes an abstract."""
    return _vectorise(f"{title} {abstract}", category, params)


def _vectorise(text: str, category: str, params: PreferenceParams) -> Terms:
    counts: Counter[str] = Counter()
    words: dict[str, str] = {}
    for word in _WORD.findall(text.casefold()):
        if word in _STOP:
            continue
        stem = word[: params.stem_chars]
        counts[stem] += 1
        words.setdefault(stem, word)
    weights = {stem: 1.0 + math.log(n) for stem, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    share = params.category_share if category else 0.0
    scale = math.sqrt(1.0 - share) / norm
    vector = {stem: v * scale for stem, v in weights.items()}
    if category:
        vector[CATEGORY + category.casefold()] = math.sqrt(share)
    by_column = sorted((hash(stem) & HASH_MASK, v, stem) for stem, v in vector.items())
    columns = np.array([c for c, _, _ in by_column], dtype=np.int64)
    values = np.array([v for _, v, _ in by_column])
    return Terms(vector, words, columns, values, tuple(s for _, _, s in by_column))


def dense(docs: Sequence[Terms]) -> tuple[np.ndarray, np.ndarray]:
    """A few vectors (the voted ones) as a dense matrix over the sorted columns they use."""
    found = np.concatenate([d.columns for d in docs])
    columns, compact = np.unique(found, return_inverse=True)
    matrix = np.zeros((len(docs), len(columns)))
    row = np.repeat(np.arange(len(docs)), [len(d.columns) for d in docs])
    np.add.at(matrix, (row, compact), np.concatenate([d.values for d in docs]))
    return columns, matrix


@dataclass(frozen=True)
class Vote:
    """A voted preprint as the model sees it."""

    terms: Terms
    value: int  # +1 / -1
    probability: float


@dataclass(frozen=True)
class Preference:
    """The fitted adjustment, w = Xᵀa: the voted preprints' rows and their coefficients."""

    coefficients: np.ndarray
    votes: tuple[Vote, ...]
    params: PreferenceParams = DEFAULT_PARAMS

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
        """w = Xᵀa as a dense vector over the voted preprints' (sorted) columns, and per
        direction the part of w the preprints voted that way give."""
        columns, voted = dense([v.terms for v in self.votes])
        signs = np.array([v.value for v in self.votes])
        sides = {d: voted.T @ np.where(signs == d, self.coefficients, 0.0) for d in (1, -1)}
        return columns, voted.T @ self.coefficients, sides

    def adjustments(self, docs: Sequence[Terms]) -> np.ndarray:
        """w · x for each preprint: only the columns some voted preprint has count."""
        if not docs:
            return np.zeros(0)
        columns, weights, _ = self._columns
        found = np.concatenate([d.columns for d in docs])
        values = np.concatenate([d.values for d in docs])
        row = np.repeat(np.arange(len(docs)), [len(d.columns) for d in docs])
        at = np.minimum(np.searchsorted(columns, found), len(columns) - 1)
        hit = columns[at] == found
        pushes = values[hit] * weights[at[hit]]
        return np.bincount(row[hit], weights=pushes, minlength=len(docs))

    def adjustment(self, doc: Terms) -> float:
        return float(self.adjustments([doc])[0])

    def shared_terms(self, doc: Terms, direction: int) -> list[str]:
        """The words that moved `doc` in `direction` most, shared with preprints voted so."""
        columns, _, sides = self._columns
        side = sides[direction]
        at = np.minimum(np.searchsorted(columns, doc.columns), len(columns) - 1)
        hit = (columns[at] == doc.columns).tolist()
        pushes = (doc.values * side[at] * direction).tolist()
        best = sorted(
            (push, stem)
            for push, stem, shared in zip(pushes, doc.stems, hit, strict=True)
            if shared and push > 0 and not stem.startswith(CATEGORY)
        )[::-1][: self.params.why_terms]
        return [doc.words.get(s, s) for _, s in best]


def _newton(
    kernel: np.ndarray, y: np.ndarray, offset: np.ndarray, params: PreferenceParams
) -> tuple[float, np.ndarray]:
    """Minimise the L2-penalised log-loss in the span of the voted vectors (w = Xᵀa, so
    x·w = K a): as many unknowns as votes, not as words; Newton converges in a few steps.

    loss = Σ log(1 + exp(-y (b + offset + K a))) + l2/2 aᵀK a + l2_intercept/2 b²
    """
    n = len(y)
    b, a = 0.0, np.zeros(n)
    target = (y + 1.0) / 2.0
    jitter = 1e-8 * np.eye(n)  # K is singular when two votes have the same text
    for _ in range(params.max_iterations):
        p = 1.0 / (1.0 + np.exp(-(b + offset + kernel @ a)))
        d = p * (1.0 - p)
        residual = p - target + params.l2 * a
        grad = np.concatenate(([(p - target).sum() + params.l2_intercept * b], kernel @ residual))
        hessian = np.empty((n + 1, n + 1))
        kd = kernel * d  # K D (columns scaled)
        hessian[0, 0] = d.sum() + params.l2_intercept
        hessian[0, 1:] = hessian[1:, 0] = kernel @ d
        hessian[1:, 1:] = kd @ kernel + params.l2 * kernel + jitter
        try:
            step = np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hessian, grad, rcond=None)[0]
        b, a = b - step[0], a - step[1:]
        if np.abs(step).max() < 1e-6:
            break
    return b, a


def fit(votes: Sequence[Vote], params: PreferenceParams = DEFAULT_PARAMS) -> Preference | None:
    """The adjustment for these votes; None without votes (the ranking stays the journal's)."""
    if not votes:
        return None
    y = np.array([float(v.value) for v in votes])
    offset = np.log([max(v.probability, PROBABILITY_FLOOR) for v in votes])
    _, voted = dense([v.terms for v in votes])
    _, a = _newton(voted @ voted.T, y, offset, params)
    return Preference(a, tuple(votes), params)


def rank_score(probability: float, adjustment: float) -> float:
    """What a digest is ordered by once a subscription has votes."""
    return math.log(max(probability, PROBABILITY_FLOOR)) + adjustment
