"""Percentile, lift and how they are written on the seed page."""

from __future__ import annotations

import numpy as np
import pytest

from bot.scoring.stats import (
    QUANTILE_POINTS,
    format_lift,
    format_probability,
    format_top,
    lift,
    percentile,
    summarise,
)


def test_the_summary_keeps_count_mean_and_1001_quantiles() -> None:
    summary = summarise(np.arange(1, 10001) / 10000)
    assert summary.n == 10000
    assert summary.mean == pytest.approx(0.50005)
    assert len(summary.quantiles) == QUANTILE_POINTS
    assert summary.quantiles[0] == pytest.approx(0.0001)
    assert summary.quantiles[-1] == pytest.approx(1.0)


def test_percentile_is_the_share_of_the_window_at_or_below() -> None:
    quantiles = summarise(np.arange(1, 10001) / 10000).quantiles
    assert percentile(0.5, quantiles) == pytest.approx(0.5, abs=1e-3)
    assert percentile(0.999, quantiles) == pytest.approx(0.999, abs=1e-3)
    assert percentile(0.00001, quantiles) == 0.0
    assert percentile(2.0, quantiles) == 1.0


def test_a_score_above_the_999th_permille_is_top_point_one_percent() -> None:
    quantiles = summarise(np.linspace(0, 1, 100001)).quantiles
    assert format_top(percentile(0.9995, quantiles)) == "Top 0.1%"
    assert format_top(percentile(0.95, quantiles)) == "Top 5%"


def test_flat_windows_do_not_divide_by_zero() -> None:
    quantiles = summarise(np.zeros(500)).quantiles
    assert percentile(0.0, quantiles) == 1.0
    assert percentile(0.3, quantiles) == 1.0


def test_lift_is_the_score_over_the_window_mean() -> None:
    assert lift(0.523, 0.0006) == pytest.approx(871.6666, rel=1e-4)
    with pytest.raises(ValueError):
        lift(0.5, 0.0)


def test_probabilities_are_shown_like_the_seed_page() -> None:
    assert format_probability(0.523) == "52.3%"
    assert format_probability(0.0006) == "0.06%"
    assert format_probability(0.00001) == "<0.01%"


def test_top_shares_round_up_so_they_never_flatter() -> None:
    assert format_top(0.999) == "Top 0.1%"
    assert format_top(1.0) == "Top 0.1%"
    assert format_top(0.9988) == "Top 0.2%"
    assert format_top(0.974) == "Top 3%"


def test_lift_is_shown_as_times_the_average_preprint() -> None:
    assert format_lift(870.2) == "870× the average preprint"
    assert format_lift(2.0) == "2× the average preprint"
    assert format_lift(1.46) == "1.5× the average preprint"
