"""Queries for journal/custom profiles and the papers that define them.

A profile is found by its normalised key (`bot.records.names.journal_key`) or any alias,
so every spelling of a journal lands on one profile. Papers are deduplicated per profile
by a hash of their normalised text.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.records.names import abbreviates, clean_name, display_name, journal_key
from bot.records.paper import Paper
from bot.records.plain import plain
from bot.store.base import record_of
from bot.store.db import Store
from bot.store.profile_models import Profile, ProfileAlias, ProfilePaper

CUSTOM_PREFIX = "custom:"
# who is looking: a Slack team id sees journals, global profiles and its own; the operator
# (CLI) sees every profile; None (the public web) sees only what is global
EVERY_TEAM = "*"
_INSERT_CHUNK = 1000


class ProfileError(ValueError):
    """A profile cannot be created or filled as asked; the message says what to do."""


@dataclass(frozen=True)
class ProfileSummary:
    id: int
    key: str
    name: str
    kind: str
    issns: tuple[str, ...]
    n_papers: int
    team: str | None = None  # the Slack workspace a custom profile belongs to (None: global)
    created_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return plain(self, only=("id", "name", "kind", "issns", "n_papers"), strip_prefix="n_")


@dataclass(frozen=True)
class Suggestions:
    """No profile has this name; these names are close ("did you mean")."""

    query: str
    names: tuple[str, ...]

    def message(self) -> str:
        hint = f" Did you mean: {'; '.join(self.names)}?" if self.names else ""
        return f"no journal or profile called {self.query!r}.{hint}"


@dataclass(frozen=True)
class ImportReport:
    n_read: int
    n_added: int
    n_duplicates: int
    n_unlabelled: int  # rows without a journal, skipped for journal profiles
    n_profiles_created: int
    added_per_profile: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return plain(self, strip_prefix="n_")


def profile_key(name: str, kind: str = "journal", team: str | None = None) -> str:
    """Journals share one key space; custom profiles get their own so names never clash,
    and a workspace's profiles one per workspace (two teams may both have "My lab")."""
    key = journal_key(name)
    if kind != "custom":
        return key
    return f"{CUSTOM_PREFIX}{team}:{key}" if team else CUSTOM_PREFIX + key


def bare_key(key: str) -> str:
    """The name part of a key: without `custom:` and a workspace's `TEAM:`."""
    return key.removeprefix(CUSTOM_PREFIX).rpartition(":")[2]


def visible(profile_team: str | None, team: str | None) -> bool:
    """Whether a profile owned by `profile_team` (None: global) is visible to `team`."""
    return team == EVERY_TEAM or profile_team is None or profile_team == team


def _visible_clause(team: str | None) -> ColumnElement[bool]:
    if team == EVERY_TEAM:
        return true()
    if team is None:
        return Profile.team.is_(None)
    return or_(Profile.team.is_(None), Profile.team == team)


