"""The journal model: calibrated P(journal | preprint) for every trained journal.

Components per journal j, for a preprint x:
  - cosine of x's TF-IDF to j's centroid, one per feature space in `ModelParams.spaces`
    (default: words cut to 5 characters, a cheap stemmer; cross-validation found it as
    good as word 1–2-grams at half the scoring cost);
  - a category term, log P(j | subject) − log P(j), when the preprint has a subject;
  - log prior of j (its share of training papers).
The logit is Σ_k w_k · component_k, shared weights fitted on held-out papers (calibration.py),
so the output is an ensemble and temperature-scaled at once; a Platt map on the top-1
probability (given its margin over the runner-up and the entropy) then fixes its shape
without changing rankings. Because weights are shared by
all journals, a new profile (a custom one) can be scored on the same scale without retraining.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bot.records.paper import Paper
from bot.records.progress import Say
from bot.scoring.calibration import TOP_LABEL_IDENTITY, apply_top_label, fit_weights, softmax
from bot.scoring.choice import choose_calibration, fit_calibration
from bot.scoring.embeddings import EmbeddingSpace, attach_vector_store
from bot.scoring.features import TextVectorizer, category_key, smooth_idf, weigh
from bot.scoring.metrics import Metrics, evaluate
from bot.scoring.params import ModelParams
from bot.scoring.prefixes import PrefixVectorizer
from bot.scoring.tables import Sums, Tables, component_scores, cosines, prune_rows, sums, tables

__all__ = [
    "JournalModel",
    "ModelParams",
    "load_model",
    "save_model",
    "train_model",
]

SparseVectorizer = TextVectorizer | PrefixVectorizer
Vectorizer = SparseVectorizer | EmbeddingSpace
LOGIT_BLOCK = 1000


@dataclass
class JournalModel:
    journals: list[str]  # label keys, in column order of predict_proba
    params: ModelParams
    vectorizers: list[Vectorizer]
    categories: dict[str, int]  # category key -> row in the category table
    tables: Tables
    weights: np.ndarray  # one per component
    counts: np.ndarray  # training papers per journal ("based on N papers")
    biases: np.ndarray | None = None  # per-journal logit offsets (None in older models)
    top_label: tuple[float, ...] = TOP_LABEL_IDENTITY  # the top-1 map (calibration.py)
    cv_metrics: Metrics | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def features(self, papers: Sequence[Paper]) -> tuple[list[sp.csr_matrix], np.ndarray]:
        texts = [paper.text for paper in papers]
        spaces = [vectorizer.transform(texts) for vectorizer in self.vectorizers]
        return spaces, category_indices(papers, self.categories, self.params)

    def logits(self, papers: Sequence[Paper]) -> np.ndarray:
        """Σ_k w_k · component_k, accumulated without materialising the components."""
        spaces, cats = self.features(papers)
        w = self.weights
        out = np.empty((len(papers), len(self.journals)), dtype=np.float64)
        for start in range(0, len(papers), LOGIT_BLOCK):  # blocks stay in cache
            rows = slice(start, start + LOGIT_BLOCK)
            block = out[rows]
            block[:] = w[-1] * self.tables.log_prior + w[-2] * self.tables.category[cats[rows]]
            if self.biases is not None:
                block += self.biases
            for k, (x, centroid) in enumerate(zip(spaces, self.tables.centroids, strict=True)):
                block += w[k] * cosines(x[rows], centroid)
        return out

    def predict_proba(self, papers: Sequence[Paper]) -> np.ndarray:
        """n × journals calibrated probabilities; each row sums to 1."""
        if not papers:
            return np.zeros((0, len(self.journals)))
        probabilities = softmax(self.logits(papers))
        return apply_top_label(probabilities, self.top_label)

    def known_terms(self, text: str) -> int:
        """How many distinct terms of `text` the model's word space knows (a text of unknown
        words gets the prior's ranking, which says nothing about it)."""
        for vectorizer in self.vectorizers:
            if not is_dense(vectorizer):
                row = vectorizer.term_frequencies([text])
                return int(row.nnz)
        return len(set(text.split()))  # embeddings only: every word carries meaning

    def papers_per_journal(self) -> dict[str, int]:
        return {j: int(c) for j, c in zip(self.journals, self.counts, strict=True)}


