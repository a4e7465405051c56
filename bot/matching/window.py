"""A score as it reads against its profile's stored window (percentile, lift), and why a
profile has nothing in its window.

Light on purpose (no model, no numpy): `top`, Slack answers and pages import it.
"""

from __future__ import annotations

from bot.digest.numbers import Shown, shown
from bot.store.profiles import ProfileSummary
from bot.store.scores import StatsRow

NOT_IN_MODEL = "not-in-model"  # a journal the active model skipped (too few papers)
NO_SCORES = "no-scores"  # in the model, but nothing scored in the window (yet)


def shown_in_window(probability: float, row: StatsRow | None) -> Shown:
    """The probability with its percentile and lift in the profile's stored window."""
    if row is None or row.n_preprints == 0:
        return Shown(probability, None, None)
    return shown(probability, row.quantiles, row.mean_probability, row.n_preprints)


def empty_reason(profile: ProfileSummary, row: StatsRow | None) -> str:
    """Why a profile has no ranked preprints: NOT_IN_MODEL or NO_SCORES.

    A journal without window statistics was left out of training; a custom profile always
    gets statistics, so its empty window only means nothing was scored yet.
    """
    if row is None and profile.kind == "journal":
        return NOT_IN_MODEL
    return NO_SCORES
