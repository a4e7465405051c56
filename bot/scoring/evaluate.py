"""`rxradar eval`: train on one labelled set, score another, and put the model next to the
baselines computed in the same run: journal prior, TF-IDF kNN, and the stronger ones of
strong_baselines.py (centroid softmax, TF-IDF + LR, TF-IDF → SVD → LR).

Every method gets the same numbers: ranking journals for a preprint (acc@k, MRR), the
calibration of its top-1 probability (ECE), and ranking preprints for a journal, as a
digest does (per-journal MAP and P@10), with its own training and scoring seconds.

Protocol (../shared/docs/evaluation.md): journals are normalised keys; only journals with at
least `min_papers` training papers are trained and evaluated; test rows whose journal is not
among them are excluded and counted.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.records.names import display_name, merge_abbreviations
from bot.records.paper import Paper
from bot.records.progress import Say
from bot.scoring.baselines import fit_knn, prior_probabilities
from bot.scoring.metrics import Metrics, Retrieval, evaluate, journal_retrieval, true_ranks
from bot.scoring.model import ModelParams, train_model
from bot.scoring.strong_baselines import (
    Scorer,
    fit_centroid_softmax,
    fit_logistic_regression,
    fit_svd_logistic_regression,
)

MODEL = "model"
# A baseline is fitted on (training texts, their journal columns, n journals) and returns
# a scorer: texts → probabilities over the journals.
Fitter = Callable[[Sequence[str], np.ndarray, int], Scorer]
BASELINE_FITTERS: dict[str, Fitter] = {
    "centroid": fit_centroid_softmax,
    "lr": fit_logistic_regression,
    "svd_lr": fit_svd_logistic_regression,
}
BASELINES = ("prior", "knn", *BASELINE_FITTERS)

TOP_IN_PREDICTIONS = 10


def is_dev_test(paper_id: str) -> bool:
    """The dev split's test side: sha256(id.strip().lower()) % 5 == 1 (evaluation.md)."""
    digest = hashlib.sha256(paper_id.strip().lower().encode()).hexdigest()
    return int(digest, 16) % 5 == 1


def dev_split(papers: Sequence[Paper]) -> tuple[list[Paper], list[Paper]]:
    """(training, test) by the protocol rule; papers without an id cannot be placed."""
    missing = sum(1 for p in papers if not p.id)
    if missing:
        raise ValueError(f"{missing} papers have no id; the dev split needs one per paper")
    train = [p for p in papers if not is_dev_test(p.id or "")]
    test = [p for p in papers if is_dev_test(p.id or "")]
    return train, test


def labelled(
    papers: Sequence[Paper], keys: dict[str, str] | None = None
) -> list[tuple[Paper, str]]:
    """Papers with a non-empty journal, paired with the journal's normalised key.

    `keys` maps each spelling to its journal (`merge_abbreviations` of every spelling in
    the run, so "Phys. Rev. A" in training and "Physical Review A" in test agree).
    """
    names = [p.journal for p in papers if p.journal and p.journal.strip()]
    known = keys if keys is not None else merge_abbreviations(names)
    pairs = [(p, known.get(p.journal, "")) for p in papers if p.journal and p.journal.strip()]
    return [(p, key) for p, key in pairs if key]


@dataclass(frozen=True)
class MethodResult:
    """One method's numbers on the test papers, and what it cost."""

    metrics: Metrics
    retrieval: Retrieval
    seconds_train: float  # baselines: fitting and scoring together are in seconds_train
    seconds_score: float

    def to_json(self) -> dict[str, float]:
        return self.metrics.to_json() | self.retrieval.to_json()


