"""`/preprints outcomes [JOURNAL]` through the real HTTP server, signed like Slack signs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from bot.records.outcome import Publication
from bot.store.outcomes import RecordCounts, record_publications
from tests.slack_support import (  # noqa: F401
    PREPRINTS,
    Harness,
    harness_factory,
    sqlite_harness_factory,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    return harness_factory()


def _text(message: dict) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _publish(h: Harness) -> None:
    with h.store.session() as session:
        record_publications(session, [
            Publication(PREPRINTS[0].id, "10.1093/nar/gkaa001", "Nucleic Acids Research",
                        date(2026, 2, 3), "biorxiv-pubs"),
            Publication(PREPRINTS[2].id, "10.7554/elife.1", "eLife", date(2026, 2, 4),
                        "biorxiv-pubs"),
        ], RecordCounts())  # fmt: skip


def test_outcomes_for_a_journal_lists_what_was_published_there(h: Harness) -> None:
    _publish(h)
    h.command("outcomes nucleic acids research")
    text = _text(h.answer())
    assert "Preprints published in *Nucleic Acids Research*" in text
    assert "Mapping RNA &lt;structure&gt; &amp; function" in text
    assert "https://doi.org/10.1093/nar/gkaa001" in text
    assert "published 2026-02-03" in text
    assert "Old news" not in text  # published in eLife
    # weekly top 10 of NAR: the three scored preprints, one published there
    assert "1 of 3 (33%) were published there" in text


def test_outcomes_for_the_channel_counts_each_subscription(h: Harness) -> None:
    h.command("outcomes")
    assert "has no subscriptions" in _text(h.answer(count=1))
    h.command("subscribe Nucleic Acids Research")
    h.answer(count=2)
    _publish(h)
    h.command("outcomes")
    text = _text(h.answer(count=3))
    assert "*Nucleic Acids Research*: sent 0; 0 published there (–), 0 elsewhere" in text


def test_outcomes_with_an_unknown_journal_offers_did_you_mean(h: Harness) -> None:
    h.command('outcomes "Nucleik Acids Reserch"')
    assert "Did you mean" in _text(h.answer())
