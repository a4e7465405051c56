"""The arithmetic between predictions and stored scores: top-K rows, ranks, window quantiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.matching.scorer import Columns, score_rows, window_quantiles
from bot.records.paper import Paper
from bot.scoring import stats
from bot.store import Store
from bot.store.profiles import import_papers
from tests.factories import settings


def test_window_quantiles_equal_the_scoring_summary_column_by_column() -> None:
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.full(40, 0.1), size=997).astype(np.float32)
    means, quantiles = window_quantiles(probabilities)
    for column in (0, 17, 39):
        summary = stats.summarise(probabilities[:, column])
        assert np.allclose(quantiles[:, column], summary.quantiles, rtol=1e-6, atol=1e-12)
        assert (
            means[column] == np.float64(summary.mean) or abs(means[column] - summary.mean) < 1e-12
        )


def test_one_preprint_window_has_flat_quantiles() -> None:
    means, quantiles = window_quantiles(np.array([[0.7, 0.3]], dtype=np.float32))
    assert quantiles.shape == (stats.QUANTILE_POINTS, 2)
    assert np.allclose(quantiles[:, 0], 0.7) and np.allclose(means, [0.7, 0.3])


def test_score_rows_keep_top_k_journals_and_every_followed_profile() -> None:
    # columns: journals 10, 11, 12, 13 then custom profile 50
    probabilities = np.array(
        [[0.1, 0.6, 0.2, 0.1, 0.3], [0.7, 0.05, 0.05, 0.2, 0.01]], dtype=np.float32
    )
    cols = Columns(np.array([10, 11, 12, 13, 50]), n_journals=4, custom=())
    rows = score_rows(["a", "b"], probabilities, cols, keep={13, 50}, top_k=2)
    got = {(r.preprint_id, r.profile_id): (round(r.probability, 3), r.rank) for r in rows}
    assert got == {
        ("a", 11): (0.6, 1),
        ("a", 12): (0.2, 2),
        ("a", 13): (0.1, 3),  # followed: stored although outside the top 2
        ("a", 50): (0.3, 2),  # custom: one journal scores higher
        ("b", 10): (0.7, 1),
        ("b", 13): (0.2, 2),
        ("b", 50): (0.01, 5),
    }


def test_journals_whose_profile_was_deleted_are_not_stored() -> None:
    cols = Columns(np.array([-1, 11]), n_journals=2, custom=())
    rows = score_rows(["a"], np.array([[0.9, 0.1]], dtype=np.float32), cols, keep=set())
    assert [(r.profile_id, r.rank) for r in rows] == [(11, 2)]


def test_percentile_and_lift_read_off_the_window_like_the_seed_page() -> None:
    window = np.concatenate([np.full(999, 0.0005), [0.523]])
    _, quantiles = window_quantiles(window[:, None])
    mean = float(window.mean())
    share = stats.percentile(0.523, quantiles[:, 0].tolist())
    assert stats.format_top(share) == "Top 0.1%"
    assert stats.format_probability(mean) == "0.10%"
    assert stats.lift(0.523, mean) == 0.523 / mean  # mean = (999 × 0.0005 + 0.523) / 1000


def test_training_with_a_custom_profile_before_the_first_poll_works(
    store: Store, tmp_path: Path
) -> None:
    """An empty window (no preprint polled yet) and a custom profile once crashed training:
    the custom columns of zero rows could not be stacked."""
    from bot.matching.train import train_from_store

    journals = [
        Paper(title=f"{j} paper {i}", abstract=f"{j} words " * 5, journal=j)
        for j in ("eLife", "Genome Research")
        for i in range(6)
    ]
    import_papers(store, journals, source="test")
    lab = [Paper(title=f"Lab paper {i}", abstract="rna splicing in neurons") for i in range(3)]
    import_papers(store, lab, source="test", custom_profile="Smith lab")
    report = train_from_store(store, settings(tmp_path).model, min_papers=5)
    assert report.n_journals == 2 and report.n_rescored == 0