@dataclass(frozen=True)
class Evaluation:
    n_train: int
    n_test: int
    n_journals: int
    n_excluded: int
    methods: dict[str, MethodResult]  # "model" first, then the baselines
    journals: list[str]  # display names, column order of `probabilities`
    test_ids: list[str]
    labels: np.ndarray  # true column per evaluated test row
    probabilities: np.ndarray  # model probabilities, evaluated rows × journals

    @property
    def model(self) -> Metrics:
        return self.methods[MODEL].metrics

    @property
    def baselines(self) -> dict[str, Metrics]:
        return {name: r.metrics for name, r in self.methods.items() if name != MODEL}

    @property
    def seconds_train(self) -> float:
        return self.methods[MODEL].seconds_train

    @property
    def seconds_predict(self) -> float:
        return self.methods[MODEL].seconds_score

    def best_baseline(self, value: Callable[[MethodResult], float]) -> tuple[str, float]:
        """The baseline with the highest `value` (the one the model must beat)."""
        scored = {n: value(r) for n, r in self.methods.items() if n not in (MODEL, "prior")}
        name = max(scored, key=lambda n: scored[n])
        return name, scored[name]

    def to_json(self) -> dict[str, Any]:
        return {
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_journals": self.n_journals,
            "n_excluded": self.n_excluded,
            "model": self.methods[MODEL].to_json(),
            "baselines": {n: r.to_json() for n, r in self.methods.items() if n != MODEL},
            "seconds": {
                "train": round(self.seconds_train, 3),
                "predict": round(self.seconds_predict, 3),
            },
            "baseline_seconds": {
                n: {"train": round(r.seconds_train, 3), "score": round(r.seconds_score, 3)}
                for n, r in self.methods.items()
                if n != MODEL
            },
        }


def trained_journals(train: list[tuple[Paper, str]], min_papers: int) -> list[str]:
    counts = Counter(key for _, key in train)
    return sorted(key for key, n in counts.items() if n >= min_papers)


def _display_names(train: list[tuple[Paper, str]], keys: list[str]) -> list[str]:
    spellings: dict[str, list[str]] = defaultdict(list)
    for paper, key in train:
        spellings[key].append(paper.journal or key)
    return [display_name(spellings[key]) for key in keys]


def run_evaluation(
    train_papers: Sequence[Paper],
    test_papers: Sequence[Paper],
    min_papers: int = 10,
    params: ModelParams | None = None,
    progress: Say | None = None,
    vector_store: Path | None = None,
    baselines: Sequence[str] | None = None,
) -> Evaluation:
    """Model and baselines (`baselines`: names from BASELINES, default all) on one split."""
    params = params or ModelParams()
    say = progress or (lambda message: None)
    spellings = [p.journal or "" for p in [*train_papers, *test_papers]]
    names = merge_abbreviations(spellings)
    all_train = labelled(train_papers, names)
    keys = trained_journals(all_train, min_papers)
    if len(keys) < 2:
        raise ValueError(
            f"only {len(keys)} journal(s) have at least {min_papers} training papers; "
            "use a larger training file or a smaller --min-papers"
        )
    column = {key: i for i, key in enumerate(keys)}
    train = [(p, k) for p, k in all_train if k in column]
    all_test = labelled(test_papers, names)
    test = [(p, k) for p, k in all_test if k in column]
    if not all_test:
        raise ValueError(
            f"none of the {len(test_papers):,} test papers names a journal: each row needs a "
            "`journal` (arXiv records with a published DOI: add --journal-from doi)"
        )
    if not test:
        raise ValueError("no test paper belongs to a trained journal; check the test file")
    say(f"training on {len(train):,} papers, {len(keys)} journals")
    started = time.perf_counter()
    model = train_model([p for p, _ in train], [k for _, k in train], params, say, vector_store)
    seconds_train = time.perf_counter() - started
    say(f"scoring {len(test):,} test papers")
    started = time.perf_counter()
    probabilities = model.predict_proba([p for p, _ in test])
    seconds_predict = time.perf_counter() - started
    labels = np.array([column[k] for _, k in test])
    methods = {MODEL: _result(probabilities, labels, seconds_train, seconds_predict)}
    train_labels = np.array([column[k] for _, k in train])
    texts = ([p.text for p, _ in train], [p.text for p, _ in test])
    for name in baselines if baselines is not None else BASELINES:
        say(f"baseline {name}")
        methods[name] = _baseline(name, texts, train_labels, labels, len(keys), params)
    return Evaluation(
        n_train=len(train),
        n_test=len(test),
        n_journals=len(keys),
        n_excluded=len(all_test) - len(test),
        methods=methods,
        journals=_display_names(train, model.journals),
        test_ids=[p.id or p.doi or "" for p, _ in test],
        labels=labels,
        probabilities=probabilities,
    )


def _result(
    probabilities: np.ndarray, labels: np.ndarray, seconds_train: float, seconds_score: float
) -> MethodResult:
    return MethodResult(
        metrics=evaluate(probabilities, labels),
        retrieval=journal_retrieval(probabilities, labels),
        seconds_train=seconds_train,
        seconds_score=seconds_score,
    )


