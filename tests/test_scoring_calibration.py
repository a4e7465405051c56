"""Temperature scaling, stacking weights and the top-1 adjustment behave as promised."""

from __future__ import annotations

import numpy as np
import pytest

from bot.scoring.calibration import (
    apply_temperature,
    apply_top_label,
    fit_biases,
    fit_temperature,
    fit_top_label,
    fit_weights,
    softmax,
)
from bot.scoring.metrics import evaluate


def _entropy(probabilities: np.ndarray) -> float:
    return float(-(probabilities * np.log(probabilities)).sum(axis=1).mean())


def _sample(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    probabilities = softmax(logits)
    cumulative = probabilities.cumsum(axis=1)
    return (rng.random((len(logits), 1)) > cumulative).sum(axis=1)


def test_a_temperature_above_one_softens() -> None:
    logits = np.random.default_rng(0).normal(size=(50, 8)) * 3
    assert _entropy(apply_temperature(logits, 2.0)) > _entropy(softmax(logits))
    assert _entropy(apply_temperature(logits, 0.5)) < _entropy(softmax(logits))


def test_it_recovers_the_temperature_that_generated_the_labels() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(20000, 10)) * 4
    labels = _sample(logits / 2.5, rng)  # the truth is 2.5× softer than the logits
    assert fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.08)


def test_fitted_weights_give_small_ece_on_held_out_data() -> None:
    rng = np.random.default_rng(2)
    signal = rng.normal(size=(12000, 20, 1)) * 2
    noise = rng.normal(size=(12000, 20, 1))
    scores = np.concatenate([signal, signal + noise], axis=2) * 5  # over-confident scale
    labels = _sample(signal[:, :, 0], rng)
    weights = fit_weights(scores[:6000], labels[:6000], l2=0.0)
    raw = evaluate(softmax(scores[6000:].sum(axis=2)), labels[6000:])
    fitted = evaluate(softmax(scores[6000:] @ weights), labels[6000:])
    assert raw.ece > 0.2
    assert fitted.ece < 0.02
    assert weights[1] == pytest.approx(0.0, abs=0.03)  # the noisy copy is ignored


def test_the_top_label_map_keeps_rankings_and_sums() -> None:
    rng = np.random.default_rng(3)
    probabilities = softmax(rng.normal(size=(500, 12)) * 3)
    adjusted = apply_top_label(probabilities, (-0.4, 0.6, 0.3, -0.2))
    assert np.allclose(adjusted.sum(axis=1), 1.0)
    assert (adjusted.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    order = np.argsort(-probabilities, axis=1)[:, 1:]
    assert (np.argsort(-adjusted, axis=1)[:, 1:] == order).all()


def test_the_top_label_map_fixes_an_overconfident_top_one() -> None:
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(8000, 10)) * 2
    labels = _sample(logits, rng)
    overconfident = softmax(logits * 2.0)
    coefficients = fit_top_label(overconfident[:4000], labels[:4000])
    before = evaluate(overconfident[4000:], labels[4000:]).ece
    after = evaluate(apply_top_label(overconfident[4000:], coefficients), labels[4000:]).ece
    assert before > 0.1
    assert after < 0.04


def _rows(top: float, second: float, n: int, width: int = 10) -> np.ndarray:
    rest = (1.0 - top - second) / (width - 2)
    row = np.array([top, second] + [rest] * (width - 2))
    return np.tile(row, (n, 1))


def test_the_top_label_map_tells_a_close_call_from_a_clear_winner() -> None:
    """Same 40% top probability; right 28% of the time next to a 15% runner-up, 55% of the
    time over a flat tail. A map of the top probability alone would say 40% for both."""
    rng = np.random.default_rng(5)
    tie, clear = _rows(0.40, 0.15, 3000), _rows(0.40, 0.05, 3000)
    probabilities = np.vstack([tie, clear])
    right = np.concatenate([rng.random(3000) < 0.28, rng.random(3000) < 0.55])
    labels = np.where(right, 0, rng.integers(1, 10, size=6000))
    coefficients = fit_top_label(probabilities, labels)
    adjusted = apply_top_label(np.vstack([tie[:1], clear[:1]]), coefficients)
    assert adjusted[0, 0] == pytest.approx(0.28, abs=0.03)
    assert adjusted[1, 0] == pytest.approx(0.55, abs=0.03)
    assert np.allclose(adjusted.sum(axis=1), 1.0)


def test_a_platt_only_map_from_an_older_model_still_applies() -> None:
    probabilities = softmax(np.random.default_rng(6).normal(size=(50, 6)) * 2)
    old_style = apply_top_label(probabilities, (0.0, 1.0))
    assert np.allclose(old_style, probabilities)


def test_journal_offsets_recover_what_the_shared_logits_miss() -> None:
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(20000, 6)) * 2
    truth = np.array([0.8, -0.6, 0.0, 0.0, 0.3, -0.5])
    labels = _sample(logits + truth, rng)
    biases = fit_biases(logits[:10000], labels[:10000], l2=1e-5)
    assert np.allclose(biases - biases.mean(), truth - truth.mean(), atol=0.08)
    rows = np.arange(10000, 20000)
    before = -np.log(softmax(logits[rows])[np.arange(10000), labels[rows]]).mean()
    after = -np.log(softmax(logits[rows] + biases)[np.arange(10000), labels[rows]]).mean()
    assert after < before - 0.02


def test_the_ridge_holds_back_a_journal_with_little_evidence() -> None:
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(3000, 5))
    labels = _sample(logits, rng)
    labels[np.flatnonzero(labels == 4)[2:]] = 0  # journal 4: only 2 held-out papers left
    free = fit_biases(logits, labels, l2=0.0)
    ridged = fit_biases(logits, labels, l2=20.0 / len(labels))
    assert free[4] < -2.0  # taken at face value, journal 4 almost never fits
    assert free[4] < ridged[4] < 0.0  # the ridge keeps it closer to what the centroids say
