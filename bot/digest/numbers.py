"""The numbers shown next to every score, as on the seed page: "52.3%", "Top 0.1%",
"870× the average preprint", "0.06%" — in digests, `top`, `match`, Slack and web pages.

The definitions live in `bot.scoring.stats` (one meaning everywhere); this adapter turns
"no statistics for this profile yet" into None instead of an error, because a score can
still be shown without a percentile or lift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.scoring import stats
from bot.scoring.stats import format_lift, format_probability, format_top

__all__ = [
    "Shown",
    "format_lift",
    "format_probability",
    "format_top",
    "lift",
    "percentile",
    "shown",
]


def percentile(probability: float, quantiles: Sequence[float], n: int = 0) -> float | None:
    """Share (0–1) of the window's preprints scoring at or below `probability`, capped at
    what `n` preprints support: the best of 98 is in the top 1/98 (≈1%), not "Top 0.1%"."""
    if len(quantiles) < 2:
        return None
    share = stats.percentile(probability, quantiles)
    return min(share, 1 - 1 / n) if n > 0 else share


def lift(probability: float, mean_probability: float | None) -> float | None:
    if not mean_probability or mean_probability <= 0:
        return None
    return stats.lift(probability, mean_probability)


@dataclass(frozen=True)
class Shown:
    """A probability with what the window says about it."""

    probability: float
    percentile: float | None  # 0–1: share of the window's preprints scoring below
    lift: float | None

    def to_json(self) -> dict[str, Any]:
        top = None if self.percentile is None else round((1 - self.percentile) * 100, 3)
        return {
            "probability": round(self.probability, 6),
            "percentile": None if self.percentile is None else round(self.percentile * 100, 3),
            "top_percent": top,
            "lift": None if self.lift is None else round(self.lift, 3),
        }

    @property
    def probability_text(self) -> str:
        return format_probability(self.probability)

    @property
    def top_text(self) -> str | None:
        return None if self.percentile is None else format_top(self.percentile)

    @property
    def lift_text(self) -> str | None:
        return None if self.lift is None else format_lift(self.lift)

    def cells(self) -> list[str]:
        return [self.probability_text, self.top_text or "–", self.lift_text or "–"]


def shown(probability: float, quantiles: Sequence[float], mean: float | None, n: int = 0) -> Shown:
    """The probability with its percentile and lift in a window (quantiles, mean and size)."""
    return Shown(probability, percentile(probability, quantiles, n), lift(probability, mean))
