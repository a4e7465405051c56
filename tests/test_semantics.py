"""The feedback's semantic space: a 👍 moves preprints of its topic that share no word with it.

The corpus has two topics, each with ten words of its own; every paper uses five of its
topic's words. Two papers of one topic may share no word at all, yet the space (fitted on
how the words co-occur) puts them close, and the words alone cannot.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot import subscribing
from bot.delivery.preparing import load_digest
from bot.digest import feedback
from bot.matching.train import train_from_store
from bot.records.feedback import VotedPreprint
from bot.records.paper import Paper
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.scoring import preference as model
from bot.scoring.semantics import (
    SEMANTICS_FILE,
    Semantics,
    SemanticsError,
    load_semantics,
    save_semantics,
)
from bot.store import Store
from bot.store import feedback as votes_store
from bot.store.profile_models import ModelVersion
from bot.store.profiles import import_papers
from tests import factories
from tests.factories import settings

LIKED = "ventricle myocardium echocardiography arrhythmia cardiomyocyte"  # heart, first half
HEART_OTHER = "atrial valve aortic coronary systolic"  # heart, no word of LIKED
HEART = f"{LIKED} {HEART_OTHER}"
GUT_OTHER = "colonization fecal probiotic intestinal bacteria"
GUT = f"microbiome metagenomics stool antibiotic infant {GUT_OTHER}"
NOW = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)
POSTED = date(2030, 1, 5)


def _corpus(n: int = 60, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        words = (HEART if i % 2 else GUT).split()
        texts.append(" ".join(rng.sample(words, 5)) + f" cohort sample{i % 7}")
    return texts


@pytest.fixture(scope="module")
def space() -> Semantics:
    # two topics need few coordinates: a space as wide as the vocabulary generalises nothing
    found = model.semantic_space(_corpus(), dimensions=3)
    assert found is not None
    return found


def _adjustments(semantics: Semantics | None) -> tuple[float, float]:
    liked = model.Vote(model.terms(LIKED, "", model.DEFAULT_PARAMS, semantics), 1, 0.05)
    disliked = model.Vote(model.terms("unrelated words entirely", "", model.DEFAULT_PARAMS,
                                      semantics), -1, 0.05)  # fmt: skip
    fitted = model.fit([liked, disliked])
    assert fitted is not None
    heart, gut = (
        model.terms(t, "", model.DEFAULT_PARAMS, semantics) for t in (HEART_OTHER, GUT_OTHER)
    )
    return fitted.adjustment(heart), fitted.adjustment(gut)


def test_a_like_moves_a_preprint_of_its_topic_that_shares_no_word_with_it(
    space: Semantics,
) -> None:
    assert _adjustments(None) == (0.0, 0.0)  # words alone: nothing shared, nothing moves
    heart, gut = _adjustments(space)
    assert heart >= model.DEFAULT_PARAMS.marker_nats  # enough for "↑ from your feedback"
    assert heart > gut + model.DEFAULT_PARAMS.marker_nats


def test_vectors_stay_unit_length_and_a_zero_share_is_the_words_only_model(
    space: Semantics,
) -> None:
    with_space = model.terms(f"{HEART_OTHER} cohort", "cardiology", model.DEFAULT_PARAMS, space)
    assert np.linalg.norm(with_space.values) == pytest.approx(1.0)
    assert any(s.startswith(model.SEMANTIC) for s in with_space.stems)
    off = replace(model.DEFAULT_PARAMS, semantic_share=0.0)
    plain = model.terms(f"{HEART_OTHER} cohort", "cardiology", off, None)
    zero = model.terms(f"{HEART_OTHER} cohort", "cardiology", off, space)
    assert zero.columns.tolist() == plain.columns.tolist()
    assert zero.values.tolist() == plain.values.tolist()
    # a text with no word the space knows keeps the words-only vector too
    unknown = model.terms("zyxwv qwerty", "", model.DEFAULT_PARAMS, space)
    assert not any(s.startswith(model.SEMANTIC) for s in unknown.stems)


def test_why_names_words_never_semantic_coordinates(space: Semantics) -> None:
    params = model.DEFAULT_PARAMS
    liked = [model.Vote(model.terms(f"{LIKED} cohort", "", params, space), 1, 0.05)]
    fitted = model.fit(liked)
    assert fitted is not None
    doc = model.terms(f"{HEART_OTHER} cohort", "", params, space)
    assert fitted.shared_terms(doc, 1) == ["cohort"]


def test_a_saved_space_loads_as_the_same_space(space: Semantics, tmp_path: Path) -> None:
    save_semantics(space, tmp_path)
    loaded = load_semantics(tmp_path)
    assert loaded is not None and loaded.key == space.key and loaded.stems == space.stems
    assert np.array_equal(loaded.vectors, space.vectors)
    assert load_semantics(tmp_path / "older-model") is None  # trained before there was one


def test_an_unreadable_space_says_retrain_and_feedback_falls_back_to_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / SEMANTICS_FILE).write_bytes(b"not a numpy archive")
    with pytest.raises(SemanticsError, match="retrain with `rxradar train`"):
        load_semantics(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert feedback._semantics_at(str(tmp_path)) is None
    assert "words and categories only" in caplog.text


def test_a_fit_in_another_space_is_stale(space: Semantics) -> None:
    votes = [VotedPreprint("10.1101/x", 1, "A title", LIKED, 0.05)]
    words_only = feedback.vote_key(votes, model.DEFAULT_PARAMS)
    assert feedback.vote_key(votes, model.DEFAULT_PARAMS, space) != words_only


def _pid(n: int) -> str:
    return f"10.1101/2030.01.05.{n:06d}"


def test_the_active_models_space_reranks_the_stored_digest(
    store: Store, space: Semantics, tmp_path: Path
) -> None:
    """Through the store: votes fitted when recorded, in the active model's space, and the
    digest ranks with that fit. Heart preprints that share no word with the liked one move
    up only once the model directory holds a space."""
    mia = factories.journal(store, "Medical Image Analysis")
    texts = {0: LIKED, 1: GUT_OTHER, 2: GUT_OTHER, 3: GUT_OTHER, 4: HEART_OTHER, 5: HEART_OTHER}
    for n, text in texts.items():
        factories.scored(store, mia, _pid(n), 0.40 - 0.03 * n, POSTED, title=f"Part {n}",
                         abstract=text)  # fmt: skip
    rules = DigestRules(top=3, lookback_days=7)
    record = subscribing.subscribe(store, Target("slack", "T1:C1"), ["Medical Image Analysis"],
                                   NOW - timedelta(days=1), rules=rules)  # fmt: skip
    subscribing.record_vote(store, record.id, _pid(0), "U1", 1, NOW)
    words_only = [e.preprint_id for e in load_digest(store, record, "p", NOW).entries]
    assert words_only == [_pid(0), _pid(1), _pid(2)]  # no word shared: nothing moved

    directory = tmp_path / "model"
    directory.mkdir()
    save_semantics(space, directory)
    with store.session() as session:  # the active version now has a space
        version = session.get(ModelVersion, factories.MODEL)
        assert version is not None
        version.path = str(directory)
    # the stored fit (words only) is stale in the new space: the digest fits in the space
    digest = load_digest(store, record, "p", NOW)
    assert [e.preprint_id for e in digest.entries][:2] == [_pid(0), _pid(4)]
    moved = next(e for e in digest.entries if e.preprint_id == _pid(4))
    assert moved.feedback == 1 and not moved.feedback_terms  # no word shared: its topic
    assert feedback.why(moved, "MIA").endswith(
        "moved up by your feedback: close to “Part 0”, which you liked."
    )
    subscribing.record_vote(store, record.id, _pid(1), "U1", -1, NOW)  # refitted in the space
    with store.session() as session:
        stored = votes_store.fit_of(session, record.id)
        votes = votes_store.voted(session, record.id)
        loaded = feedback.active_semantics(session)
    assert stored is not None and loaded is not None and loaded.key == space.key
    assert stored.key == feedback.vote_key(votes, model.DEFAULT_PARAMS, loaded)
    assert [e.preprint_id for e in load_digest(store, record, "p", NOW).entries] == [
        _pid(0), _pid(4), _pid(5)
    ]  # fmt: skip


def test_training_saves_the_space_with_the_model(store: Store, tmp_path: Path) -> None:
    papers = [Paper(title=f"{j} paper {i}", abstract=text, journal=j)
              for i, text in enumerate(_corpus(24))
              for j in ("Heart Journal" if "ventricle" in text or "atrial" in text
                        else "Gut Journal",)]  # fmt: skip
    import_papers(store, papers, source="test")
    report = train_from_store(store, settings(tmp_path).model, min_papers=5)
    found = load_semantics(report.path)
    assert found is not None and found.dimensions >= 2
    assert found.stem_chars == model.DEFAULT_PARAMS.stem_chars
