"""Reading a digest's data from the store: best-first pages, and the whole window when
filters leave the first page short."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.delivery.preparing import RunCache, load_digest
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.subscribing import subscribe
from tests import factories

NOW = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)


def test_a_keyword_match_far_down_the_ranking_is_still_found(store: Store) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    for i in range(150):
        factories.scored(
            store,
            mia,
            f"10.1101/{i:03d}",
            0.9 - i * 0.005,
            date(2026, 10, 22),
            abstract="Nothing to see.",
        )
    factories.scored(
        store, mia, "10.1101/last", 0.0001, date(2026, 10, 22), abstract="A rare tomography method."
    )
    record = subscribe(
        store,
        Target("email", "a@b.org"),
        ["Medical Image Analysis"],
        datetime(2026, 10, 1, tzinfo=UTC),
        rules=DigestRules(top=3, keywords=("tomography",)),
    )

    cache = RunCache()
    digest = load_digest(store, record, "2026-10-26", NOW, cache)
    again = load_digest(store, record, "2026-10-26", NOW, cache)

    assert [e.preprint_id for e in digest.entries] == ["10.1101/last"]
    assert again == digest
    assert digest.considered == 151
