"""Re-rank a digest by its subscription's votes, mark what moved, and say why.

`build_digest` calls `select_with_feedback` once: without votes it is exactly the
journal's order (the selection runs on candidates sorted by probability, as before);
with votes, candidates are ordered by `log p + w · x` (`bot.scoring.preference`) and
each entry is compared with where the journal's order alone would have put it.
Filters, cuts and history apply unchanged, and the probability shown stays the journal's.
"""

from __future__ import annotations

import hashlib
import logging
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, replace
from functools import lru_cache
from itertools import groupby
from operator import attrgetter
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from bot.records.digest import Candidate, Digest, Entry
from bot.records.feedback import VotedPreprint
from bot.scoring import preference as model
from bot.scoring.semantics import Semantics, SemanticsError, load_semantics
from bot.store.scores import active_model_version

log = logging.getLogger(__name__)

Chosen = list[tuple[Candidate, bool]]  # (candidate, updated), best first
MARKERS = {1: "↑ from your feedback", -1: "↓ from your feedback"}
FITS_KEPT = 256  # fitted preference models kept, one per distinct vote set
# candidates whose vectors are kept stacked between digests (a run's first reads of 100
# per followed journal; about 2.5 kB each)
CANDIDATES_KEPT = 20_000
LIKE_CHARS = 80  # of a voted preprint's title, when "why" names it


@dataclass(frozen=True)
class Mark:
    direction: int  # +1 up, -1 down
    terms: tuple[str, ...]
    # when it shares no named word with them: the title of the preprint voted so that is
    # nearest to it (its topic or subject category moved it)
    like: str = ""


def _text(
    candidate: Candidate | VotedPreprint,
    params: model.PreferenceParams,
    semantics: Semantics | None,
) -> model.Terms:
    return model.terms_of(
        candidate.title, candidate.abstract, candidate.category, params, semantics
    )


def active_semantics(session: Session) -> Semantics | None:
    """The active model's semantic space (None before training, or for a model trained
    before there was one: votes then move preprints by their words and categories)."""
    info = active_model_version(session)
    return None if info is None else _semantics_at(info.path)


@lru_cache(maxsize=2)
def _semantics_at(path: str) -> Semantics | None:
    """Loaded once per model version (a version's files never change once written)."""
    try:
        return load_semantics(Path(path))
    except SemanticsError as exc:
        log.warning("feedback ranks by words and categories only: %s", exc)
        return None


def vote_key(
    votes: Sequence[VotedPreprint],
    params: model.PreferenceParams,
    semantics: Semantics | None = None,
) -> str:
    """What a fit depends on, hashed: the net votes with their texts and offsets, the
    settings, the semantic space (a retrained model has another) and the fit's own version
    (a stored fit with another key is stale)."""
    space = semantics.key if semantics is not None else ""
    digest = hashlib.sha256(repr((model.FIT_VERSION, astuple(params), space)).encode())
    # fields joined by separators no text holds (cheaper than JSON per build), one update
    fields = ((v.preprint_id, str(v.value), repr(v.probability), v.title, v.abstract, v.category)
              for v in votes)  # fmt: skip
    digest.update("".join("\x1f".join(f) + "\x1e" for f in fields).encode())
    return digest.hexdigest()


def fit_preference(
    votes: Sequence[VotedPreprint],
    params: model.PreferenceParams = model.DEFAULT_PARAMS,
    stored: model.Fitted | None = None,
    semantics: Semantics | None = None,
) -> model.Fitted | None:
    """The subscription's adjustment: the stored one when it was fitted from these votes
    in this space, else fitted now (None without votes)."""
    if not votes:
        return None
    key = vote_key(votes, params, semantics)
    if stored is not None and stored.key == key:  # the key covers the settings too
        if stored.preference.params != params:
            return model.Fitted(key, replace(stored.preference, params=params))
        return stored
    preference = _fitted(key, tuple(votes), params, semantics)
    return None if preference is None else model.Fitted(key, preference)


@lru_cache(maxsize=FITS_KEPT)
def _fitted(
    key: str,
    votes: tuple[VotedPreprint, ...],
    params: model.PreferenceParams,
    semantics: Semantics | None,
) -> model.Preference | None:
    """Memoised on the key (the votes, texts included, hashed): a digest is explained more
    often than its votes change. A vote's offset is the probability it was sent with (the
    store gives the journal's score for one never sent), else the lowest of the others'."""
    known = [v.probability for v in votes if v.probability]
    lowest = min(known, default=model.PROBABILITY_FLOOR)
    examples = [
        model.Vote(_text(v, params, semantics), v.value, v.probability or lowest) for v in votes
    ]
    return model.fit(examples, params)


