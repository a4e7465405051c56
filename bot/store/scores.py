"""Queries for model versions, stored scores and per-profile score statistics.

Scores are stored compactly: each preprint keeps its top-K profiles plus every custom or
followed profile, each row naming the model version that produced it. "Top preprints for
profile J in the last N days" reads the (profile_id, probability) index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, delete, insert, select, text, update
from sqlalchemy.orm import Session

from bot.records.paper import Paper
from bot.store.base import record_of, utcnow
from bot.store.delivery_models import Subscription, SubscriptionProfile
from bot.store.models import PreprintRow
from bot.store.profile_models import ModelVersion, Profile, ProfileStats, Score

_CHUNK = 500


@dataclass(frozen=True)
class VersionInfo:
    id: str
    path: str
    manifest: dict[str, Any]
    active: bool


@dataclass(frozen=True)
class ScoreRow:
    preprint_id: str
    profile_id: int
    probability: float
    rank: int  # the profile's rank among all profiles for this preprint, 1-based


@dataclass(frozen=True)
class StatsRow:
    """One profile's score distribution over the window, as stored."""

    profile_id: int
    model_version: str
    window_days: int
    window_end: date
    n_preprints: int
    mean_probability: float
    quantiles: tuple[float, ...]
    n_papers: int


@dataclass(frozen=True)
class RankedPreprint:
    """A preprint with its stored score for one profile."""

    id: str
    doi: str | None
    title: str
    abstract: str
    authors: tuple[str, ...]
    posted: date
    server: str
    category: str | None
    url: str | None
    probability: float
    model_version: str


def _info(row: ModelVersion) -> VersionInfo:
    return VersionInfo(id=row.id, path=row.path, manifest=dict(row.manifest), active=row.active)


def add_model_version(
    session: Session, version_id: str, path: str, manifest: dict[str, Any]
) -> None:
    session.add(ModelVersion(id=version_id, path=path, manifest=manifest, active=False))
    session.flush()


def activate_model_version(session: Session, version_id: str) -> None:
    """One UPDATE flips every row, so readers never see zero or two active versions."""
    session.execute(
        update(ModelVersion).values(active=case((ModelVersion.id == version_id, True), else_=False))
    )


def active_model_version(session: Session) -> VersionInfo | None:
    row = session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))).first()
    return _info(row) if row else None


def model_versions(session: Session) -> list[VersionInfo]:
    rows = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at))
    return [_info(r) for r in rows]


def profile_ids_by_key(session: Session, keys: Iterable[str]) -> dict[str, int]:
    wanted = list(keys)
    rows = session.execute(select(Profile.key, Profile.id).where(Profile.key.in_(wanted)))
    return {key: profile_id for key, profile_id in rows}


def followed_profile_ids(session: Session) -> set[int]:
    """Profiles whose score is kept for every preprint: custom ones and those subscribed to."""
    custom = session.scalars(select(Profile.id).where(Profile.kind == "custom"))
    followed = session.scalars(
        select(SubscriptionProfile.profile_id)
        .join(Subscription, Subscription.id == SubscriptionProfile.subscription_id)
        .where(Subscription.active.is_(True))
    )
    return set(custom) | set(followed)


