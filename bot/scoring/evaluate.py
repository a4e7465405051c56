"""`rxradar eval`: train on one labelled set, score another, and put the model next to the
baselines (journal prior, TF-IDF kNN) computed in the same run.

Protocol (../shared/docs/evaluation.md): journals are normalised keys; only journals with at
least `min_papers` training papers are trained and evaluated; test rows whose journal is not
among them are excluded and counted.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.records.names import display_name, journal_key
from bot.records.paper import Paper
from bot.records.progress import Say
from bot.scoring.baselines import knn_probabilities, prior_probabilities
from bot.scoring.metrics import Metrics, evaluate, true_ranks
from bot.scoring.model import JournalModel, ModelParams, train_model

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


def labelled(papers: Sequence[Paper]) -> list[tuple[Paper, str]]:
    """Papers with a non-empty journal, paired with the journal's normalised key."""
    pairs = [(p, journal_key(p.journal)) for p in papers if p.journal and p.journal.strip()]
    return [(p, key) for p, key in pairs if key]


@dataclass(frozen=True)
class Evaluation:
    n_train: int
    n_test: int
    n_journals: int
    n_excluded: int
    model: Metrics
    baselines: dict[str, Metrics]
    seconds_train: float
    seconds_predict: float
    journals: list[str]  # display names, column order of `probabilities`
    test_ids: list[str]
    labels: np.ndarray  # true column per evaluated test row
    probabilities: np.ndarray  # model probabilities, evaluated rows × journals

    def to_json(self) -> dict[str, Any]:
        return {
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_journals": self.n_journals,
            "n_excluded": self.n_excluded,
            "model": self.model.to_json(),
            "baselines": {name: m.to_json() for name, m in self.baselines.items()},
            "seconds": {
                "train": round(self.seconds_train, 3),
                "predict": round(self.seconds_predict, 3),
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
) -> Evaluation:
    params = params or ModelParams()
    say = progress or (lambda message: None)
    all_train = labelled(train_papers)
    keys = trained_journals(all_train, min_papers)
    if len(keys) < 2:
        raise ValueError(
            f"only {len(keys)} journal(s) have at least {min_papers} training papers; "
            "use a larger training file or a smaller --min-papers"
        )
    column = {key: i for i, key in enumerate(keys)}
    train = [(p, k) for p, k in all_train if k in column]
    all_test = labelled(test_papers)
    test = [(p, k) for p, k in all_test if k in column]
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
    labels = np.array([model.journals.index(k) for _, k in test])
    say("baselines: prior and kNN")
    baselines = _baselines(model, train, test, labels, params)
    return Evaluation(
        n_train=len(train),
        n_test=len(test),
        n_journals=len(keys),
        n_excluded=len(all_test) - len(test),
        model=evaluate(probabilities, labels),
        baselines=baselines,
        seconds_train=seconds_train,
        seconds_predict=seconds_predict,
        journals=_display_names(train, model.journals),
        test_ids=[p.id or p.doi or "" for p, _ in test],
        labels=labels,
        probabilities=probabilities,
    )


def _baselines(
    model: JournalModel,
    train: list[tuple[Paper, str]],
    test: list[tuple[Paper, str]],
    labels: np.ndarray,
    params: ModelParams,
) -> dict[str, Metrics]:
    index = {key: i for i, key in enumerate(model.journals)}
    train_labels = np.array([index[k] for _, k in train])
    n_journals = len(model.journals)
    prior = prior_probabilities(train_labels, n_journals, len(test))
    knn = knn_probabilities(
        [p.text for p, _ in train],
        train_labels,
        [p.text for p, _ in test],
        n_journals,
        k=params.knn_k,
    )
    return {"prior": evaluate(prior, labels), "knn": evaluate(knn, labels)}


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
