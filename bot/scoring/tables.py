"""What the training papers say about each journal: centroids, category odds, prior.

Everything is built from sums over papers, cheap to rebuild for each calibration fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bot.scoring.features import normalize_rows
from bot.scoring.params import ModelParams


@dataclass(frozen=True)
class Sums:
    text: tuple[sp.csr_matrix, ...]  # per feature space: journals × features, TF-IDF sums
    category: np.ndarray  # categories × journals, paper counts
    counts: np.ndarray  # papers per journal


@dataclass(frozen=True)
class Tables:
    centroids: tuple[sp.csr_matrix, ...]  # per space: journals × features, unit rows, pruned
    category: np.ndarray  # (categories + 1) × journals log-ratios; the last row (unknown) is 0
    log_prior: np.ndarray  # journals
    category_totals: np.ndarray  # training papers per category (for custom profiles)


def indicator(labels: np.ndarray, n_journals: int) -> sp.csr_matrix:
    """journals × papers 0/1 matrix: row j marks the papers of journal j."""
    ones = np.ones(len(labels), dtype=np.float32)
    return sp.csr_matrix((ones, (labels, np.arange(len(labels)))), shape=(n_journals, len(labels)))


def sums(
    spaces: Sequence[sp.csr_matrix],
    labels: np.ndarray,
    categories: np.ndarray,
    n_journals: int,
    n_categories: int,
) -> Sums:
    """Additive statistics of papers; `categories` holds -1 where a paper has none."""
    member = indicator(labels, n_journals)
    known = categories >= 0
    category = np.zeros((n_categories, n_journals))
    np.add.at(category, (categories[known], labels[known]), 1.0)
    return Sums(
        text=tuple(sp.csr_matrix(member @ x, dtype=np.float32) for x in spaces),
        category=category,
        counts=np.bincount(labels, minlength=n_journals).astype(np.float64),
    )


def prune_rows(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep each row's `keep` largest entries (ties broken by column order)."""
    matrix = sp.csr_matrix(matrix)
    matrix.eliminate_zeros()
    lengths = np.diff(matrix.indptr)
    if keep <= 0 or lengths.max(initial=0) <= keep:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    chosen = order[rank < keep]
    return sp.csr_matrix(
        (matrix.data[chosen], (rows[chosen], matrix.indices[chosen])), shape=matrix.shape
    )


def log_prior(counts: np.ndarray) -> np.ndarray:
    """Add-one smoothed log share of papers per journal."""
    return np.asarray(np.log((counts + 1.0) / (counts.sum() + len(counts))), dtype=np.float64)


def category_log_ratios(category: np.ndarray, counts: np.ndarray, smoothing: float) -> np.ndarray:
    """log P(journal | category) − log P(journal), shrunk towards 0 for rare categories."""
    prior = np.exp(log_prior(counts))
    totals = category.sum(axis=1, keepdims=True)
    ratios = np.log((category + smoothing * prior) / (totals + smoothing)) - np.log(prior)
    return np.vstack([ratios, np.zeros((1, len(counts)))])


def centroids(
    text_sums: sp.csr_matrix, counts: np.ndarray, max_terms: int, mean: bool, max_journals: int
) -> sp.csr_matrix:
    """Unit (or mean) centroids, each cut to its `max_terms` heaviest terms; then each term
    kept only for the `max_journals` journals weighing it most.

    The second cut bounds scoring cost: a common word would otherwise cost one multiply per
    journal in every preprint. What it drops is nearly the same for every journal, so the
    ranking and, after calibration, the probabilities barely move.
    """
    pruned = prune_rows(text_sums, max_terms)
    if mean:
        scale = 1.0 / np.maximum(counts, 1.0)
        unit = sp.csr_matrix(sp.diags(scale.astype(np.float32)) @ pruned, dtype=np.float32)
    else:
        unit = normalize_rows(pruned)
    by_term = prune_rows(sp.csr_matrix(unit.T), max_journals)
    return sp.csr_matrix(by_term.T, dtype=np.float32)


def tables(stats: Sums, params: ModelParams, dense: Sequence[bool] = ()) -> Tables:
    """The model's tables; spaces flagged in `dense` (sentence embeddings) keep every entry
    of their centroids (pruning by weight would cut their negative half)."""
    flags = tuple(dense) or (False,) * len(stats.text)

    def centroid(text_sums: sp.csr_matrix, is_dense: bool) -> sp.csr_matrix:
        if is_dense:
            return sp.csr_matrix(normalize_rows(text_sums), dtype=np.float32)
        return centroids(
            text_sums,
            stats.counts,
            params.centroid_max_terms,
            params.centroid_mean,
            params.centroid_max_journals,
        )

    smoothing = params.category_smoothing
    return Tables(
        centroids=tuple(centroid(s, d) for s, d in zip(stats.text, flags, strict=True)),
        category=category_log_ratios(stats.category, stats.counts, smoothing),
        log_prior=log_prior(stats.counts),
        category_totals=stats.category.sum(axis=1),
    )


def component_scores(
    spaces: Sequence[sp.csr_matrix], categories: np.ndarray, table: Tables
) -> np.ndarray:
    """papers × journals × components: cosines per space, category term, log prior."""
    n, n_journals = spaces[0].shape[0] if spaces else len(categories), len(table.log_prior)
    parts = [cosines(x, c) for x, c in zip(spaces, table.centroids, strict=True)]
    parts.append(table.category[categories].astype(np.float32))
    parts.append(np.broadcast_to(table.log_prior.astype(np.float32), (n, n_journals)))
    return np.stack(parts, axis=2)


def cosines(x: sp.csr_matrix, centroid: sp.csr_matrix) -> np.ndarray:
    """papers × journals dot products; dense BLAS when `x` is dense (embeddings), where a
    sparse product would be many times slower."""
    n_cells = x.shape[0] * x.shape[1]
    if n_cells and x.nnz > 0.5 * n_cells:
        return np.asarray(x.toarray() @ centroid.toarray().T, dtype=np.float32)
    return np.asarray((x @ centroid.T).toarray(), dtype=np.float32)