def text_hash(paper: Paper) -> str:
    """Same text, same hash: case and whitespace do not make a new paper."""
    normalised = " ".join(f"{paper.title}\n{paper.abstract}".casefold().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def lookup_profile(session: Session, key: str) -> Profile | None:
    alias = session.get(ProfileAlias, key)
    if alias is not None:
        return session.get(Profile, alias.profile_id)
    return session.scalars(select(Profile).where(Profile.key == key)).first()


def profile_by_issn(session: Session, issn: str) -> Profile | None:
    wanted = issn.strip().upper()
    for profile in session.scalars(select(Profile).where(Profile.kind == "journal")):
        if wanted in (i.upper() for i in profile.issns or []):
            return profile
    return None


def add_alias(session: Session, profile: Profile, name: str) -> None:
    key = journal_key(name)
    if session.get(ProfileAlias, key) is None and key != profile.key:
        session.add(ProfileAlias(key=key, profile_id=profile.id, name=clean_name(name)))


def upsert_profile(
    session: Session,
    name: str,
    *,
    kind: str = "journal",
    issns: Sequence[str] = (),
    publisher: str | None = None,
    team: str | None = None,
    created_by: str | None = None,
) -> tuple[Profile, bool]:
    """The profile for `name` (created when new), and whether it was created.

    A custom profile given a `team` belongs to that Slack workspace only."""
    key = profile_key(name, kind, team if kind == "custom" else None)
    if not bare_key(key):
        raise ProfileError(f"{name!r} is not a usable profile name; give it letters or digits")
    profile = lookup_profile(session, key)
    created = profile is None
    if profile is None:
        owner = team if kind == "custom" else None
        profile = Profile(key=key, name=clean_name(name), kind=kind, issns=[], team=owner,
                          created_by=created_by)  # fmt: skip
        session.add(profile)
        session.flush()
    new_issns = [i.strip().upper() for i in issns if i.strip().upper() not in profile.issns]
    if new_issns:
        profile.issns = [*profile.issns, *new_issns]
    if publisher and not profile.publisher:
        profile.publisher = publisher
    return profile, created


def _existing_hashes(session: Session, profile_id: int) -> set[str]:
    rows = session.scalars(
        select(ProfilePaper.text_hash).where(ProfilePaper.profile_id == profile_id)
    )
    return set(rows)


def _paper_row(profile_id: int, paper: Paper, digest: str, source: str) -> dict[str, Any]:
    return {
        "profile_id": profile_id,
        "text_hash": digest,
        "title": paper.title,
        "abstract": paper.abstract,
        "doi": paper.doi,
        "published_doi": paper.published_doi,
        "category": paper.category,
        "server": paper.server,
        "posted_date": paper.posted_date,
        "source": source,
        "extra": dict(paper.extra),
    }


class PaperWriter:
    """Adds papers to profiles within one session, skipping texts a profile already has."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self._seen: dict[int, set[str]] = {}
        self._pending: list[dict[str, Any]] = []
        self.added: Counter[int] = Counter()
        self.duplicates = 0

    def add(self, profile_id: int, paper: Paper) -> bool:
        seen = self._seen.get(profile_id)
        if seen is None:
            seen = self._seen[profile_id] = _existing_hashes(self.session, profile_id)
        digest = text_hash(paper)
        if digest in seen:
            self.duplicates += 1
            return False
        seen.add(digest)
        self._pending.append(_paper_row(profile_id, paper, digest, self.source))
        self.added[profile_id] += 1
        if len(self._pending) >= _INSERT_CHUNK:
            self.flush()
        return True

    def flush(self) -> None:
        if self._pending:
            self.session.execute(insert(ProfilePaper), self._pending)
            self._pending = []


def import_papers(
    store: Store,
    papers: Iterable[Paper],
    *,
    source: str,
    custom_profile: str | None = None,
    team: str | None = None,
    created_by: str | None = None,
    require_papers: bool = False,
) -> ImportReport:
    """Add papers to their journals' profiles (or all to one custom profile) in one transaction.

    Any error while reading `papers` rolls the whole import back: nothing is half-written.
    With `require_papers`, no paper at all is such an error (no empty custom profile).
    """
    with store.session() as session:
        importer = _Importer(session, source)
        if custom_profile:
            importer.use_custom(custom_profile, team, created_by)
        for paper in papers:
            importer.add(paper)
        if require_papers and not importer.n_read:
            raise ProfileError("no paper found to put in the profile; is the file empty?")
        if importer.custom is None and importer.n_read and importer.unlabelled == importer.n_read:
            raise ProfileError(
                "no row names a journal (column/field 'journal'); add it, or import the file "
                "as a custom profile with --profile NAME"
            )
        return importer.finish()


def add_journal_papers(session: Session, papers: Iterable[Paper], source: str) -> ImportReport:
    """Add papers to their journals' profiles inside the caller's transaction (harvests)."""
    importer = _Importer(session, source)
    for paper in papers:
        importer.add(paper)
    return importer.finish()


class _Importer:
    """The state of one import: profiles met so far, their spellings, and the counts."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.writer = PaperWriter(session, source)
        self.custom: Profile | None = None
        self.profiles: dict[str, Profile] = {}
        self.created: set[str] = set()
        self.spellings: dict[str, list[str]] = defaultdict(list)
        self.n_read = 0
        self.unlabelled = 0

    def use_custom(self, name: str, team: str | None = None, created_by: str | None = None) -> None:
        self.custom, created = upsert_profile(
            self.session, name, kind="custom", team=team, created_by=created_by
        )
        if created:
            self.created.add(self.custom.key)

    def add(self, paper: Paper) -> None:
        self.n_read += 1
        if self.custom is not None:
            self.writer.add(self.custom.id, paper)
            return
        key = journal_key(paper.journal or "")
        if not key:
            self.unlabelled += 1
            return
        self.spellings[key].append(paper.journal or "")
        if key not in self.profiles:
            self.profiles[key], created = upsert_profile(self.session, paper.journal or "")
            if created:
                self.created.add(key)
        self.writer.add(self.profiles[key].id, paper)

    def finish(self) -> ImportReport:
        self.writer.flush()
        for key in self.created & set(self.spellings):
            # a new profile is named by the spelling most of its papers used
            self.profiles[key].name = display_name(self.spellings[key])
        names = {p.id: p.name for p in self.profiles.values()}
        if self.custom is not None:
            names[self.custom.id] = self.custom.name
        return ImportReport(
            n_read=self.n_read,
            n_added=sum(self.writer.added.values()),
            n_duplicates=self.writer.duplicates,
            n_unlabelled=self.unlabelled,
            n_profiles_created=len(self.created),
            added_per_profile={names[i]: n for i, n in self.writer.added.items()},
        )


def paper_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(ProfilePaper.profile_id, func.count()).group_by(ProfilePaper.profile_id)
    )
    return {profile_id: count for profile_id, count in rows}


