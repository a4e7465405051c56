"""Percentile and lift of a score within a window of preprints, and how they are shown.

A profile's window summary keeps 1,001 quantiles (every 0.1 percentage point) of its
probabilities over all preprints in the window, so "Top 0.1%" (at or above the 99.9th
percentile) and "52.3%" can be read off without keeping every score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

QUANTILE_POINTS = 1001


@dataclass(frozen=True)
class WindowSummary:
    n: int  # preprints in the window
    mean: float  # the average preprint's probability for this profile
    quantiles: tuple[float, ...]  # QUANTILE_POINTS values, at 0, 0.001, ..., 1


def summarise(probabilities: Sequence[float] | np.ndarray) -> WindowSummary:
    values = np.asarray(probabilities, dtype=np.float64)
    if values.size == 0:
        return WindowSummary(0, 0.0, ())
    levels = np.linspace(0.0, 1.0, QUANTILE_POINTS)
    quantiles = np.quantile(values, levels)
    return WindowSummary(int(values.size), float(values.mean()), tuple(map(float, quantiles)))


def percentile(probability: float, quantiles: Sequence[float]) -> float:
    """Share (0–1) of the window's preprints scoring at or below `probability`.

    Linear between stored quantiles; 1.0 at or above the window's maximum.
    """
    q = np.asarray(quantiles, dtype=np.float64)
    if q.size == 0:
        raise ValueError("no quantiles: the window is empty")
    if probability < q[0]:
        return 0.0
    if probability >= q[-1]:
        return 1.0
    k = int(np.searchsorted(q, probability, side="right"))  # q[k-1] <= p < q[k]
    fraction = (probability - q[k - 1]) / (q[k] - q[k - 1])
    return float(((k - 1) + fraction) / (q.size - 1))


def lift(probability: float, mean: float) -> float:
    """How many times the average preprint's probability this one is."""
    if mean <= 0:
        raise ValueError("the window's mean probability must be positive")
    return probability / mean


def format_probability(probability: float) -> str:
    """0.523 -> '52.3%'; 0.0006 -> '0.06%' (small values keep two decimals)."""
    value = probability * 100
    if value >= 1 or value == 0:
        return f"{value:.1f}%"
    if value >= 0.01:
        return f"{value:.2f}%"
    return "<0.01%"


def format_top(share_below: float) -> str:
    """0.999 -> 'Top 0.1%'. Rounded up, so 'Top 3%' is never better than the truth."""
    top = max((1.0 - share_below) * 100, 0.0)
    if top < 1:
        return f"Top {max(math.ceil(top * 10 - 1e-6), 1) / 10:.1f}%"
    return f"Top {math.ceil(top - 1e-6)}%"


def format_lift(value: float) -> str:
    """870.2 -> '870× the average preprint'; 1.46 -> '1.5× the average preprint'."""
    shown = f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
    return f"{shown}× the average preprint"