def forget(batches: bool = True) -> None:
    """Drop the memoised fits (and candidate batches): a benchmark's first build after a
    vote. Votes changing need nothing: a new vote set is a new key."""
    _fitted.cache_clear()
    if batches:
        _batches.clear()


@dataclass(frozen=True, eq=False)
class _Batch:
    """One followed profile's candidates as the model sees them, stacked."""

    candidates: tuple[Candidate, ...]  # held: while they live, no other object has their ids
    stacked: model.Stack


_BatchKey = tuple[model.PreferenceParams, Semantics | None, tuple[int, ...]]


class _Batches:
    """Each profile's candidates vectorised and stacked once per run, not once per digest:
    a run reads a profile's candidates once and builds the digest of every subscription
    that follows it from the same objects, so they are kept by the objects' identity (a
    new read is new objects: never a stale vector). Bounded by candidates kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: OrderedDict[_BatchKey, _Batch] = OrderedDict()
        self.size = 0
        # `serve` builds digests in Slack's listener threads while the scheduler's jobs run
        self._lock = threading.Lock()

    def of(
        self,
        group: Sequence[Candidate],
        params: model.PreferenceParams,
        semantics: Semantics | None = None,
    ) -> _Batch:
        key = (params, semantics, tuple(map(id, group)))
        with self._lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
                return found
        # stacked outside the lock: two threads may both stack one group, and one is kept
        made = _Batch(tuple(group), model.stack([_text(c, params, semantics) for c in group]))
        with self._lock:
            found = self.kept.setdefault(key, made)
            if found is made:
                self.size += len(group)
                while self.size > self.limit and len(self.kept) > 1:
                    self.size -= len(self.kept.popitem(last=False)[1].candidates)
        return found

    def clear(self) -> None:
        with self._lock:
            self.kept.clear()
            self.size = 0


_batches = _Batches(CANDIDATES_KEPT)


def _adjustments(
    candidates: Sequence[Candidate], preference: model.Preference, semantics: Semantics | None
) -> np.ndarray:
    """Each candidate's adjustment, in the given order: a run of one profile's candidates
    (as the store reads them) at a time, each run vectorised once per run of `send-due`."""
    parts = []
    start = 0
    for _, run in groupby(candidates, attrgetter("profile_id")):
        end = start + sum(1 for _ in run)
        found = _batches.of(candidates[start:end], preference.params, semantics)
        parts.append(preference.adjustments_on(found.stacked))
        start = end
    return np.concatenate(parts) if parts else np.zeros(0)


def select_with_feedback(
    votes: Sequence[VotedPreprint],
    candidates: Sequence[Candidate],
    select: Callable[[Sequence[Candidate]], Chosen],
    params: model.PreferenceParams = model.DEFAULT_PARAMS,
    stored: model.Fitted | None = None,
    semantics: Semantics | None = None,
) -> tuple[Chosen, dict[str, Mark]]:
    """`select` over the candidates in the subscription's order, and what feedback moved
    (compared with `select` over the journal's order). `semantics`: the active model's
    semantic space (None: words and categories only)."""
    by_probability = sorted(candidates, key=attrgetter("probability"), reverse=True)
    baseline = select(by_probability)
    fitted = fit_preference(votes, params, stored, semantics)
    if fitted is None:
        return baseline, {}
    preference = fitted.preference
    probabilities = np.array([c.probability for c in candidates], dtype=float)
    journal_order = np.argsort(-probabilities, kind="stable")  # = by_probability (stable too)
    adjustments = _adjustments(candidates, preference, semantics)[journal_order]
    logs = np.log(np.maximum(probabilities[journal_order], model.PROBABILITY_FLOOR))
    order = np.argsort(-(logs + adjustments), kind="stable").tolist()  # ties: journal's order
    chosen = select([by_probability[i] for i in order])
    place = dict(zip(map(id, by_probability), range(len(by_probability)), strict=True))
    before, after = _positions(baseline), _positions(chosen)
    moved = []
    for candidate, _ in chosen:
        adjustment = float(adjustments[place[id(candidate)]])
        direction = _moved(preference, adjustment, before, candidate, after)
        if direction:
            moved.append((candidate, direction))
    docs = [_text(candidate, params, semantics) for candidate, _ in moved]
    found = preference.shared_terms_of(docs, [d for _, d in moved])
    likes = _nearest_voted(moved, docs, found, votes, preference, semantics)
    marks = {
        c.preprint_id: Mark(d, tuple(terms), like)
        for (c, d), terms, like in zip(moved, found, likes, strict=True)
    }
    return chosen, marks


def _nearest_voted(
    moved: Sequence[tuple[Candidate, int]], docs: Sequence[model.Terms],
    found: Sequence[Sequence[str]], votes: Sequence[VotedPreprint],
    preference: model.Preference, semantics: Semantics | None,
) -> list[str]:  # fmt: skip
    """For each moved entry that shares no named word with the preprints voted its way, the
    shortened title of the one of them most similar to it in the model's own space (words,
    category and semantic coordinates); "" for the others, or when none is similar."""
    likes = [""] * len(moved)
    unnamed = [i for i, terms in enumerate(found) if not terms]
    if not unnamed or not votes:
        return likes
    voted = [_text(v, preference.params, semantics) for v in votes]
    similar = model.similarities([docs[i] for i in unnamed], voted, preference.columns)
    values = np.array([v.value for v in votes])
    for row, i in enumerate(unnamed):
        candidate, direction = moved[i]
        scores = np.where(values == direction, similar[row], 0.0)
        for j in np.flatnonzero(scores > 0)[np.argsort(-scores[scores > 0], kind="stable")]:
            if votes[j].preprint_id != candidate.preprint_id:  # not itself, voted before
                likes[i] = _short_title(votes[j].title)
                break
    return likes


@lru_cache(maxsize=4096)
def _short_title(title: str) -> str:
    """A title cut at a word to `LIKE_CHARS` (memoised: a vote is named in many digests)."""
    return textwrap.shorten(title, LIKE_CHARS, placeholder="…")


def _positions(chosen: Chosen) -> dict[str, int]:
    """Each chosen preprint's place in its own section (1-based), as readers number them."""
    taken: dict[int, int] = {}
    places = {}
    for candidate, _ in chosen:
        taken[candidate.profile_id] = taken.get(candidate.profile_id, 0) + 1
        places[candidate.preprint_id] = taken[candidate.profile_id]
    return places