def _summary(profile: Profile, count: int) -> ProfileSummary:
    return record_of(ProfileSummary, profile, n_papers=count)


def list_profiles(
    session: Session, kind: str | None = None, team: str | None = EVERY_TEAM
) -> list[ProfileSummary]:
    """Every profile `team` may see with its paper count, largest first."""
    counts = paper_counts(session)
    query = select(Profile).where(_visible_clause(team))
    if kind:
        query = query.where(Profile.kind == kind)
    found = [_summary(p, counts.get(p.id, 0)) for p in session.scalars(query)]
    return sorted(found, key=lambda s: (-s.n_papers, s.name.casefold()))


def profile_summary(session: Session, profile_id: int) -> ProfileSummary | None:
    profile = session.get(Profile, profile_id)
    if profile is None:
        return None
    count = session.scalar(
        select(func.count()).select_from(ProfilePaper).where(ProfilePaper.profile_id == profile_id)
    )
    return _summary(profile, count or 0)


def training_papers(
    session: Session, min_papers: int, kind: str = "journal"
) -> tuple[list[Paper], list[str]]:
    """Papers and their profile keys, for every profile with at least `min_papers` papers."""
    counts = paper_counts(session)
    profiles = {
        p.id: p.key
        for p in session.scalars(select(Profile).where(Profile.kind == kind))
        if counts.get(p.id, 0) >= min_papers
    }
    papers: list[Paper] = []
    labels: list[str] = []
    query = (
        select(ProfilePaper).where(ProfilePaper.profile_id.in_(profiles)).order_by(ProfilePaper.id)
    )
    for row in session.scalars(query).yield_per(2000):
        papers.append(paper_from_row(row, profiles[row.profile_id]))
        labels.append(profiles[row.profile_id])
    return papers, labels


def paper_from_row(row: ProfilePaper, journal: str | None = None) -> Paper:
    return record_of(Paper, row, journal=journal, id=row.doi, extra=dict(row.extra or {}))


def profile_papers(session: Session, profile_id: int) -> list[Paper]:
    query = select(ProfilePaper).where(ProfilePaper.profile_id == profile_id)
    return [paper_from_row(row) for row in session.scalars(query.order_by(ProfilePaper.id))]


def _names_by_key(session: Session, team: str | None) -> dict[str, str]:
    profiles = list(session.scalars(select(Profile).where(_visible_clause(team))))
    names = {p.key: p.name for p in profiles}
    ids = {p.id for p in profiles}
    for alias in session.scalars(select(ProfileAlias)):
        if alias.profile_id in ids:
            names.setdefault(alias.key, alias.name)
    return names


