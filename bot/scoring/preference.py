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
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from bot.scoring.semantics import MAX_DIMENSIONS, Semantics, fit_semantics


@dataclass(frozen=True)
class PreferenceParams:
    """Every knob of the adjustment (`bench/bench_feedback.py` measures them)."""

    stem_chars: int = 6  # words cut to their first 6 letters: a cheap stemmer
    # share of a preprint's (unit-length) vector given to its subject category; the rest is
    # its words, so two preprints of one category are at least this similar
    category_share: float = 0.5
    # share of the vector given to the semantic coordinates (`bot.scoring.semantics`),
    # when the active model has them: words and category keep their proportions in the rest
    semantic_share: float = 0.3
    semantic_dims: int = 16  # the first this many of the space's coordinates
    # ridge on term weights (per unit-length preprint vector). This, the shares and the
    # dimensions were chosen on the --tune subscribers of bench/bench_feedback.py,
    # category and topic ones mixed, three vote seeds (bench/README)
    l2: float = 0.01
    l2_intercept: float = 1.0
    # an entry counts as moved by feedback only when its adjustment is at least this (nats)
    marker_nats: float = 0.25
    why_terms: int = 3  # terms named in "why this preprint"
    max_iterations: int = 25  # Newton steps (4-6 on the bench's vote sets)
    # the fit stops once a Newton step would move no preprint's score by more than this
    tolerance: float = 1e-6  # nats

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Hashed once: the memo of preprint vectors is keyed on the settings, and a digest
        looks up every candidate's vector."""
        return hash(astuple(self))


DEFAULT_PARAMS = PreferenceParams()
FIT_VERSION = 2  # of what a fit computes: a stored fit of another version is fitted again
# words that say nothing about a topic in an abstract (on top of sklearn's English list)
_GENERIC = frozenset(
    "using used use based results result show shows shown study studies data analysis "
    "method methods approach new novel here also however found find findings paper report "
    "reported present provide provides role important including identified identify two "
    "three different high higher low lower large small well may can within across among "
    "between whether thus suggest suggests suggesting revealed reveal demonstrate "
    "demonstrated significant significantly potential number increased".split()
)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """sklearn's English list and `_GENERIC`. Imported on first use: importing sklearn takes
    about 2 s, and every `rxradar` command imports this module (digests render "why")."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _GENERIC


_WORD = re.compile(r"[^\W\d_]{3,}")
PROBABILITY_FLOOR = 1e-6  # log(0) has no rank
MAX_HALVINGS = 30  # of a Newton step that does not lower the loss


CATEGORY = "\x00category:"  # the category's coordinate (never a word stem)
SEMANTIC = "\x00semantic:"  # a semantic coordinate's (never a word stem)
HASH_MASK = (1 << 24) - 1
SEMANTIC_COLUMN = HASH_MASK + 1  # the first semantic coordinate's column
GEMM_CELLS = 1 << 17  # multiply-adds per dense product (OpenBLAS threads from 1 << 18)


@dataclass(frozen=True, eq=False)
class Terms:
    """A preprint as the model sees it: a unit-length vector over word stems (sublinear tf)
    and its subject category, and the word each stem stands for (for "why"). Compared and
    hashed by identity: `terms` memoises them, so one text is one object."""

    vector: dict[str, float]
    words: dict[str, str] = field(default_factory=dict)
    # the same vector as a sparse row: sorted hashed columns and their values
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stems: tuple[str, ...] = ()  # the stem (or category coordinate) of each column


@lru_cache(maxsize=50_000)
def terms(
    text: str,
    category: str = "",
    params: PreferenceParams = DEFAULT_PARAMS,
    semantics: Semantics | None = None,
) -> Terms:
    """The vector of a title + abstract (memoised: one preprint ranks for many subscribers)."""
    return _vectorise(text, category, params, semantics)


@lru_cache(maxsize=50_000)
def terms_of(
    title: str,
    abstract: str,
    category: str = "",
    params: PreferenceParams = DEFAULT_PARAMS,
    semantics: Semantics | None = None,
) -> Terms:
    """`terms` of f"{title} {abstract}", memoised on the (already hashed) strings themselves,
    so a cache hit neither joins nor re-hashes an abstract."""
    return _vectorise(f"{title} {abstract}", category, params, semantics)


def stem_counts(text: str, stem_chars: int) -> tuple[Counter[str], dict[str, str]]:
    """A text's word stems (stop words dropped) with their counts, and a word for each."""
    counts: Counter[str] = Counter()
    words: dict[str, str] = {}
    stop = _stop_words()
    for word in _WORD.findall(text.casefold()):
        if word in stop:
            continue
        stem = word[:stem_chars]
        counts[stem] += 1
        words.setdefault(stem, word)
    return counts, words


