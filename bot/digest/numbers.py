"""The numbers each digest entry shows, formatted as on the seed page.

"52.3%" (probability), "Top 0.1%" (percentile among the window's preprints), "870× the
average preprint" (lift over the profile's mean), "0.06%" (the average). These are
small local versions of the formatters the scoring module will publish in
`bot/scoring/stats.py`; the names and meanings match so switching is an import change.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence


def percentile(probability: float, quantiles: Sequence[float]) -> float | None:
    """Fraction (0–1) of the window's preprints scoring below `probability`.

    `quantiles` are the profile's scores at evenly spaced levels 0, 1/(k-1), … 1, sorted;
    ties take the middle of their run, values between two quantiles are interpolated.
    """
    k = len(quantiles)
    if k < 2:
        return None
    lo, hi = bisect_left(quantiles, probability), bisect_right(quantiles, probability)
    if lo != hi:
        return ((lo + hi - 1) / 2) / (k - 1)
    if lo == 0:
        return 0.0
    if lo == k:
        return 1.0
    below, above = quantiles[lo - 1], quantiles[lo]
    fraction = (probability - below) / (above - below) if above > below else 0.0
    return (lo - 1 + fraction) / (k - 1)


def lift(probability: float, mean_probability: float | None) -> float | None:
    if not mean_probability or mean_probability <= 0:
        return None
    return probability / mean_probability


def format_probability(probability: float) -> str:
    """52.3% for ordinary values, two significant digits below 1% (0.06%)."""
    percent = probability * 100
    if percent >= 1 or percent == 0:
        return f"{percent:.1f}%"
    return f"{percent:.2g}%"


def format_top(fraction_below: float) -> str:
    """'Top 0.1%' is the floor: finer ranks are not meaningful for a window's scores."""
    top = max(0.0, (1 - fraction_below) * 100)
    if top < 0.1:
        return "Top 0.1%"
    if top < 1:
        return f"Top {top:.1f}%"
    return f"Top {round(top):d}%"


def format_lift(value: float) -> str:
    if value >= 10:
        return f"{round(value):,d}×"
    return f"{value:.1f}×"