def _fit_prior(texts: Sequence[str], labels: np.ndarray, n_journals: int) -> Scorer:
    def score(test_texts: Sequence[str]) -> np.ndarray:
        return prior_probabilities(labels, n_journals, len(test_texts))

    return score


def _fitter(name: str, params: ModelParams) -> Fitter:
    if name == "prior":
        return _fit_prior
    if name == "knn":
        return lambda texts, labels, n: fit_knn(texts, labels, n, params.knn_k)
    return BASELINE_FITTERS[name]


def _baseline(
    name: str,
    texts: tuple[list[str], list[str]],
    train_labels: np.ndarray,
    labels: np.ndarray,
    n_journals: int,
    params: ModelParams,
) -> MethodResult:
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
    started = time.perf_counter()
    score = _fitter(name, params)(texts[0], train_labels, n_journals)
    seconds_train = time.perf_counter() - started
    started = time.perf_counter()
    probabilities = score(texts[1])
    return _result(probabilities, labels, seconds_train, time.perf_counter() - started)


@dataclass(frozen=True)
class HeldOut:
    """Top-1 predictions of training papers by models that never saw them (outer CV)."""

    confidence: np.ndarray  # the top-1 probability per held-out prediction
    correct: np.ndarray  # whether that top-1 was the paper's journal
    ids: list[str]  # the paper behind each prediction (a paper recurs once per repeat)
    repeat: np.ndarray  # which repeat each prediction comes from

    def repeats(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(confidence, correct) of each repeat: one prediction per paper, so independent
        papers, as the ECE's noise floor assumes (pooled repeats would share papers)."""
        return [
            (self.confidence[self.repeat == r], self.correct[self.repeat == r])
            for r in np.unique(self.repeat)
        ]


def held_out_predictions(
    train_papers: Sequence[Paper],
    min_papers: int = 10,
    params: ModelParams | None = None,
    folds: int = 5,
    repeats: int = 1,
    seed: int = 0,
) -> HeldOut:
    """`repeats` × `folds`-fold CV of the whole pipeline on the training papers alone.

    What a set's test split cannot resolve on a hundred papers (is "30%" right 30% of the
    time?) the training papers can, pooled over folds and repeats, without looking at the
    test side. Journals are those `run_evaluation` would train (≥ `min_papers` training
    papers); a held-out paper whose journal its fold's model lacks is skipped.
    """
    names = merge_abbreviations([p.journal or "" for p in train_papers])
    pairs = labelled(train_papers, names)
    keep = set(trained_journals(pairs, min_papers))
    pairs = [(p, k) for p, k in pairs if k in keep]
    confidence: list[np.ndarray] = []
    correct: list[np.ndarray] = []
    ids: list[str] = []
    repeat_of: list[np.ndarray] = []
    for repeat in range(repeats):
        fold_of = np.random.default_rng(seed + repeat).permutation(len(pairs)) % folds
        for fold in range(folds):
            fit = [pairs[i] for i in np.flatnonzero(fold_of != fold)]
            model = train_model([p for p, _ in fit], [k for _, k in fit], params)
            column = {k: i for i, k in enumerate(model.journals)}
            held = [pairs[i] for i in np.flatnonzero(fold_of == fold) if pairs[i][1] in column]
            if not held:
                continue
            probabilities = model.predict_proba([p for p, _ in held])
            labels = np.array([column[k] for _, k in held])
            confidence.append(probabilities.max(axis=1))
            correct.append(probabilities.argmax(axis=1) == labels)
            ids.extend(p.id or p.doi or "" for p, _ in held)
            repeat_of.append(np.full(len(held), repeat))
    if not confidence:
        raise ValueError("no training paper could be held out; check the training file")
    return HeldOut(
        np.concatenate(confidence), np.concatenate(correct), ids, np.concatenate(repeat_of)
    )


def prediction_rows(result: Evaluation, top: int = TOP_IN_PREDICTIONS) -> Iterator[dict[str, Any]]:
    """One row per evaluated test paper, enough to recompute every metric."""
    probabilities = result.probabilities
    ranks = true_ranks(probabilities, result.labels)
    top = min(top, probabilities.shape[1])
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    for i, paper_id in enumerate(result.test_ids):
        label = int(result.labels[i])
        yield {
            "id": paper_id,
            "journal": result.journals[label],
            "rank": int(ranks[i]),
            "probability_true": float(probabilities[i, label]),
            "top": [
                {"journal": result.journals[j], "probability": float(probabilities[i, j])}
                for j in order[i]
            ],
        }
