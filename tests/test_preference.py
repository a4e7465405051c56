"""The preference model's fit: it reaches the penalised log-loss minimum, and stops early
without changing what it ranks."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np

from bot.digest import feedback
from bot.digest.build import build_digest
from bot.records.digest import Candidate, History, ProfileWindow
from bot.records.feedback import VotedPreprint
from bot.records.rules import DigestRules
from bot.scoring import preference as model

CARDIAC = "Cardiac MRI segmentation of the left ventricle with deep networks, study"
GUT = "Gut microbiome metagenomics of antibiotic resistance in infants, study"
CANDIDATES = [
    model.terms(f"{CARDIAC} {n}", "bioinformatics") if n % 2 else model.terms(f"{GUT} {n}", "")
    for n in range(20)
]


def _votes(up: int, down: int, probability: float) -> list[model.Vote]:
    liked = [model.Vote(model.terms(f"{CARDIAC} {i}", "bioinformatics"), 1, probability)
             for i in range(up)]  # fmt: skip
    disliked = [model.Vote(model.terms(f"{GUT} {i}", "microbiology"), -1, 3 * probability)
                for i in range(down)]  # fmt: skip
    return liked + disliked


def _gradient(votes: list[model.Vote], params: model.PreferenceParams) -> float:
    """The largest partial derivative of the penalised loss (in b and w) where it stops."""
    stacked = model.stack([v.terms for v in votes])
    kernel = stacked.gram()
    offset = np.log([v.probability for v in votes])
    y = np.array([v.value for v in votes], dtype=float)
    b, a, _ = model._newton(kernel, y, offset, params)
    residual = 1 / (1 + np.exp(-(b + offset + kernel @ a))) - (y + 1) / 2
    in_b = residual.sum() + params.l2_intercept * b
    in_w = stacked.transposed_times(residual) + params.l2 * stacked.transposed_times(a)
    return max(abs(in_b), float(np.abs(in_w).max()))


def test_the_fit_reaches_the_minimum_on_nearly_separable_votes() -> None:
    # two 👍 on one topic and one 👎 on another, sent at low probabilities: a full Newton
    # step overshoots here and the plain iteration jumped between two points for ever
    votes = _votes(up=2, down=1, probability=0.01)
    preference = model.fit(votes)
    assert preference is not None
    assert preference.steps < preference.params.max_iterations
    assert _gradient(votes, preference.params) < 1e-5


def test_each_vote_moves_its_own_topic_in_its_direction() -> None:
    preference = model.fit(_votes(up=3, down=2, probability=0.02))
    assert preference is not None
    moved = preference.adjustments(CANDIDATES)
    assert all(moved[n] > 0.25 for n in range(1, 20, 2))  # cardiac, liked
    assert all(moved[n] < 0 for n in range(0, 20, 2))  # gut, disliked


def test_stopping_early_on_a_singular_kernel_ranks_as_running_every_iteration() -> None:
    # the same text voted twice: K is singular, and its null space lets the coefficients
    # drift without moving any score
    twice = _votes(up=3, down=2, probability=0.05)
    twice += [twice[0], twice[-1]]
    kernel = model.stack([v.terms for v in twice]).gram()
    assert np.linalg.matrix_rank(kernel) < len(twice)
    early = model.fit(twice)
    every = model.fit(twice, replace(model.DEFAULT_PARAMS, tolerance=0.0))
    assert early is not None and every is not None
    assert early.steps < every.steps == model.DEFAULT_PARAMS.max_iterations
    a, b = early.adjustments(CANDIDATES), every.adjustments(CANDIDATES)
    assert np.abs(a - b).max() < 1e-6
    assert np.argsort(-a, kind="stable").tolist() == np.argsort(-b, kind="stable").tolist()


def test_the_kernel_is_the_product_of_the_stacked_vectors() -> None:
    few = [v.terms for v in _votes(up=3, down=3, probability=0.05)] + CANDIDATES[:5]
    # 80 preprints: the shared columns are multiplied in several blocks
    many = few + [model.terms(f"{GUT} {CARDIAC} {n} extra{n % 7}", "") for n in range(69)]
    for docs in (few, many, [model.terms("the and of", ""), *few]):  # one row with no words
        stacked = model.stack(docs)
        matrix = np.zeros((stacked.n, len(stacked.columns)))
        matrix[stacked.row, stacked.at] = stacked.values
        assert np.allclose(stacked.gram(), matrix @ matrix.T, atol=1e-12)
    assert np.allclose(np.diag(model.stack(many).gram()), 1.0)  # unit-length vectors


def test_a_batch_adjusts_each_preprint_as_it_would_alone() -> None:
    preference = model.fit(_votes(up=3, down=2, probability=0.02))
    assert preference is not None
    together = preference.adjustments(CANDIDATES)
    alone = [preference.adjustment(doc) for doc in CANDIDATES]
    assert np.allclose(together, alone, atol=1e-12)
    assert preference.adjustments(CANDIDATES[::-1]).tolist() == together[::-1].tolist()


def _candidate(n: int) -> Candidate:
    title, category = (CARDIAC, "bioinformatics") if n % 2 else (GUT, "microbiology")
    return Candidate(
        f"p{n}", 1, 0.30 - 0.01 * n, f"{title} {n}", "", (), (category,), "bioRxiv",
        date(2030, 1, 5), date(2030, 1, 5),
    )  # fmt: skip


def _first_ten(ordered: Sequence[Candidate]) -> feedback.Chosen:
    return [(c, False) for c in ordered[:10]]


def test_a_changed_vote_is_fitted_anew_and_not_served_from_the_cache() -> None:
    candidates = [_candidate(n) for n in range(30)]
    liked = candidates[21]
    up = [VotedPreprint(liked.preprint_id, 1, liked.title, "", 0.09, "bioinformatics")]
    down = [replace(up[0], value=-1)]
    plain, _ = feedback.select_with_feedback((), candidates, _first_ten)
    for _ in range(2):  # the second time from the cache, the same
        more, marks = feedback.select_with_feedback(up, candidates, _first_ten)
        less, _ = feedback.select_with_feedback(down, candidates, _first_ten)
        cardiac = [sum(c.preprint_id[-1] in "13579" for c, _ in run) for run in (plain, more, less)]
        assert cardiac[1] > cardiac[0] >= cardiac[2]
        assert all(m.direction == 1 for m in marks.values()) and marks


def _columns_in_a_process(hash_seed: str) -> str:
    code = (
        "from bot.scoring import preference as m; "
        f"print(m.terms({CARDIAC!r}, 'bioinformatics').columns.tolist())"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_words_column_is_the_same_in_every_process() -> None:
    # Python salts str hashes per process: columns from hash() made which stems collide,
    # and so a digest's order, depend on the process that built it
    assert _columns_in_a_process("1") == _columns_in_a_process("2")


def _colliding_words() -> tuple[str, str]:
    """Two words whose stems share a hashed column."""
    seen: dict[int, str] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    rng = random.Random(3)
    while True:
        word = "".join(rng.choice(letters) for _ in range(6))
        column = zlib.crc32(word.encode()) & model.HASH_MASK
        if column in seen and seen[column] != word:
            return seen[column], word
        seen[column] = word


def test_a_preprint_whose_words_share_a_column_still_has_unit_length() -> None:
    # the digest skips candidates no adjustment could lift, which holds for unit vectors
    first, second = _colliding_words()
    doc = model.terms(f"{first} {first} {second} cardiac", "bioinformatics")
    assert len(doc.columns) == 3 + 1 - 1  # three stems and the category, two on one column
    assert abs(float(np.linalg.norm(doc.values)) - 1.0) < 1e-12


WORDS = (
    "cardiac mri segmentation ventricle gut microbiome antibiotic resistance infant neuron "
    "cortex synapse protein folding kinase tumour genome assembly variant plant root"
).split()


def _world(rng: random.Random) -> tuple[list[ProfileWindow], list[Candidate]]:
    """Three followed journals sharing some preprints, probabilities spread as a journal
    model's are (most tiny, a few large)."""
    profiles = [ProfileWindow(j, f"Journal {j}") for j in (1, 2, 3)]
    day = date(2030, 1, 5)
    candidates = []
    for n in range(600):
        text = " ".join(rng.choice(WORDS) for _ in range(12))
        category = rng.choice(("bioinformatics", "neuroscience", "microbiology"))
        for j in rng.sample((1, 2, 3), rng.choice((1, 1, 2))):
            candidates.append(
                Candidate(
                    f"p{n}",
                    j,
                    rng.betavariate(0.3, 30),
                    text,
                    "",
                    (),
                    (category,),
                    "bioRxiv",
                    day,
                    day,
                )
            )
    return profiles, candidates


