"""Queries behind the web pages, feeds and API: journals by slug, facets, fits, freshness.

The ranked list itself is `scores.top_preprints`; what is here is what only the web needs.
A journal's slug is its normalised key with single spaces as hyphens (the key holds only
[0-9a-z] and single spaces, so the mapping is reversible and stable across renames of the
display name).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.records.names import journal_key
from bot.store.base import record_of
from bot.store.models import PreprintRow
from bot.store.preprints import StoredPreprint
from bot.store.profile_models import ModelVersion, Profile, ProfilePaper, ProfileStats, Score
from bot.store.profiles import ProfileSummary, list_profiles, lookup_profile, profile_summary
from bot.store.scores import find_preprint, first_category

_SLUG = re.compile(r"^[0-9a-z]+(?:-[0-9a-z]+)*$")
MAX_SLUG = 300


def slug_of(key: str) -> str:
    return key.replace(" ", "-")


@dataclass(frozen=True)
class ProfileCard:
    """A profile as a page shows it: its summary plus the publisher when known."""

    summary: ProfileSummary
    publisher: str | None

    @property
    def slug(self) -> str:
        return slug_of(self.summary.key)


def profile_card(session: Session, profile_id: int) -> ProfileCard | None:
    summary = profile_summary(session, profile_id)
    if summary is None:
        return None
    publisher = session.scalar(select(Profile.publisher).where(Profile.id == profile_id))
    return ProfileCard(summary, publisher)


def publishers(session: Session, profile_ids: Iterable[int]) -> dict[int, str]:
    """The known publishers of these profiles (profiles without one are left out)."""
    rows = session.execute(
        select(Profile.id, Profile.publisher).where(
            Profile.id.in_(list(profile_ids)), Profile.publisher.is_not(None)
        )
    )
    return {profile_id: publisher for profile_id, publisher in rows if publisher}


def journal_by_slug(session: Session, slug: str) -> ProfileCard | None:
    """The journal a slug names (an alias's or another spelling's slug finds it too; the
    caller redirects those to `card.slug`); never a custom profile."""
    if len(slug) > MAX_SLUG or not _SLUG.match(slug):
        return None
    profile = lookup_profile(session, journal_key(slug.replace("-", " ")))
    if profile is None or profile.kind != "journal":
        return None
    return profile_card(session, profile.id)


def busiest_journals(session: Session, limit: int) -> list[ProfileSummary]:
    """Journals of the active statistics with the most profile papers, largest first."""
    rows = session.execute(
        select(Profile, ProfileStats.n_papers)
        .join(ProfileStats, ProfileStats.profile_id == Profile.id)
        .where(Profile.kind == "journal")
        .order_by(ProfileStats.n_papers.desc(), Profile.name)
        .limit(limit)
    )
    found = [record_of(ProfileSummary, p, n_papers=n) for p, n in rows]
    return found or list_profiles(session, kind="journal")[:limit]  # before the first training


@dataclass(frozen=True)
class Facets:
    """What a profile's best `depth` preprints of the window hold, per (server, category).

    `capped` says the window has more than `depth` preprints: counts are then "at least".
    """

    pairs: tuple[tuple[str, str | None, int], ...]
    capped: bool = False

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.pairs)

    def count(self, server: str | None = None, category: str | None = None) -> int:
        return sum(
            n
            for s, c, n in self.pairs
            if (server is None or s == server) and (category is None or c == category)
        )

    @property
    def servers(self) -> tuple[tuple[str, int], ...]:
        return _ordered((s, n) for s, _, n in self.pairs)

    @property
    def categories(self) -> tuple[tuple[str, int], ...]:
        return _ordered((c, n) for _, c, n in self.pairs if c)


def _ordered(items: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    for name, n in items:
        counts[name] += n
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def window_facets(session: Session, profile_id: int, since: date, depth: int) -> Facets:
    """Servers and categories of the profile's `depth` best preprints posted since `since`.

    Bounded on purpose: a followed journal has a score for every preprint (100,000 in a
    busy window), and counting them all costs a second on SQLite; the best few thousand
    are what a reader pages through.
    """
    best = (
        select(PreprintRow.server.label("server"), first_category().label("category"))
        .join(Score, Score.preprint_id == PreprintRow.id)
        .where(Score.profile_id == profile_id, PreprintRow.posted >= since)
        .order_by(Score.probability.desc())
        .limit(depth + 1)
        .subquery()
    )  # grouped outside: PostgreSQL does not match two bound `->> 0` as one expression
    rows = list(
        session.execute(
            select(best.c.server, best.c.category, func.count()).group_by(
                best.c.server, best.c.category
            )
        )
    )
    pairs = [(server, category or None, n) for server, category, n in rows]
    capped = sum(n for _, _, n in pairs) > depth
    return Facets(tuple(pairs), capped)


@dataclass(frozen=True)
class Fit:
    """One stored score of a preprint: which profile, how likely, its rank among journals."""

    profile_id: int
    key: str
    name: str
    kind: str
    probability: float
    rank: int


def preprint_fits(session: Session, preprint_id: str) -> list[Fit]:
    """Every stored score of the preprint (top journals, custom and followed), best first."""
    rows = session.execute(
        select(
            Score.profile_id, Profile.key, Profile.name, Profile.kind, Score.probability, Score.rank
        )
        .join(Profile, Profile.id == Score.profile_id)
        .where(Score.preprint_id == preprint_id)
        .order_by(Score.probability.desc(), Profile.name)
    )
    return [record_of(Fit, row) for row in rows]


@dataclass(frozen=True)
class Freshness:
    """How current everything a page shows is: the base of ETag and Last-Modified."""

    model_version: str | None
    # the newest score or preprint change; window statistics are written in the same
    # transaction as the scores they summarise, so the score time stands for them too
    changed_at: datetime | None
    marker: str  # changes whenever anything shown may have changed


def freshness(session: Session) -> Freshness:
    """One round trip of index-only maxima (no table scans), so every request can afford it.

    Not max(profile_stats.computed_at): without an index that reads every row's 1,001
    quantiles (20 MB for 1,500 journals) on each request.
    """
    version = select(ModelVersion.id).where(ModelVersion.active.is_(True)).limit(1)
    row = session.execute(
        select(
            version.scalar_subquery(),
            select(func.max(Score.scored_at)).scalar_subquery(),
            select(func.max(PreprintRow.last_updated_at)).scalar_subquery(),
            select(func.max(ProfilePaper.id)).scalar_subquery(),
            select(func.max(Profile.id)).scalar_subquery(),
        )
    ).one()
    times = [_aware(t) for t in row[1:3] if t is not None]
    marker = hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:20]
    return Freshness(row[0], max(times) if times else None, marker)


def _aware(value: datetime | str) -> datetime:
    # scalar subqueries lose the column type on SQLite: the value comes back as text
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stored_preprint(session: Session, doi_or_id: str) -> StoredPreprint | None:
    """A stored preprint by its id, a DOI, `doi:` or a doi.org link."""
    row = find_preprint(session, doi_or_id)
    return record_of(StoredPreprint, row) if row else None