def _vectorise(
    text: str, category: str, params: PreferenceParams, semantics: Semantics | None
) -> Terms:
    counts, words = stem_counts(text, params.stem_chars)
    weights = {stem: 1.0 + math.log(n) for stem, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    dense = _semantic(text, weights, params, semantics)
    kept = math.sqrt(1.0 - params.semantic_share) if dense is not None else 1.0
    share = params.category_share if category else 0.0
    scale = math.sqrt(1.0 - share) / norm * kept
    vector = {stem: v * scale for stem, v in weights.items()}
    if category:
        vector[CATEGORY + category.casefold()] = math.sqrt(share) * kept
    merged: dict[int, tuple[float, str]] = {}  # two stems hashed alike share one column
    for stem, v in vector.items():
        # a stable hash: hash() is salted per process, so which stems collide (and with it
        # a digest's order) would depend on the process that built the digest
        column = zlib.crc32(stem.encode()) & HASH_MASK
        before, first = merged.get(column, (0.0, stem))
        merged[column] = (before + v, first)
    by_column = sorted(merged.items())
    if dense is not None:  # after every hashed column: the order stays sorted
        share = math.sqrt(params.semantic_share)
        by_column += [(SEMANTIC_COLUMN + i, (float(v) * share, f"{SEMANTIC}{i}"))
                      for i, v in enumerate(dense)]  # fmt: skip
    columns = np.array([c for c, _ in by_column], dtype=np.int64)
    values = np.array([v for _, (v, _) in by_column])
    length = float(np.linalg.norm(values))
    if length > 0:  # two stems on one column add up: unit length again (|w · x| ≤ ‖w‖)
        values /= length
    return Terms(vector, words, columns, values, tuple(s for _, (_, s) in by_column))


def semantic_space(
    texts: Iterable[str],
    params: PreferenceParams = DEFAULT_PARAMS,
    dimensions: int = MAX_DIMENSIONS,
) -> Semantics | None:
    """The semantic space of a journal model's training texts, in this model's stems."""
    counted = (stem_counts(text, params.stem_chars)[0] for text in texts)
    return fit_semantics(counted, params.stem_chars, dimensions)


def _semantic(
    text: str, weights: dict[str, float], params: PreferenceParams, semantics: Semantics | None
) -> np.ndarray | None:
    """The text's semantic coordinates, or None when there are none to give (no space, a
    zero share, or no stem of the text known to it)."""
    if semantics is None or params.semantic_share <= 0 or params.semantic_dims <= 0:
        return None
    if semantics.stem_chars != params.stem_chars:  # the space's own stems
        counts, _ = stem_counts(text, semantics.stem_chars)
        weights = {stem: 1.0 + math.log(n) for stem, n in counts.items()}
    z = semantics.embed(weights, min(params.semantic_dims, semantics.dimensions))
    return z if z.any() else None


@dataclass(frozen=True)
class Stack:
    """A few vectors (the voted ones) as one sparse matrix X: each entry's row, its place in
    the sorted distinct `columns`, and its value (a row holds a column at most once)."""

    columns: np.ndarray
    row: np.ndarray
    at: np.ndarray
    values: np.ndarray
    n: int

    def gram(self) -> np.ndarray:
        """K = X Xᵀ. A column only one row has adds its square to that row's diagonal; the
        columns rows share (a few hundred of the ~900 that 21 votes use) are multiplied as
        dense blocks of at most `GEMM_CELLS` multiply-adds each: a bigger product makes
        OpenBLAS wake its threads, which on a loaded 2-core machine cost milliseconds a
        call. (Exact either way: the blocks' products are summed.)"""
        counts = np.bincount(self.at, minlength=len(self.columns))
        shared = counts[self.at] > 1
        alone = ~shared
        squares = np.bincount(self.row[alone], self.values[alone] ** 2, minlength=self.n)
        kernel = np.diag(squares.astype(float))  # (bincount of nothing is an int array)
        used, compact = np.unique(self.at[shared], return_inverse=True)
        matrix = np.zeros((self.n, len(used)))
        matrix[self.row[shared], compact.reshape(-1)] = self.values[shared]
        width = max(1, GEMM_CELLS // (self.n * self.n))
        for start in range(0, len(used), width):
            block = matrix[:, start : start + width]
            kernel += block @ block.T
        return kernel

    def transposed_times(self, a: np.ndarray) -> np.ndarray:
        """Xᵀa over `columns` (a sum per column, no BLAS either)."""
        weights = self.values * a[self.row]
        return np.bincount(self.at, weights=weights, minlength=len(self.columns))


def similarities(docs: Sequence[Terms], others: Sequence[Terms], columns: np.ndarray) -> np.ndarray:
    """x_d · x_o for every doc and other (1 for one text). `columns`: sorted, holding every
    column of the others (a fit's `Preference.columns` for its votes). Only the columns
    some doc shares with some other are laid out: a doc's other columns count nothing."""
    if not docs or not others:
        return np.zeros((len(docs), len(others)))
    doc_rows, doc_at, doc_values = _placed(docs, columns)
    used, doc_at = np.unique(doc_at, return_inverse=True)
    if not len(used):
        return np.zeros((len(docs), len(others)))
    other_rows, other_at, other_values = _placed(others, columns)
    place = np.minimum(np.searchsorted(used, other_at), len(used) - 1)
    shared = used[place] == other_at
    left, right = np.zeros((len(docs), len(used))), np.zeros((len(others), len(used)))
    left[doc_rows, doc_at.reshape(-1)] = doc_values
    right[other_rows[shared], place[shared]] = other_values[shared]
    return left @ right.T


def _placed(docs: Sequence[Terms], columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """The docs' entries on `columns` (row, place in `columns`, value); the rest dropped."""
    found = np.concatenate([t.columns for t in docs])
    at = np.minimum(np.searchsorted(columns, found), len(columns) - 1)
    hit = columns[at] == found
    row = np.repeat(np.arange(len(docs)), [len(t.columns) for t in docs])
    return row[hit], at[hit], np.concatenate([t.values for t in docs])[hit]


def stack(docs: Sequence[Terms]) -> Stack:
    found = np.concatenate([d.columns for d in docs])
    columns, at = np.unique(found, return_inverse=True)
    row = np.repeat(np.arange(len(docs)), [len(d.columns) for d in docs])
    values = np.concatenate([d.values for d in docs])
    return Stack(columns, row, at.reshape(-1), values, len(docs))


@dataclass(frozen=True)
class Vote:
    """A voted preprint as the model sees it."""

    terms: Terms
    value: int  # +1 / -1
    probability: float


@dataclass(frozen=True, eq=False)
class Preference:
    """The fitted adjustment as weights: w = Xᵀa over the voted preprints' (sorted) columns,
    and the part of w the 👍 votes give and the part the 👎 votes give (for "why"). Plain
    arrays, so a fit made when the votes changed can be stored and used by every later
    digest without fitting again."""

    columns: np.ndarray  # sorted hashed columns (int64)
    weights: np.ndarray  # w on them
    up: np.ndarray  # the 👍 votes' part of w
    down: np.ndarray  # the 👎 votes' part
    params: PreferenceParams = DEFAULT_PARAMS
    steps: int = 0  # Newton steps taken (max_iterations: it did not converge)

    def _hits(self, docs: Sequence[Terms]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The docs' entries (row, value) and, per entry, whether some voted preprint has its
        column and where in `columns` (one sorted search for all the docs)."""
        columns = self.columns
        found = np.concatenate([d.columns for d in docs])
        values = np.concatenate([d.values for d in docs])
        row = np.repeat(np.arange(len(docs)), [len(d.columns) for d in docs])
        at = np.minimum(np.searchsorted(columns, found), len(columns) - 1)
        return row, values, at, columns[at] == found

    def adjustments(self, docs: Sequence[Terms]) -> np.ndarray:
        """w · x for each preprint: only the columns some voted preprint has count."""
        return self.adjustments_on(stack(docs)) if docs else np.zeros(0)

    def adjustments_on(self, stacked: Stack) -> np.ndarray:
        """`adjustments` of preprints stacked already (a journal's candidates are stacked
        once and ranked for every subscription that follows it)."""
        if not stacked.n:
            return np.zeros(0)
        columns, weights = self.columns, self.weights
        # w over the batch's columns: one sorted search of the (few) voted columns
        at = np.minimum(np.searchsorted(columns, stacked.columns), len(columns) - 1)
        on_batch = np.where(columns[at] == stacked.columns, weights[at], 0.0)
        pushes = stacked.values * on_batch[stacked.at]
        return np.bincount(stacked.row, weights=pushes, minlength=stacked.n)

    def adjustment(self, doc: Terms) -> float:
        return float(self.adjustments([doc])[0])

    def shared_terms(self, doc: Terms, direction: int) -> list[str]:
        return self.shared_terms_of([doc], [direction])[0]

    def shared_terms_of(self, docs: Sequence[Terms], directions: Sequence[int]) -> list[list[str]]:
        """For each doc, the words that moved it in its direction most, shared with
        preprints voted so. Pushes equal but for rounding (one vote: tf products like 2·1
        and 1·2) count as equal, and the word weighing more in the doc comes first, then
        the later stem: the last bits of a sum must not pick the words a reader sees."""
        if not docs:
            return []
        row, values, at, hit = self._hits(docs)
        way = np.asarray(directions, dtype=float)[row]
        pushes = values * np.where(way > 0, self.up[at], self.down[at]) * way * hit
        sizes = [len(d.columns) for d in docs]
        starts = np.cumsum([0, *sizes[:-1]])
        top = np.maximum.reduceat(pushes, starts) if all(sizes) else _tops(pushes, row, len(docs))
        keep = np.flatnonzero(pushes > 0)
        rounded = np.round(pushes[keep] / top[row[keep]], 9)
        keep, rounded = _leading(keep, rounded, row[keep], self.params.why_terms + 1)
        best: list[list[tuple[float, float, str]]] = [[] for _ in docs]
        kept = (keep - starts[row[keep]]).tolist(), row[keep].tolist(), rounded.tolist()
        for i, doc, push, value in zip(*kept, values[keep].tolist(), strict=True):
            stem = docs[doc].stems[i]
            if not stem.startswith("\x00"):  # a word, not the category or semantics
                best[doc].append((push, value, stem))
        n = self.params.why_terms
        return [
            [doc.words.get(s, s) for _, _, s in sorted(found, reverse=True)[:n]]
            for doc, found in zip(docs, best, strict=True)
        ]


@dataclass(frozen=True)
class Fitted:
    """A subscription's adjustment and what it was fitted from (a hash of its votes, their
    texts and offsets, the settings and `FIT_VERSION`): fitted when the votes change and
    stored, so that its digests need not fit again."""

    key: str
    preference: Preference


def _leading(
    keep: np.ndarray, rounded: np.ndarray, row: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Of each row's entries, those pushing at least as much as its n-th strongest (ties
    kept whole): the words "why" can name, without a Python loop over every shared word."""
    order = np.lexsort((-rounded, row))
    rows = row[order]
    first = np.searchsorted(rows, rows)  # where each entry's row starts in `order`
    nth = np.minimum(first + n - 1, np.searchsorted(rows, rows, side="right") - 1)
    chosen = order[rounded[order] >= rounded[order][nth]]
    return keep[chosen], rounded[chosen]


def _tops(pushes: np.ndarray, row: np.ndarray, n: int) -> np.ndarray:
    top = np.zeros(n)
    np.maximum.at(top, row, pushes)
    return top


def _newton(
    kernel: np.ndarray, y: np.ndarray, offset: np.ndarray, params: PreferenceParams
) -> tuple[float, np.ndarray, int]:
    """Minimise the L2-penalised log-loss in the span of the voted vectors (w = Xᵀa, so
    x·w = K a): as many unknowns as votes, not as words.

    loss = Σ log(1 + exp(-y (b + offset + K a))) + l2/2 aᵀK a + l2_intercept/2 b²

    A full Newton step can overshoot on nearly separable votes (a few 👍 that share a
    category): the iterates then jump between two bad points and never settle. So each
    step is halved until the loss falls enough (Armijo backtracking), which always
    converges on this convex loss. It stops when a full step would move the intercept and
    w by under `params.tolerance`: w moves by |Xᵀs| = √(sᵀKs), and since every preprint's vector
    has unit length no preprint's score then moves by more than that. (The coefficients
    themselves may still drift when K is singular, e.g. two votes on one text, without
    changing w: a test on them would not stop.)
    """
    n = len(y)
    target = (y + 1.0) / 2.0
    # K is singular when two votes have the same text: the jitter keeps the system solvable
    penalty = params.l2 * kernel + 1e-8 * np.eye(n)
    hessian = np.empty((n + 1, n + 1))
    grad = np.empty(n + 1)
    b, a, ka = 0.0, np.zeros(n), np.zeros(n)
    loss = _loss(y * (offset + ka), 0.0, 0.0, params)
    steps = 0
    while steps < params.max_iterations:
        p = 1.0 / (1.0 + np.exp(-(b + offset + ka)))
        d = p * (1.0 - p)
        grad[0] = (p - target).sum() + params.l2_intercept * b
        grad[1:] = kernel @ (p - target + params.l2 * a)
        hessian[0, 0] = d.sum() + params.l2_intercept
        hessian[0, 1:] = hessian[1:, 0] = kernel @ d
        hessian[1:, 1:] = (kernel * d) @ kernel + penalty
        try:
            step = np.linalg.solve(hessian, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hessian, grad, rcond=None)[0]
        k_step = kernel @ step[1:]
        if max(abs(step[0]), math.sqrt(max(float(step[1:] @ k_step), 0.0))) < params.tolerance:
            break
        # backtracking: the longest of the steps 1, 1/2, 1/4, … that lowers the loss by at
        # least a quarter of what its slope promises (the last one tried if none does)
        slope, t = float(grad @ step), 1.0
        for _ in range(MAX_HALVINGS):
            nb, na, nka = b - t * step[0], a - t * step[1:], ka - t * k_step
            new = _loss(y * (nb + offset + nka), nb, float(na @ nka), params)
            if new <= loss - 0.25 * t * slope:
                break
            t /= 2
        b, a, ka, loss = nb, na, nka, new
        steps += 1
    return b, a, steps


def _loss(margin: np.ndarray, b: float, a_k_a: float, params: PreferenceParams) -> float:
    logistic = float(np.logaddexp(0.0, -margin).sum())
    return logistic + params.l2 / 2 * a_k_a + params.l2_intercept / 2 * b * b


def fit(votes: Sequence[Vote], params: PreferenceParams = DEFAULT_PARAMS) -> Preference | None:
    """The adjustment for these votes; None without votes (the ranking stays the journal's)."""
    if not votes:
        return None
    y = np.array([float(v.value) for v in votes])
    offset = np.log([max(v.probability, PROBABILITY_FLOOR) for v in votes])
    voted = stack([v.terms for v in votes])
    _, a, steps = _newton(voted.gram(), y, offset, params)
    up, down = (voted.transposed_times(np.where(y == side, a, 0.0)) for side in (1.0, -1.0))
    return Preference(voted.columns, voted.transposed_times(a), up, down, params, steps)


def rank_score(probability: float, adjustment: float) -> float:
    """What a digest is ordered by once a subscription has votes."""
    return math.log(max(probability, PROBABILITY_FLOOR)) + adjustment
