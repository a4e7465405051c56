"""Votes re-rank a subscription's next digest: direction, reset, isolation, lifetime.

Preprints of two topics (cardiac MRI, gut microbiome) are interleaved in the journal's
order; votes on one topic must move that topic's other preprints, and nothing else's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from bot import subscribing
from bot.cli import app
from bot.delivery.preparing import load_digest
from bot.digest import feedback
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.scoring import preference
from bot.scoring.preference import DEFAULT_PARAMS
from bot.store import Store
from bot.store import feedback as votes_store
from bot.store.delivery_models import PreferenceFit
from bot.store.subscriptions import SubscriptionRecord
from tests import factories

NOW = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)
POSTED = date(2030, 1, 5)
CARDIAC = "Cardiac MRI segmentation of the left ventricle with deep networks"
GUT = "Gut microbiome metagenomics of antibiotic resistance in infants"
CARDIAC_TEXT = (
    "We segment the left ventricle and myocardium in cine cardiac magnetic resonance "
    "images with a convolutional network trained on annotated ventricle contours."
)
GUT_TEXT = (
    "Shotgun metagenomics of infant stool shows how antibiotic exposure reshapes the gut "
    "microbiome and enriches resistance genes in early life."
)


def _pid(n: int) -> str:
    return f"10.1101/2030.01.05.{n:06d}"


@pytest.fixture
def journal(store: Store) -> int:
    """Ten preprints, cardiac (even n) and gut (odd n), in falling journal probability."""
    mia = factories.journal(store, "Medical Image Analysis")
    for n in range(10):
        cardiac = n % 2 == 0
        factories.scored(
            store, mia, _pid(n), 0.40 - 0.03 * n, POSTED,
            title=f"{CARDIAC if cardiac else GUT}, part {n}",
            abstract=CARDIAC_TEXT if cardiac else GUT_TEXT,
        )  # fmt: skip
    return mia


def _subscribe(store: Store, where: str, journals: tuple[str, ...] = ("Medical Image Analysis",),
               top: int = 6) -> SubscriptionRecord:  # fmt: skip
    target = Target("slack", f"T1:{where}")
    rules = DigestRules(top=top, lookback_days=7)
    since = NOW - timedelta(days=1)
    return subscribing.subscribe(store, target, list(journals), since, rules=rules)


def _order(store: Store, record: SubscriptionRecord) -> list[str]:
    return [e.preprint_id for e in load_digest(store, record, "p", NOW).entries]


def _gut_share(order: list[str]) -> int:
    return sum(int(pid[-1]) % 2 for pid in order)


def test_without_votes_the_order_is_the_journals(store: Store, journal: int) -> None:
    record = _subscribe(store, "C1")
    assert _order(store, record) == [_pid(n) for n in range(6)]


def test_liking_one_topic_moves_its_preprints_up_and_reset_restores_the_order_exactly(
    store: Store, journal: int
) -> None:
    record = _subscribe(store, "C1")
    today = _order(store, record)
    for n in (1, 3):  # 👍 on two gut preprints, 👎 on a cardiac one
        subscribing.record_vote(store, record.id, _pid(n), "U1", 1, NOW)
    subscribing.record_vote(store, record.id, _pid(0), "U1", -1, NOW)
    digest = load_digest(store, record, "p", NOW)
    after = [e.preprint_id for e in digest.entries]
    assert _gut_share(after) > _gut_share(today)
    assert after[0] != _pid(0) and after.index(_pid(5)) < today.index(_pid(5))
    moved = {e.preprint_id: e for e in digest.entries if e.feedback == 1}
    assert moved and all(int(pid[-1]) % 2 == 1 for pid in moved)
    assert "microbiome" in next(iter(moved.values())).feedback_terms
    assert subscribing.reset_feedback(store, record.id) == 3
    assert _order(store, record) == today


def test_a_channels_members_votes_combine_and_a_tie_cancels(store: Store, journal: int) -> None:
    record = _subscribe(store, "C1")
    today = _order(store, record)
    subscribing.record_vote(store, record.id, _pid(1), "U1", 1, NOW)
    subscribing.record_vote(store, record.id, _pid(1), "U2", -1, NOW)
    assert _order(store, record) == today
    subscribing.record_vote(store, record.id, _pid(1), "U3", 1, NOW)
    assert _gut_share(_order(store, record)) > _gut_share(today)


def test_votes_of_one_subscription_never_move_anothers(store: Store, journal: int) -> None:
    factories.journal(store, "Radiology")
    mine = _subscribe(store, "C1")
    same_channel = _subscribe(store, "C1", ("Medical Image Analysis", "Radiology"))
    other_channel = _subscribe(store, "C2")
    before = [_order(store, r) for r in (same_channel, other_channel)]
    for n in (1, 3, 5):
        subscribing.record_vote(store, mine.id, _pid(n), "U1", 1, NOW)
    assert _gut_share(_order(store, mine)) > _gut_share(_order(store, other_channel))
    assert [_order(store, r) for r in (same_channel, other_channel)] == before


def test_stopping_a_subscription_deletes_its_votes_and_new_settings_keep_them(
    store: Store, journal: int
) -> None:
    record = _subscribe(store, "C1")
    subscribing.record_vote(store, record.id, _pid(1), "U1", 1, NOW)
    replaced = _subscribe(store, "C1", top=8)  # same journal, new settings: replaces it
    with store.session() as session:
        assert [v.preprint_id for v in votes_store.voted(session, replaced.id)] == [_pid(1)]
    assert subscribing.unsubscribe(store, replaced.id, NOW)
    with store.session() as session:
        assert votes_store.voted(session, replaced.id) == []


def test_a_vote_on_an_unknown_preprint_or_subscription_says_what_to_fix(
    store: Store, journal: int
) -> None:
    record = _subscribe(store, "C1")
    with pytest.raises(subscribing.SubscribeError, match="no preprint"):
        subscribing.record_vote(store, record.id, "10.1101/nope", "U1", 1, NOW)
    with pytest.raises(subscribing.SubscribeError, match="no active subscription 999"):
        subscribing.record_vote(store, 999, _pid(1), "U1", 1, NOW)


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_votes_explains_and_resets(env: dict[str, str], store: Store, journal: int) -> None:
    record = _subscribe(store, "C1")
    when = ["--now", NOW.isoformat()]
    code, before, _ = _run(env, "digest", str(record.id), "--why", *when)
    assert code == 0 and "Matches Medical Image Analysis at 40.0%" in before
    for n in (1, 3):
        code, _, err = _run(env, "feedback", str(record.id), _pid(n), "up")
        assert code == 0 and "more like this" in err
    code, after, _ = _run(env, "digest", str(record.id), "--why", *when)
    assert code == 0 and "moved up by your feedback: shares" in after
    assert "with preprints you liked" in after
    code, _, err = _run(env, "feedback", str(record.id), _pid(1), "sideways")
    assert code != 0 and "write up (more like this) or down" in err
    code, _, err = _run(env, "feedback", "reset", str(record.id))
    assert code == 0 and "forgot 2 vote(s)" in err
    assert _run(env, "digest", str(record.id), "--why", *when)[1] == before


def test_a_vote_stores_the_fit_and_the_digest_ranks_with_it_without_fitting(
    store: Store, journal: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _subscribe(store, "C1")
    for n, value in ((1, 1), (3, 1), (0, -1)):
        subscribing.record_vote(store, record.id, _pid(n), "U1", value, NOW)
    feedback.forget()
    fresh = load_digest(store, record, "p", NOW)  # fits while building, or uses the row
    with store.session() as session:
        stored = votes_store.fit_of(session, record.id)
        votes = votes_store.voted(session, record.id)
    assert stored is not None and stored.key == feedback.vote_key(votes, DEFAULT_PARAMS)

    def no_fit(*args: object) -> None:
        raise AssertionError("the digest fitted although the votes' fit was stored")

    feedback.forget()
    monkeypatch.setattr(preference, "fit", no_fit)
    assert load_digest(store, record, "p", NOW) == fresh
    subscribing.reset_feedback(store, record.id)
    with store.session() as session:
        assert votes_store.fit_of(session, record.id) is None


def test_a_stale_stored_fit_is_not_used(store: Store, journal: int) -> None:
    record = _subscribe(store, "C1")
    subscribing.record_vote(store, record.id, _pid(1), "U1", 1, NOW)
    expected = load_digest(store, record, "p", NOW)
    with store.session() as session:  # a fit of other votes (say, before a code change)
        row = session.get(PreferenceFit, record.id)
        assert row is not None
        row.key = "0" * 64
        row.weights = (np.frombuffer(row.weights, "<f8") * -50).astype("<f8").tobytes()
    feedback.forget()
    assert load_digest(store, record, "p", NOW) == expected
