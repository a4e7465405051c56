"""acc@k, MRR and ECE on examples small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bot.scoring.metrics import (
    evaluate,
    expected_calibration_error,
    journal_retrieval,
    true_ranks,
)

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


def test_per_journal_retrieval_by_hand() -> None:
    # Journal 0 (column 0.7, 0.5, 0.6, 0.1): its paper, row 0, ranks first -> AP 1.
    # Journal 1 (0.2, 0.3, 0.3, 0.2): rows 1 and 2 tie; the tie puts the other journal's
    # row 2 first, so its paper (row 1) ranks 2nd -> AP 1/2.
    # Journal 2 (0.1, 0.2, 0.1, 0.7): row 3 first, row 1, then the tie rows 0 and 2 with
    # row 0 first -> its papers at ranks 1 and 4 -> AP (1 + 2/4) / 2 = 0.75.
    # P@2: one of each journal's top two is its own -> 1/2 each.
    retrieval = journal_retrieval(PROBS, LABELS, depth=2)
    assert retrieval.n_journals == 3
    assert retrieval.mean_average_precision == pytest.approx((1 + 0.5 + 0.75) / 3)
    assert retrieval.precision_at_10 == pytest.approx((0.5 + 0.5 + 0.5) / 3)


def test_a_method_that_scores_every_preprint_alike_earns_no_retrieval_credit() -> None:
    flat = np.full((4, 2), 0.5)
    retrieval = journal_retrieval(flat, np.array([0, 1, 1, 1]), depth=1)
    assert retrieval.precision_at_10 == pytest.approx((0 + 0) / 2)
    assert retrieval.mean_average_precision < 0.5
