"""The numbers each digest entry shows, as on the seed page: "52.3%", "Top 0.1%",
"870× the average preprint", "0.06%".

The definitions live in `bot.scoring.stats` (one meaning everywhere); this adapter only
turns "no statistics for this profile yet" into None instead of an error, because a
digest can still be sent without a percentile or lift.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.scoring import stats
from bot.scoring.stats import format_lift, format_probability, format_top

__all__ = ["format_lift", "format_probability", "format_top", "lift", "percentile"]


def percentile(probability: float, quantiles: Sequence[float]) -> float | None:
    """Share (0–1) of the window's preprints scoring at or below `probability`."""
    if len(quantiles) < 2:
        return None
    return stats.percentile(probability, quantiles)


def lift(probability: float, mean_probability: float | None) -> float | None:
    if not mean_probability or mean_probability <= 0:
        return None
    return stats.lift(probability, mean_probability)
