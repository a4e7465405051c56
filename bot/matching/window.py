"""A score as it reads against its profile's stored window (percentile, lift).

Light on purpose (no model, no numpy): `top`, Slack answers and pages import it.
"""

from __future__ import annotations

from bot.digest.numbers import Shown, shown
from bot.store.scores import StatsRow


def shown_in_window(probability: float, row: StatsRow | None) -> Shown:
    """The probability with its percentile and lift in the profile's stored window."""
    if row is None or row.n_preprints == 0:
        return Shown(probability, None, None)
    return shown(probability, row.quantiles, row.mean_probability)
