"""acc@k, MRR and ECE on examples small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bot.scoring.metrics import (
    calibration_noise,
    evaluate,
    expected_calibration_error,
    journal_retrieval,
    paired_difference,
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
    assert retrieval.average_precisions == pytest.approx((1, 0.5, 0.75))


def test_a_method_that_scores_every_preprint_alike_earns_no_retrieval_credit() -> None:
    flat = np.full((4, 2), 0.5)
    retrieval = journal_retrieval(flat, np.array([0, 1, 1, 1]), depth=1)
    assert retrieval.precision_at_10 == pytest.approx((0 + 0) / 2)
    assert retrieval.mean_average_precision < 0.5


def test_paired_difference_is_the_mean_difference_with_its_standard_error() -> None:
    # differences 0.1, 0.3, -0.1: mean 0.1, sample sd 0.2, se 0.2 / sqrt(3)
    mean, se = paired_difference([0.5, 0.6, 0.2], [0.4, 0.3, 0.3])
    assert mean == pytest.approx(0.1)
    assert se == pytest.approx(0.2 / np.sqrt(3))


def test_paired_difference_ignores_what_both_methods_share() -> None:
    # the journals differ wildly, the methods by exactly 0.05 on each: no error at all
    mean, se = paired_difference([0.95, 0.15, 0.55], [0.9, 0.1, 0.5])
    assert (mean, se) == (pytest.approx(0.05), pytest.approx(0.0, abs=1e-12))


def test_the_ece_noise_floor_matches_the_binomial_expectation() -> None:
    # Every top-1 at 50%: one bin, ECE = |share right − 0.5|, share right ~ Binomial(n, ½)/n.
    from math import comb

    n = 40
    exact = sum(comb(n, k) * abs(k / n - 0.5) for k in range(n + 1)) / 2**n
    noise = calibration_noise(np.full(n, 0.5), observed=0.2, draws=4000)
    assert noise.mean == pytest.approx(exact, abs=0.005)
    tail = sum(comb(n, k) for k in range(n + 1) if abs(k / n - 0.5) >= 0.2 - 1e-12) / 2**n
    assert noise.share_at_least == pytest.approx(tail, abs=0.01)
    assert noise.p90 >= noise.mean


def test_a_certain_model_has_no_ece_noise() -> None:
    noise = calibration_noise(np.ones(10), observed=0.0, draws=50)
    assert (noise.mean, noise.p90, noise.share_at_least) == (0.0, 0.0, 1.0)
