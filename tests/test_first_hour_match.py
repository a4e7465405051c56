"""`match` and `top` as a newcomer meets them: links from any preprint server, texts the
model cannot read, and percentiles no larger than the window supports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bot.digest.numbers import format_top, percentile
from bot.records.preprint import Preprint
from bot.store import Store
from bot.store.preprints import upsert_preprints
from tests.test_profiles_cli import _corpus, _json, _run, trained  # noqa: F401


def test_the_best_of_98_preprints_is_not_top_0_1_percent() -> None:
    quantiles = [i / 1000 for i in range(1001)]
    assert format_top(percentile(1.0, quantiles) or 0) == "Top 0.1%"  # size unknown
    assert format_top(percentile(1.0, quantiles, n=98) or 0) == "Top 2%"  # 1/98 ≈ 1.02%
    assert format_top(percentile(1.0, quantiles, n=100_000) or 0) == "Top 0.1%"


def test_top_shows_no_percentile_finer_than_its_window(
    trained: dict[str, Any],  # noqa: F811
    env: dict[str, str],
) -> None:
    page = _json(env, "top", "Neuro Letters", "--limit", "1")
    assert page["window_preprints"] == 40
    assert page["preprints"][0]["top_percent"] >= 2.5  # the best of 40


def test_match_refuses_a_text_the_model_does_not_know(
    trained: dict[str, Any],  # noqa: F811
    env: dict[str, str],
) -> None:
    code, out, err = _run(env, "match", "--text", "hi")
    assert code == 2 and out == ""
    assert "the text has 0 words the model knows (at least 3 are needed)" in err
    assert "paste the title and abstract" in err


def test_match_doi_accepts_arxiv_medrxiv_and_biorxiv_links(
    trained: dict[str, Any],  # noqa: F811
    env: dict[str, str],
    store: Store,
) -> None:
    posted = date(2026, 1, 5)
    upsert_preprints(store, [Preprint(
        id="arxiv:2401.01234", version=2, title="Virus capsid replication",
        abstract="virus capsid replication host infection viral antibody receptor",
        authors=("Roe, R.",), server="arxiv", posted=posted, updated=posted,
        categories=("q-bio.QM",), arxiv_id="2401.01234",
    )])  # fmt: skip
    for link in ("https://arxiv.org/abs/2401.01234v2", "arXiv:2401.01234"):
        result = _json(env, "match", "--doi", link, "--top", "1")
        assert result["journals"][0]["journal"] == "Virus Reports", link
    medrxiv = "https://www.medrxiv.org/content/10.1101/2026.01.00001v1.full"
    assert _json(env, "match", "--doi", medrxiv, "--top", "1")["journals"]
    code, _, err = _run(env, "match", "--doi", "https://example.org/nothing")
    assert code == 2 and "a bioRxiv, medRxiv or arXiv link" in err


def test_top_with_nothing_scored_gives_advice_that_can_help(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    """Before: `top --days 3650` said "widen --days" though the score window caps it."""
    assert _json(env, "profiles", "import", str(_corpus(tmp_path / "c.jsonl")))["added"] == 60
    _json(env, "train", "--min-papers", "10")
    code, _, err = _run(env, "top", "Neuro Letters", "--days", "3650")
    assert code == 0 and "widen" not in err and "try --days" not in err
    assert "no scored preprints in the last 90 days (RXRADAR_SCORE_WINDOW_DAYS" in err
    assert "rxradar backfill --server biorxiv --days 90" in err and "rxradar demo" in err
    _, _, narrow = _run(env, "top", "Neuro Letters", "--days", "7")
    assert "no scored preprints in the last 7 days: try --days 90, or poll first" in narrow
