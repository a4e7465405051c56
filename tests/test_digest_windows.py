"""A followed profile's window statistics as a digest reads them."""

from __future__ import annotations

from sqlalchemy import update

from bot.store import Store
from bot.store.digests import profile_windows
from bot.store.profile_models import ProfileStats
from tests.factories import journal


def test_a_window_with_no_scored_preprint_has_no_average(store: Store) -> None:
    """Nothing scored in the window: the digest must not say "the average preprint has a
    0.0% match score" (the stored mean of no preprints is 0)."""
    scored, empty = journal(store, "Scored Journal"), journal(store, "Quiet Journal")
    with store.session() as session:
        session.execute(
            update(ProfileStats)
            .where(ProfileStats.profile_id == empty)
            .values(n_preprints=0, mean_probability=0.0)
        )
    with store.session() as session:
        windows = profile_windows(session, [(scored, "S", "journal"), (empty, "Q", "journal")])
    assert windows[0].mean_probability == 0.0006
    assert windows[1].mean_probability is None and windows[1].n_preprints == 0