def search_profiles(
    session: Session, query: str, limit: int = 20, team: str | None = EVERY_TEAM
) -> list[ProfileSummary]:
    """Profiles `team` may see whose name contains every word of `query`, else the
    closest names."""
    words = journal_key(query).split()
    summaries = list_profiles(session, team=team)
    hits = [s for s in summaries if all(w in bare_key(s.key) for w in words)]
    if hits:
        return hits[:limit]
    by_key = {bare_key(s.key): s for s in summaries}
    close = difflib.get_close_matches(journal_key(query), list(by_key), n=limit, cutoff=0.6)
    if close:
        return [by_key[k] for k in close]
    return _close_by_word(words, summaries)[:limit]


WORD_CUTOFF = 0.75  # difflib ratio for a misspelt word ("nerual" / "neural": 0.83)


def _close_by_word(words: list[str], summaries: list[ProfileSummary]) -> list[ProfileSummary]:
    """Profiles each of whose query words is close to one of the name's words (a typo in
    one word of a long name), the closest first."""
    scored = []
    for summary in summaries:
        name_words = bare_key(summary.key).split()
        best = [
            max((difflib.SequenceMatcher(None, w, n).ratio() for n in name_words), default=0.0)
            for w in words
        ]
        if words and min(best) >= WORD_CUTOFF:
            scored.append((-sum(best), summary.name, summary))
    return [summary for _, _, summary in sorted(scored, key=lambda t: t[:2])]


def _abbreviated(session: Session, query: str, names: dict[str, str]) -> list[Profile]:
    """Profiles whose name or alias `query` abbreviates word by word (at most a few)."""
    found: dict[int, Profile] = {}
    for key in names:
        if abbreviates(query, bare_key(key)):
            profile = lookup_profile(session, key)
            if profile is not None:
                found[profile.id] = profile
    return sorted(found.values(), key=lambda p: p.name)[:5]


def find_profile(
    store: Store, name: str, team: str | None = EVERY_TEAM
) -> ProfileSummary | Suggestions:
    """The profile called `name` (any spelling, alias, ISSN or custom name) that `team`
    may see (its own workspace's profile first), else suggestions among those."""
    with store.session() as session:
        own = team not in (None, EVERY_TEAM)
        profile = lookup_profile(session, profile_key(name, "custom", team)) if own else None
        profile = profile or lookup_profile(session, journal_key(name))
        profile = profile or lookup_profile(session, profile_key(name, "custom"))
        profile = profile or profile_by_issn(session, name)
        if profile is not None and visible(profile.team, team):
            return profile_summary(session, profile.id) or _summary(profile, 0)
        names = _names_by_key(session, team)
        short = _abbreviated(session, name, names)
        if len(short) == 1:  # "PLoS Comp Biol": one profile abbreviates so, take it
            return profile_summary(session, short[0].id) or _summary(short[0], 0)
    pool = {bare_key(key): shown for key, shown in names.items()}
    close = difflib.get_close_matches(journal_key(name), list(pool), n=5, cutoff=0.6)
    contains = [pool[k] for k in pool if journal_key(name) and journal_key(name) in k]
    ordered = [*(p.name for p in short), *(pool[k] for k in close), *contains[:5]]
    return Suggestions(name, tuple(dict.fromkeys(ordered)))


def add_issn_papers(
    session: Session, issn: str, papers: Sequence[Paper]
) -> tuple[str | None, int, int]:
    """Add papers to the journal with this ISSN (created under their journal name when new);
    returns (journal name, added, duplicates)."""
    if not papers:
        return None, 0, 0
    name = next((p.journal for p in papers if p.journal), None) or f"ISSN {issn}"
    profile = profile_by_issn(session, issn)
    if profile is None:
        profile, _ = upsert_profile(session, name, issns=[issn])
    for spelling in {p.journal for p in papers if p.journal}:
        add_alias(session, profile, spelling)
    writer = PaperWriter(session, source="crossref")
    for paper in papers:
        writer.add(profile.id, paper)
    writer.flush()
    return profile.name, sum(writer.added.values()), writer.duplicates
