"""The stronger baselines of `rxradar eval` and the calibration chosen by cross-validation."""

from __future__ import annotations

import numpy as np

from bot.scoring.calibration import softmax
from bot.scoring.choice import BIAS_PRIORS, choose_calibration
from bot.scoring.evaluate import run_evaluation
from bot.scoring.strong_baselines import centroid_temperature, fit_tfidf
from bot.scoring.synthetic import synthetic_corpus


def _corpus(n: int = 600, journals: int = 6, seed: int = 5) -> tuple[list[str], np.ndarray]:
    corpus = synthetic_corpus(n, journals, seed=seed)
    names = sorted({p.journal or "" for p in corpus.papers})
    labels = np.array([names.index(p.journal or "") for p in corpus.papers])
    return [p.text for p in corpus.papers], labels


def test_the_centroid_temperature_is_fitted_not_fixed() -> None:
    """Cosines live in [0, 1]: a softmax at T = 1 would be nearly flat; the CV fit must
    sharpen it (T well below 1), and soften it when the labels carry no signal."""
    texts, labels = _corpus()
    _, x = fit_tfidf(texts)
    temperature = centroid_temperature(x, labels, 6)
    assert 0.0 < temperature < 0.5
    shuffled = np.random.default_rng(0).permutation(labels)
    try:
        assert centroid_temperature(x, shuffled, 6) > 2 * temperature  # softer
    except ValueError as exc:  # or no signal at all
        assert "no signal" in str(exc)


def test_every_baseline_is_scored_with_its_own_seconds() -> None:
    corpus = synthetic_corpus(700, 6, seed=9)
    train, test = corpus.papers[:500], corpus.papers[500:]
    result = run_evaluation(train, test, min_papers=10)
    assert list(result.methods) == ["model", "prior", "knn", "centroid", "lr", "svd_lr"]
    for name, method in result.methods.items():
        assert method.seconds_train >= 0 and method.seconds_score >= 0
        if name != "prior":
            assert method.metrics.mrr > result.methods["prior"].metrics.mrr, name
    best, _ = result.best_baseline(lambda r: r.metrics.mrr)
    assert best in {"knn", "centroid", "lr", "svd_lr"}


def _logits_with_a_journal_the_shared_weights_miss(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(n, 5)) * 2.0
    probabilities = softmax(logits + np.array([1.5, 0.0, 0.0, -1.5, 0.0]))
    labels = np.array([rng.choice(5, p=row) for row in probabilities])
    return logits, labels


def test_cross_validation_turns_the_offsets_on_when_a_journal_needs_them() -> None:
    logits, labels = _logits_with_a_journal_the_shared_weights_miss(3000)
    choice = choose_calibration(logits, labels)
    assert choice.journal_bias_prior in BIAS_PRIORS[1:]


def test_cross_validation_keeps_offsets_off_when_nothing_is_missed() -> None:
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(3000, 5)) * 2.0
    labels = np.array([rng.choice(5, p=row) for row in softmax(logits)])
    choice = choose_calibration(logits, labels)
    assert choice.journal_bias_prior == 0.0