def category_indices(
    papers: Sequence[Paper], categories: dict[str, int], params: ModelParams
) -> np.ndarray:
    """Row of each paper's category in the table; -1 (the all-zero row) when unknown/off."""
    if not params.use_category:
        return np.full(len(papers), -1, dtype=np.int64)
    return np.array([categories.get(category_key(p.category), -1) for p in papers], dtype=np.int64)


def _vectorizer(params: ModelParams, prefix: int) -> Vectorizer:
    if prefix and not params.bigrams:
        return PrefixVectorizer(prefix, params.min_df, params.max_df, params.sublinear_tf)
    return TextVectorizer(
        min_df=params.min_df,
        max_df=params.max_df,
        max_bigrams=params.max_bigrams,
        sublinear_tf=params.sublinear_tf,
        prefix_chars=prefix,
        bigrams=params.bigrams,
    )


def _vectorizers(params: ModelParams) -> list[Vectorizer]:
    spaces: list[Vectorizer] = [_vectorizer(params, prefix) for prefix in params.spaces]
    if params.embedding_model:
        spaces.append(EmbeddingSpace(params.embedding_model))
    return spaces


def is_dense(vectorizer: Vectorizer) -> bool:
    return isinstance(vectorizer, EmbeddingSpace)


def _calibration_scores(
    vectorizers: list[Vectorizer],
    frequencies: list[sp.csr_matrix],
    y: np.ndarray,
    cats: np.ndarray,
    n_categories: int,
    params: ModelParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Held-out component scores for (at most calibration_max_papers) training papers.

    Each fold's papers are scored against tables built from all other training papers,
    with the idf and vocabulary those other papers alone would give; the term frequencies
    are computed once, so a fold costs a re-weighting and one sparse product.
    """
    rng = np.random.default_rng(params.seed)
    n, n_journals = len(y), int(y.max()) + 1
    chosen = rng.permutation(n)[: min(n, params.calibration_max_papers)]
    fold_of = np.arange(len(chosen)) % params.calibration_folds
    blocks, labels = [], []
    for fold in range(params.calibration_folds):
        held = chosen[fold_of == fold]
        if len(held) == 0:
            continue
        rest = np.setdiff1d(np.arange(n), held)
        idfs = [v.held_out_idf(tf[held]) for v, tf in zip(vectorizers, frequencies, strict=True)]
        rest_spaces = [weigh(tf[rest], idf) for tf, idf in zip(frequencies, idfs, strict=True)]
        held_spaces = [weigh(tf[held], idf) for tf, idf in zip(frequencies, idfs, strict=True)]
        stats = sums(rest_spaces, y[rest], cats[rest], n_journals, n_categories)
        table = tables(stats, params, [is_dense(v) for v in vectorizers])
        blocks.append(component_scores(held_spaces, cats[held], table))
        labels.append(y[held])
    return np.concatenate(blocks), np.concatenate(labels)


def _loo_weighted(
    tf: sp.csr_matrix, vectorizer: SparseVectorizer
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(full, held-out) unit TF-IDF values on `tf`'s pattern, and each entry's row.

    "Held-out" uses the idf the vectorizer would have had without the paper itself (its own
    rare words, supported by too few other papers, get 0), as for a genuinely new paper.
    """
    rows = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
    df = vectorizer.df[tf.indices] - 1
    n = vectorizer.n_docs - 1
    valid = (df >= vectorizer.min_df) & (df <= vectorizer.max_df * n)
    loo_idf = np.where(valid, smooth_idf(df, n), 0.0)
    out = []
    for values in (tf.data * vectorizer.idf[tf.indices], tf.data * loo_idf):
        values = values.astype(np.float64)
        norms = np.sqrt(np.bincount(rows, values * values, minlength=tf.shape[0]))
        out.append(values / np.maximum(norms, 1e-12)[rows])
    return out[0], out[1], rows


def _lookup(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """matrix[rows[i], columns[i]] for every i (0 where absent), vectorised."""
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    width = np.int64(matrix.shape[1])
    keys = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = keys * width + matrix.indices
    wanted = rows.astype(np.int64) * width + columns
    pos = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
    hit = keys[pos] == wanted if len(keys) else np.zeros(len(wanted), dtype=bool)
    return np.where(hit, matrix.data[pos] if len(keys) else 0.0, 0.0)


def _leave_one_out_scores(
    vectorizers: list[Vectorizer],
    frequencies: list[sp.csr_matrix],
    y: np.ndarray,
    cats: np.ndarray,
    totals: Sums,
    table: Tables,
    params: ModelParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Component scores of (at most calibration_max_papers) training papers, each against the
    full-data tables with the paper itself taken out: its vector subtracted from its journal's
    centroid sum, its own rare words dropped, its category and prior counts removed.

    Ten folds score a paper against tables of 90% of the data while the final model uses
    all of it; centroids of more papers are sharper, so weights fitted on folds come out
    slightly too small. Leave-one-out matches the final tables, at the cost of one sparse
    product (cheaper than ten table rebuilds); CV: better log-loss, same ECE (params.py).
    """
    rng = np.random.default_rng(params.seed)
    chosen = np.sort(rng.permutation(len(y))[: min(len(y), params.calibration_max_papers)])
    labels, own_cats = y[chosen], cats[chosen]
    m, n_journals, n_spaces = len(chosen), len(totals.counts), len(vectorizers)
    rows_m = np.arange(m)
    out = np.empty((m, n_journals, n_spaces + 2), dtype=np.float32)
    spaces = zip(vectorizers, frequencies, totals.text, table.centroids, strict=True)
    for k, (vectorizer, tf_all, text_sums, centroid) in enumerate(spaces):
        tf = sp.csr_matrix(tf_all[chosen])
        tf.sort_indices()
        if isinstance(vectorizer, EmbeddingSpace):  # train_model refuses this combination
            raise TypeError("leave-one-out scores need sparse TF-IDF spaces only")
        full, loo, rows = _loo_weighted(tf, vectorizer)
        x_loo = sp.csr_matrix((loo.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape)
        out[:, :, k] = (x_loo @ centroid.T).toarray()
        # Own journal: cosine to (its pruned sum S minus the paper's own vector x), from
        # x·C, x·x and |S|, restricted to the terms the pruned centroid C keeps.
        pruned = prune_rows(text_sums, params.centroid_max_terms)
        norm = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())[labels]
        c = _lookup(centroid, labels[rows], tf.indices)
        inside = c != 0
        a = np.bincount(rows, loo * c, minlength=m)
        b = np.bincount(rows, loo * full * inside, minlength=m)
        dot = np.bincount(rows, full * c, minlength=m)
        d = np.bincount(rows, full * full * inside, minlength=m)
        squared = norm * norm - 2 * norm * dot + d
        own = (a * norm - b) / np.sqrt(np.maximum(squared, 1e-9))
        out[rows_m, labels, k] = np.where(squared > 1e-9, own, 0.0)
    # Prior and category without the paper: only its own journal's entries change.
    counts = totals.counts
    denominator = counts.sum() - 1.0 + n_journals
    prior = (counts + 1.0) / denominator
    own_prior = counts[labels] / denominator
    out[:, :, -1] = np.log(prior)
    out[rows_m, labels, -1] = np.log(own_prior)
    out[:, :, -2] = 0.0
    known = own_cats >= 0
    if known.any():
        s = params.category_smoothing
        totals_less = totals.category.sum(axis=1) - 1.0 + s
        ratios = np.log(totals.category + s * prior) - np.log(prior)
        k_known, y_known = own_cats[known], labels[known]
        out[known, :, -2] = ratios[k_known] - np.log(totals_less[k_known])[:, None]
        own_count = totals.category[k_known, y_known] - 1.0 + s * own_prior[known]
        own_ratio = np.log(own_count / totals_less[k_known]) - np.log(own_prior[known])
        out[np.flatnonzero(known), y_known, -2] = own_ratio
    return out, labels


def train_model(
    papers: Sequence[Paper],
    labels: Sequence[str],
    params: ModelParams | None = None,
    progress: Say | None = None,
    vector_store: Path | None = None,
) -> JournalModel:
    """Fit on papers labelled with journal keys (every label becomes a journal).

    `vector_store`: a directory where sentence-embedding vectors are kept between runs
    (only used when `params.embedding_model` is set).
    """
    params = params or ModelParams()
    say = progress or (lambda message: None)
    if len(papers) != len(labels) or not papers:
        raise ValueError("train_model needs one label per paper and at least one paper")
    journals = sorted(set(labels))
    if len(journals) < 2:
        raise ValueError("train_model needs papers from at least two journals")
    index = {j: i for i, j in enumerate(journals)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    embedding = f" (and {params.embedding_model} embeddings)" if params.embedding_model else ""
    say(f"features for {len(papers):,} papers{embedding}")
    texts = [paper.text for paper in papers]
    vectorizers = _vectorizers(params)
    if vector_store is not None:
        attach_vector_store(vectorizers, vector_store)
    vectorizers = [v.fit(texts) for v in vectorizers]
    frequencies = [v.term_frequencies(texts) for v in vectorizers]
    spaces = [weigh(tf, v.idf) for v, tf in zip(vectorizers, frequencies, strict=True)]
    keys = sorted({category_key(p.category) for p in papers} - {""})
    categories = {key: i for i, key in enumerate(keys)} if params.use_category else {}
    cats = category_indices(papers, categories, params)
    totals = sums(spaces, y, cats, len(journals), len(categories))
    table = tables(totals, params, [is_dense(v) for v in vectorizers])
    say("held-out scores for calibration")
    if params.calibration_folds:
        scores, held_labels = _calibration_scores(
            vectorizers, frequencies, y, cats, len(categories), params
        )
    elif any(is_dense(v) for v in vectorizers):
        raise ValueError(
            "leave-one-out calibration (calibration_folds=0) does not support sentence "
            "embeddings; use calibration_folds of 2 or more"
        )
    else:
        scores, held_labels = _leave_one_out_scores(
            vectorizers, frequencies, y, cats, totals, table, params
        )
    weights = fit_weights(scores, held_labels, params.calibration_l2)
    held_logits = scores.astype(np.float64) @ weights
    bias_prior, use_top = params.journal_bias_prior, params.top_label
    info: dict[str, Any] = {}
    if params.choose_calibration:
        choice = choose_calibration(held_logits, held_labels)
        bias_prior, use_top = choice.journal_bias_prior, choice.top_label
        info["calibration"] = choice.to_json()
        say(f"calibration chosen by CV: offsets ridge {bias_prior:g}, top-1 map {use_top}")
    # ridge in pseudo-papers, whatever the data size
    biases, top = fit_calibration(held_logits, held_labels, bias_prior, use_top)
    cv = evaluate(apply_top_label(softmax(held_logits + biases), top), held_labels)
    say(f"calibrated: weights {np.round(weights, 3).tolist()}, held-out MRR {cv.mrr:.3f}")
    return JournalModel(
        journals=journals,
        params=params,
        vectorizers=vectorizers,
        categories=categories,
        tables=table,
        weights=weights,
        biases=biases,
        top_label=top,
        counts=totals.counts.copy(),
        cv_metrics=cv,
        info={"n_papers": len(papers), "n_calibration": len(held_labels), **info},
    )


def save_model(model: JournalModel, directory: Path, manifest: dict[str, Any]) -> None:
    from bot.scoring.artefacts import save_artefacts

    save_artefacts(model, directory, manifest)


def load_model(directory: Path) -> JournalModel:
    from bot.scoring.artefacts import load_artefacts

    return load_artefacts(directory)
