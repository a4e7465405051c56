"""Generated labelled corpora for tests and the benchmark (no real data needed).

Each journal has its own topic words; a paper mixes words of its journal's topic with
background words, so journals are learnable but overlap, and a few journals share a
category. Deterministic for a given seed.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from bot.records.paper import Paper

_LETTERS = np.array(list(string.ascii_lowercase))


@dataclass(frozen=True)
class Corpus:
    papers: list[Paper]
    labels: list[str]  # journal key per paper


def _words(rng: np.random.Generator, n: int) -> np.ndarray:
    lengths = rng.integers(6, 11, size=n)
    return np.array(["".join(rng.choice(_LETTERS, size=k)) for k in lengths])


def synthetic_corpus(
    n_papers: int,
    n_journals: int,
    seed: int = 0,
    topic_share: float = 0.04,
    words_per_paper: int = 60,
    vocabulary: int = 3000,
) -> Corpus:
    """`n_papers` papers over `n_journals` journals with Zipf-like journal sizes."""
    rng = np.random.default_rng(seed)
    words = _words(rng, vocabulary)
    background = 1.0 / np.arange(1, vocabulary + 1)
    background /= background.sum()
    topics = [rng.choice(vocabulary, size=40, replace=False) for _ in range(n_journals)]
    sizes = 1.0 / np.arange(1, n_journals + 1) ** 0.6
    journal_of = rng.choice(n_journals, size=n_papers, p=sizes / sizes.sum())
    # Half the papers carry their journal's subject, the rest a random one.
    n_subjects = max(n_journals // 3, 1)
    subject = np.where(
        rng.random(n_papers) < 0.5, journal_of % n_subjects, rng.integers(0, n_subjects, n_papers)
    )
    papers, labels = [], []
    for i, j in enumerate(journal_of):
        from_topic = rng.random(words_per_paper) < topic_share
        chosen = np.where(
            from_topic,
            rng.choice(topics[j], size=words_per_paper),
            rng.choice(vocabulary, size=words_per_paper, p=background),
        )
        text = words[chosen]
        papers.append(
            Paper(
                title=" ".join(text[:10]),
                abstract=" ".join(text[10:]),
                journal=f"Journal of Topic {j}",
                id=f"10.9999/synthetic.{seed}.{i}",
                category=f"subject {subject[i]}",
            )
        )
        labels.append(f"journal of topic {j}")
    return Corpus(papers, labels)