def replace_scores(
    session: Session, version_id: str, preprint_ids: Collection[str], rows: Iterable[ScoreRow]
) -> int:
    """Drop the preprints' old scores (of any version) and store rows made by `version_id`."""
    ids = list(preprint_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(delete(Score).where(Score.preprint_id.in_(chunk)))
    return add_scores(session, version_id, rows)


def add_scores(session: Session, version_id: str, rows: Iterable[ScoreRow]) -> int:
    """Insert score rows made by `version_id` (the caller ensures they are not there yet)."""
    materialised = list(rows)
    if session.get_bind().dialect.name == "postgresql":
        _insert_scores_unnest(session, version_id, materialised)
    else:
        _insert_scores_executemany(session, version_id, materialised)
    return len(materialised)


def scored_preprint_ids(session: Session, profile_id: int) -> set[str]:
    query = select(Score.preprint_id).where(Score.profile_id == profile_id)
    return set(session.scalars(query))


def _insert_scores_executemany(session: Session, version_id: str, rows: list[ScoreRow]) -> None:
    payload = [
        {
            "preprint_id": r.preprint_id,
            "profile_id": r.profile_id,
            "model_version": version_id,
            "probability": r.probability,
            "rank": r.rank,
        }
        for r in rows
    ]
    for start in range(0, len(payload), _CHUNK * 4):
        session.execute(insert(Score), payload[start : start + _CHUNK * 4])


# PostgreSQL takes a whole chunk as arrays in one statement; executemany sent 200k rows one
# by one and took 16 s for a re-scored 10k-preprint window (this: about 1 s).
_UNNEST_INSERT = text(
    "INSERT INTO scores (preprint_id, profile_id, model_version, probability, rank, scored_at) "
    "SELECT t.preprint_id, t.profile_id, :version, t.probability, t.rank, :now "
    "FROM unnest(CAST(:ids AS varchar[]), CAST(:profiles AS integer[]), "
    "CAST(:probabilities AS double precision[]), CAST(:ranks AS integer[])) "
    "AS t(preprint_id, profile_id, probability, rank)"
)


def _insert_scores_unnest(session: Session, version_id: str, rows: list[ScoreRow]) -> None:
    now = utcnow()
    for start in range(0, len(rows), _CHUNK * 20):
        chunk = rows[start : start + _CHUNK * 20]
        session.execute(
            _UNNEST_INSERT,
            {
                "version": version_id,
                "now": now,
                "ids": [r.preprint_id for r in chunk],
                "profiles": [r.profile_id for r in chunk],
                "probabilities": [r.probability for r in chunk],
                "ranks": [r.rank for r in chunk],
            },
        )


def save_profile_stats(session: Session, rows: Sequence[StatsRow]) -> None:
    """Replace every profile's window statistics at once."""
    session.execute(delete(ProfileStats))
    if rows:
        session.execute(
            insert(ProfileStats),
            [
                {
                    "profile_id": r.profile_id,
                    "model_version": r.model_version,
                    "window_days": r.window_days,
                    "window_end": r.window_end,
                    "n_preprints": r.n_preprints,
                    "mean_probability": r.mean_probability,
                    "quantiles": list(r.quantiles),
                    "n_papers": r.n_papers,
                }
                for r in rows
            ],
        )


def profile_stats(
    session: Session, profile_ids: Iterable[int] | None = None
) -> dict[int, StatsRow]:
    query = select(ProfileStats)
    if profile_ids is not None:
        query = query.where(ProfileStats.profile_id.in_(list(profile_ids)))
    return {row.profile_id: record_of(StatsRow, row) for row in session.scalars(query)}


def _first(values: Sequence[str] | None) -> str | None:
    return values[0] if values else None


def _ranked(preprint: PreprintRow, score: Score) -> RankedPreprint:
    return record_of(
        RankedPreprint, preprint, category=_first(preprint.categories),
        probability=score.probability, model_version=score.model_version,
    )  # fmt: skip


def first_category() -> Any:
    """The SQL expression of a preprint's first category (what pages and digests show)."""
    return PreprintRow.categories[0].as_string()


def top_preprints(
    session: Session,
    profile_id: int,
    since: date,
    limit: int = 20,
    offset: int = 0,
    *,
    server: str | None = None,
    category: str | None = None,
) -> list[RankedPreprint]:
    """Preprints posted on or after `since`, best stored score for the profile first.

    `server` and `category` (the first category, as shown) narrow the list when given.
    """
    query = (
        select(PreprintRow, Score)
        .join(Score, Score.preprint_id == PreprintRow.id)
        .where(Score.profile_id == profile_id, PreprintRow.posted >= since)
        .order_by(Score.probability.desc(), PreprintRow.posted.desc(), PreprintRow.id)
        .offset(offset)
        .limit(limit)
    )
    if server is not None:
        query = query.where(PreprintRow.server == server)
    if category is not None:
        query = query.where(first_category() == category)
    return [_ranked(p, s) for p, s in session.execute(query)]


def preprint_scores(session: Session, preprint_id: str) -> list[ScoreRow]:
    query = select(Score).where(Score.preprint_id == preprint_id).order_by(Score.rank)
    return [
        ScoreRow(s.preprint_id, s.profile_id, s.probability, s.rank) for s in session.scalars(query)
    ]


def preprint_as_paper(preprint: Any) -> Paper:
    """What the model reads of a stored preprint (an ORM row or a row of `_PAPER_COLUMNS`)."""
    return Paper(
        title=preprint.title,
        abstract=preprint.abstract or "",
        id=preprint.id,
        doi=preprint.doi,
        category=_first(preprint.categories),
        server=preprint.server,
        posted_date=preprint.posted,
    )


_PAPER_COLUMNS = (
    PreprintRow.id,
    PreprintRow.title,
    PreprintRow.abstract,
    PreprintRow.doi,
    PreprintRow.categories,
    PreprintRow.server,
    PreprintRow.posted,
)


def preprint_papers(session: Session, preprint_ids: Collection[str]) -> list[Paper]:
    ids = list(preprint_ids)
    found: list[Paper] = []
    for start in range(0, len(ids), _CHUNK):
        query = select(*_PAPER_COLUMNS).where(PreprintRow.id.in_(ids[start : start + _CHUNK]))
        found.extend(preprint_as_paper(row) for row in session.execute(query))
    return found


def window_papers(session: Session, since: date) -> list[Paper]:
    """Every preprint posted on or after `since`, as Papers, in id order."""
    query = select(*_PAPER_COLUMNS).where(PreprintRow.posted >= since).order_by(PreprintRow.id)
    return [preprint_as_paper(row) for row in session.execute(query)]


def unscored_window_ids(session: Session, since: date, version_id: str) -> set[str]:
    """Preprints of the window without any score of `version_id` (a scoring that failed)."""
    scored = select(Score.preprint_id).where(
        Score.preprint_id == PreprintRow.id, Score.model_version == version_id
    )
    query = select(PreprintRow.id).where(PreprintRow.posted >= since, ~scored.exists())
    return set(session.scalars(query))


def window_preprint_ids(session: Session, since: date) -> list[str]:
    query = select(PreprintRow.id).where(PreprintRow.posted >= since).order_by(PreprintRow.id)
    return list(session.scalars(query))


def find_preprint(session: Session, doi_or_id: str) -> PreprintRow | None:
    wanted = doi_or_id.strip().lower().removeprefix("https://doi.org/").removeprefix("doi:")
    query = select(PreprintRow).where((PreprintRow.id == wanted) | (PreprintRow.doi == wanted))
    return session.scalars(query).first()


def prune_scores(session: Session, cutoff: date) -> int:
    """Drop the scores of preprints last updated before `cutoff` (the preprints stay)."""
    old = select(PreprintRow.id).where(PreprintRow.updated < cutoff)
    deleted = session.execute(delete(Score).where(Score.preprint_id.in_(old)))
    return int(getattr(deleted, "rowcount", 0) or 0)


def profiles_in_model(session: Session) -> set[int]:
    """Profiles the active model scores: training replaces every profile's window
    statistics, so a journal without a row was left out (below --min-papers)."""
    return set(session.scalars(select(ProfileStats.profile_id)))
