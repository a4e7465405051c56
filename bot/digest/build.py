"""Select, rank and cut one digest: a pure function from stored data to a `Digest`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.digest import feedback, numbers
from bot.records.digest import Candidate, Digest, Entry, History, ProfileWindow, Section
from bot.records.feedback import VotedPreprint
from bot.records.rules import DigestRules
from bot.scoring.preference import Fitted
from bot.scoring.semantics import Semantics

# Items can reach the database a little after their posted date (feeds lag, polls fail),
# so each window reaches back this far before the previous digest's end; the "not yet
# delivered to this subscriber" rule keeps the overlap from sending anything twice.
GRACE = timedelta(days=2)
MAX_AUTHORS = 4  # show all up to this many, else the first three + "et al."
_WORDS = re.compile(r"[^\W_]+")


def window(rules: DigestRules, history: History, now: datetime) -> tuple[datetime, datetime]:
    """Since the previous delivered digest (minus the grace period), or the look-back
    (reaching further back when an earlier digest failed and was never delivered)."""
    if history.last_window_end is not None:
        return min(history.last_window_end - GRACE, now), now
    start = now - timedelta(days=rules.lookback_days)
    if history.unsent_since is not None:
        start = min(start, history.unsent_since)
    return start, now


def fingerprint(title: str, abstract: str) -> str:
    """Hash of the words only: case, spacing and punctuation edits are not material."""
    words = " ".join(_WORDS.findall(f"{title} {abstract}".casefold()))
    return hashlib.sha256(words.encode()).hexdigest()


def short_authors(authors: Sequence[str]) -> str:
    if len(authors) <= MAX_AUTHORS:
        return "; ".join(authors)
    return "; ".join(authors[: MAX_AUTHORS - 1]) + " et al."


def _in_window(candidate: Candidate, start: datetime, end: datetime) -> bool:
    latest = max(candidate.posted, candidate.updated)
    return start.date() <= latest <= end.date() and candidate.posted <= end.date()


def _matches(pattern_words: Iterable[str], text: str) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(word.casefold())}", text) for word in pattern_words)


def passes_filters(rules: DigestRules, candidate: Candidate) -> bool:
    text = f"{candidate.title} {candidate.abstract}".casefold()
    if rules.keywords and not _matches(rules.keywords, text):
        return False
    if rules.exclude and _matches(rules.exclude, text):
        return False
    if rules.servers and candidate.server.casefold() not in {s.casefold() for s in rules.servers}:
        return False
    wanted = {c.casefold() for c in rules.categories}
    return not wanted or any(c.casefold() in wanted for c in candidate.categories)


def _percentile(candidate: Candidate, profile: ProfileWindow | None) -> float | None:
    if profile is None:
        return None
    return numbers.percentile(candidate.probability, profile.quantiles, profile.n_preprints)


def passes_cut(rules: DigestRules, candidate: Candidate, profile: ProfileWindow | None) -> bool:
    if rules.min_probability is not None and candidate.probability < rules.min_probability:
        return False
    if rules.min_percentile is None:
        return True
    # without score statistics the rank is unknown, and unknown does not pass a minimum
    below = _percentile(candidate, profile)
    return below is not None and below * 100 >= rules.min_percentile


def web_link(url: str | None) -> str:
    """The URL if a reader may be sent there (http/https); `javascript:` and the rest: ""."""
    text = (url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


def _entry(
    candidate: Candidate, profile: ProfileWindow | None, updated: bool, rank: int,
    mark: feedback.Mark | None = None,
) -> Entry:  # fmt: skip
    below = _percentile(candidate, profile)
    ratio = numbers.lift(candidate.probability, profile.mean_probability if profile else None)
    doi_url = f"https://doi.org/{candidate.doi}" if candidate.doi else ""
    return Entry(
        preprint_id=candidate.preprint_id,
        profile_id=candidate.profile_id,
        title=candidate.title.strip(),
        url=web_link(candidate.url) or doi_url,
        authors=short_authors(candidate.authors),
        authors_all=len(candidate.authors) if len(candidate.authors) > MAX_AUTHORS else 0,
        date=(candidate.updated if updated else candidate.posted).isoformat(),
        server=candidate.server,
        category=candidate.categories[0] if candidate.categories else "",
        doi=candidate.doi,
        probability=candidate.probability,
        probability_text=numbers.format_probability(candidate.probability),
        top_text=numbers.format_top(below) if below is not None else None,
        lift_text=numbers.format_lift(ratio) if ratio is not None else None,
        abstract=candidate.abstract.strip(),
        updated=updated,
        fingerprint=fingerprint(candidate.title, candidate.abstract),
        rank=rank,
        feedback=mark.direction if mark else 0,
        feedback_terms=", ".join(mark.terms) if mark else "",
        feedback_like=mark.like if mark else "",
    )


def _select(
    rules: DigestRules,
    profiles: Mapping[int, ProfileWindow],
    ordered: Iterable[Candidate],
    history: History,
    start: datetime,
    end: datetime,
) -> list[tuple[Candidate, bool]]:
    """In the given order (best first), at most `rules.top` per followed profile (one rule
    for every digest: a journal is never crowded out by another); a preprint matching
    several followed profiles appears once, under its best match that passes the cut and
    has room."""
    chosen: list[tuple[Candidate, bool]] = []
    seen: set[str] = set()
    per_profile: dict[int, int] = dict.fromkeys(profiles, 0)
    full = 0
    for candidate in ordered:
        if rules.top is not None and profiles and full >= len(profiles):
            break
        if candidate.preprint_id in seen or not _in_window(candidate, start, end):
            continue
        taken = per_profile.get(candidate.profile_id, 0)
        if rules.top is not None and taken >= rules.top:
            continue  # this section is full; the preprint may still fit another one
        if not passes_cut(rules, candidate, profiles.get(candidate.profile_id)):
            continue
        seen.add(candidate.preprint_id)
        if not passes_filters(rules, candidate):
            continue
        sent = history.delivered.get(candidate.preprint_id)
        if sent is not None and sent == fingerprint(candidate.title, candidate.abstract):
            continue  # delivered before, and the text did not change materially
        chosen.append((candidate, sent is not None))
        per_profile[candidate.profile_id] = taken + 1
        full += rules.top is not None and taken + 1 == rules.top
    return chosen


def _section(
    profile: ProfileWindow,
    chosen: Sequence[tuple[Candidate, bool]],
    marks: Mapping[str, feedback.Mark],
) -> Section:
    """One followed profile with its entries, numbered 1, 2, … as the reader sees them."""
    mine = [
        (candidate, updated) for candidate, updated in chosen if candidate.profile_id == profile.id
    ]
    return Section(
        profile_id=profile.id,
        name=profile.name,
        kind=profile.kind,
        n_papers=profile.n_papers,
        average_text=(
            numbers.format_probability(profile.mean_probability)
            if profile.mean_probability is not None
            else None
        ),
        entries=tuple(
            _entry(candidate, profile, updated, rank, marks.get(candidate.preprint_id))
            for rank, (candidate, updated) in enumerate(mine, start=1)
        ),
    )


def build_digest(
    subscription_id: int,
    rules: DigestRules,
    profiles: Sequence[ProfileWindow],
    candidates: Iterable[Candidate],
    history: History,
    now: datetime,
    period: str,
    considered: int,
    votes: Sequence[VotedPreprint] = (),
    fitted: Fitted | None = None,
    semantics: Semantics | None = None,
) -> Digest:
    """The digest due at `now`: one section per followed profile, in the given order, each
    ranked by probability (adjusted by the subscription's votes, when it has any) and
    numbered from 1 (sections may be empty). `fitted` is the adjustment stored when the
    votes last changed (fitted here if it is missing or stale); `semantics` the active
    model's semantic space, which the votes are fitted in (`bot.scoring.semantics`)."""
    start, end = window(rules, history, now)
    by_id = {profile.id: profile for profile in profiles}
    # stable sorts: ties keep the store's order (probability, then id)
    chosen, marks = feedback.select_with_feedback(
        votes,
        list(candidates),
        lambda ordered: _select(rules, by_id, ordered, history, start, end),
        stored=fitted,
        semantics=semantics,
    )
    sections = tuple(_section(profile, chosen, marks) for profile in profiles)
    return Digest(subscription_id, period, start, end, considered, sections)