def _moved(
    preference: model.Preference, adjustment: float, before: dict[str, int],
    candidate: Candidate, after: dict[str, int],
) -> int:  # fmt: skip
    was, rank = before.get(candidate.preprint_id), after[candidate.preprint_id]
    threshold = preference.params.marker_nats
    if adjustment >= threshold and (was is None or was > rank):
        return 1
    if adjustment <= -threshold and was is not None and was < rank:
        return -1
    return 0


def marker(entry: Entry) -> str:
    """ "↑ from your feedback" (or ↓), "" when feedback did not move the entry."""
    return MARKERS.get(entry.feedback, "")


def _voted(direction: int) -> str:
    return "preprints you liked" if direction > 0 else "preprints you marked less like this"


def _near(entry: Entry) -> str:
    """ "close to “Title”, which you liked" for an entry moved by no word it shares."""
    voted = "which you liked" if entry.feedback > 0 else "which you marked less like this"
    return f"close to “{entry.feedback_like}”, {voted}"


def feedback_line(entry: Entry) -> str:
    """ "↑ from your feedback: shares cardiac, mri with preprints you liked" ("" if unmoved):
    the line email and Slack show under the numbers."""
    if not entry.feedback:
        return ""
    if entry.feedback_terms:
        return f"{marker(entry)}: shares {entry.feedback_terms} with {_voted(entry.feedback)}"
    if entry.feedback_like:
        return f"{marker(entry)}: {_near(entry)}"
    return marker(entry)


def why(entry: Entry, journal: str) -> str:
    """One line: the journal match, and what feedback added when it moved the entry."""
    numbers = ", ".join(t for t in (entry.top_text, entry.lift_text) if t)
    line = f"Matches {journal} at {entry.probability_text}" + (f" ({numbers})" if numbers else "")
    if not entry.feedback:
        return line + "."
    voted = _voted(entry.feedback)
    moved = "moved up" if entry.feedback > 0 else "moved down"
    if entry.feedback_terms:
        return f"{line}; {moved} by your feedback: shares {entry.feedback_terms} with {voted}."
    if entry.feedback_like:
        return f"{line}; {moved} by your feedback: {_near(entry)}."
    return f"{line}; {moved} by your feedback."


def why_in(digest: Digest, preprint_id: str) -> str:
    """`why` for the preprint's entry in a built digest ("" when it is not in it)."""
    for section in digest.sections:
        for entry in section.entries:
            if entry.preprint_id == preprint_id:
                return why(entry, section.name)
    return ""
