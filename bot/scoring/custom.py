"""Custom profiles ("define your own journal") scored on the journals' scale.

The trained model's logit is Σ_k w_k · component_k with weights shared by every journal, so
a user's set of papers can be turned into the same components (a centroid per feature
space, a category term, a prior from its paper count) and enter the softmax as one more
journal: P(custom | preprint) = e^{z_c} / (e^{z_c} + Σ_j e^{z_j}). No retraining; a
profile scoring 30% means what a journal scoring 30% means (before the top-1 adjustment,
which only applies to a row's best journal). A profile must be rebuilt when the model is
retrained, since it lives in that model's vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from bot.records.paper import Paper
from bot.scoring.features import normalize_rows
from bot.scoring.model import JournalModel
from bot.scoring.tables import component_scores, prune_rows


@dataclass(frozen=True)
class CustomProfile:
    name: str
    n_papers: int
    centroids: tuple[sp.csr_matrix, ...]  # 1 × features per feature space
    category: np.ndarray  # per category row of the model (last = unknown): log-ratio
    log_prior: float


def _category_term(model: JournalModel, cats: np.ndarray, prior: float) -> np.ndarray:
    """log P(profile | category) − log P(profile), smoothed exactly like the journals' table."""
    totals = model.tables.category_totals
    own = np.bincount(cats[cats >= 0], minlength=len(totals)).astype(np.float64)
    smoothing = model.params.category_smoothing
    ratios = np.log((own + smoothing * prior) / (totals + own + smoothing)) - np.log(prior)
    return np.append(ratios, 0.0)  # the last row: preprints without a known category


def build_custom_profile(model: JournalModel, papers: Sequence[Paper], name: str) -> CustomProfile:
    """A profile from a user's papers (a BibTeX/RIS export, DOIs in the database, a JSONL)."""
    if not papers:
        raise ValueError(f"custom profile {name!r} has no papers; add some first")
    spaces, cats = model.features(papers)
    keep = model.params.centroid_max_terms
    centroids = tuple(
        normalize_rows(prune_rows(sp.csr_matrix(x.sum(axis=0), dtype=np.float32), keep))
        for x in spaces
    )
    total = float(model.counts.sum()) + len(papers)
    prior = (len(papers) + 1.0) / (total + len(model.journals) + 1.0)
    category = _category_term(model, cats, prior)
    return CustomProfile(name, len(papers), centroids, category, float(np.log(prior)))


def score_custom(
    model: JournalModel, profiles: Sequence[CustomProfile], papers: Sequence[Paper]
) -> np.ndarray:
    """n × profiles: each profile's probability as one more journal of `model`."""
    if not papers or not profiles:
        return np.zeros((len(papers), len(profiles)))
    spaces, cats = model.features(papers)
    journal_logits = component_scores(spaces, cats, model.tables) @ model.weights
    if model.biases is not None:  # a custom profile has no offset of its own: 0, the ridge's centre
        journal_logits = journal_logits + model.biases
    others = logsumexp(journal_logits.astype(np.float64), axis=1)
    out = np.zeros((len(papers), len(profiles)))
    for i, profile in enumerate(profiles):
        parts = [
            np.asarray((x @ c.T).toarray()).ravel()
            for x, c in zip(spaces, profile.centroids, strict=True)
        ]
        parts.append(profile.category[cats])
        parts.append(np.full(len(papers), profile.log_prior))
        logit = np.stack(parts, axis=1) @ model.weights
        out[:, i] = np.exp(logit - np.logaddexp(logit, others))
    return out
