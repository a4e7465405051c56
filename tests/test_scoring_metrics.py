"""acc@k, MRR and ECE on examples small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bot.scoring.metrics import evaluate, expected_calibration_error, true_ranks

PROBS = np.array(
    [
        [0.7, 0.2, 0.1],  # true 0 -> rank 1
        [0.5, 0.3, 0.2],  # true 1 -> rank 2
        [0.6, 0.3, 0.1],  # true 2 -> rank 3
        [0.1, 0.2, 0.7],  # true 2 -> rank 1
    ]
)
LABELS = np.array([0, 1, 2, 2])


def test_it_ranks_the_true_journal_from_one() -> None:
    assert true_ranks(PROBS, LABELS).tolist() == [1, 2, 3, 1]


def test_ties_count_against_the_model() -> None:
    assert true_ranks(np.array([[0.5, 0.5]]), np.array([1])).tolist() == [2]


def test_it_computes_accuracy_at_k_and_mrr_by_hand() -> None:
    metrics = evaluate(PROBS, LABELS)
    assert metrics.acc_at_1 == pytest.approx(0.5)
    assert metrics.acc_at_5 == pytest.approx(1.0)
    assert metrics.mrr == pytest.approx((1 + 1 / 2 + 1 / 3 + 1) / 4)


def test_ece_weights_each_bin_gap_by_its_share() -> None:
    # bin 0.7: confidences 0.7, 0.7, both right -> gap 0.3, weight 2/4
    # bin 0.5: 0.5 wrong -> gap 0.5; bin 0.6: 0.6 wrong -> gap 0.6; weight 1/4 each
    ece = evaluate(PROBS, LABELS).ece
    assert ece == pytest.approx(0.5 * 0.3 + 0.25 * 0.5 + 0.25 * 0.6)


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    confidence = np.array([0.25, 0.25, 0.25, 0.25])
    correct = np.array([True, False, False, False])
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.0)


def test_a_confidence_of_one_falls_in_the_last_bin() -> None:
    assert expected_calibration_error(np.array([1.0]), np.array([True])) == pytest.approx(0.0)


def test_metrics_serialise_with_the_pinned_keys() -> None:
    assert set(evaluate(PROBS, LABELS).to_json()) == {"acc@1", "acc@5", "acc@10", "mrr", "ece"}