def _votes_on(rng: random.Random, candidates: list[Candidate], n: int) -> list[VotedPreprint]:
    voted = rng.sample(candidates, n)
    return [
        VotedPreprint(f"v{c.preprint_id}", rng.choice((1, -1)), c.title, "", c.probability,
                      c.category)
        for c in voted
    ]  # fmt: skip


def test_kept_candidate_batches_rank_exactly_as_vectors_made_afresh() -> None:
    """A profile's candidates are vectorised once per run and kept by the objects'
    identity: a digest built from kept batches, one built from a new read of equal
    candidates (new objects) and one built with nothing kept are the same digest, and each
    section is ordered by log p + w · x of the candidate's own text."""
    now = datetime(2030, 1, 6, 8, tzinfo=UTC)
    rng = random.Random(11)
    for trial in range(12):
        profiles, candidates = _world(rng)
        votes = _votes_on(rng, candidates, rng.choice((1, 3, 9, 21)))
        rules = DigestRules(
            top=rng.choice((3, 10)),
            keywords=(rng.choice(WORDS),) if trial % 3 == 0 else (),
            exclude=(rng.choice(WORDS),) if trial % 4 == 1 else (),
        )
        history = History({c.preprint_id: "old" for c in rng.sample(candidates, 20)})

        args = (history, now, "2030-01-06", 600, votes)
        feedback.forget()
        fresh = build_digest(1, rules, profiles, candidates, *args)
        assert build_digest(1, rules, profiles, candidates, *args) == fresh  # batches kept
        copies = [replace(c) for c in candidates]  # other objects, same texts
        assert build_digest(1, rules, profiles, copies, *args) == fresh
        fitted = feedback.fit_preference(votes)
        assert fitted is not None
        by_key = {(c.preprint_id, c.profile_id): c for c in candidates}
        for section in fresh.sections:
            texts = [by_key[e.preprint_id, e.profile_id] for e in section.entries]
            scores = [
                model.rank_score(
                    c.probability,
                    fitted.preference.adjustment(model.terms_of(c.title, c.abstract, c.category)),
                )
                for c in texts
            ]
            assert scores == sorted(scores, reverse=True)
        assert any(entry.feedback for s in fresh.sections for entry in s.entries) or trial


def test_the_kept_batches_are_bounded_by_candidates() -> None:
    _, candidates = _world(random.Random(3))
    batches = feedback._Batches(limit=250)
    for start in range(0, 600, 100):
        batches.of(candidates[start : start + 100], model.DEFAULT_PARAMS)
    assert batches.size == 200 and len(batches.kept) == 2  # the oldest were dropped
    kept = batches.of(candidates[500:600], model.DEFAULT_PARAMS)
    assert batches.of(candidates[500:600], model.DEFAULT_PARAMS) is kept


def test_the_kept_batches_can_be_shared_by_threads() -> None:
    """`serve` builds digests in Slack's listener threads while the scheduler's jobs run:
    two threads keeping and dropping batches at once must both get their batch."""
    _, candidates = _world(random.Random(5))
    groups = [candidates[start : start + 20] for start in range(0, 600, 20)]
    batches = feedback._Batches(limit=60)  # three groups: every call keeps or drops one
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(3000):
                group = rng.choice(groups)
                assert batches.of(group, model.DEFAULT_PARAMS).candidates == tuple(group)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert not errors, errors[0]
    assert batches.size == sum(len(b.candidates) for b in batches.kept.values()) <= 60
