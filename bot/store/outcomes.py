"""Recording outcomes (publications of stored preprints) and reading them back.

Recording is idempotent: a preprint has one outcome row; the same report again changes
nothing, a different one (a corrected journal) replaces it. A published preprint's text
also joins its journal's profile, so profiles grow from what rxradar already stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.records.outcome import Outcome, Publication
from bot.records.paper import Paper, fitted_categories
from bot.store.models import PreprintRow
from bot.store.outcome_models import OutcomeRow
from bot.store.profile_models import Profile
from bot.store.profiles import PaperWriter, ProfileError, upsert_profile

OUTCOME_SOURCE = "outcome"  # profile papers added because a stored preprint was published
_CHUNK = 500


@dataclass
class RecordCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_stored: int = 0  # of preprints rxradar never stored, or naming no usable journal
    papers_added: int = 0


def stored_ids(session: Session, ids: Sequence[str]) -> set[str]:
    """Which of these preprint ids are stored."""
    found: set[str] = set()
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(session.scalars(select(PreprintRow.id).where(PreprintRow.id.in_(chunk))))
    return found


def _profile_paper(row: PreprintRow, publication: Publication) -> Paper:
    """The preprint's own text as a paper of the journal that published it."""
    published = publication.published_date
    return Paper(
        title=row.title,
        abstract=row.abstract,
        journal=publication.journal,
        id=row.id,
        doi=row.doi or row.id,
        published_doi=publication.published_doi,
        category=fitted_categories(row.categories[0]) or None if row.categories else None,
        server=row.server,
        posted_date=row.posted,
        extra={"published_date": published.isoformat()} if published else {},
    )


def _same(row: OutcomeRow, publication: Publication, profile_id: int) -> bool:
    return (row.published_doi, row.profile_id, row.published_date) == (
        publication.published_doi,
        profile_id,
        publication.published_date,
    )


def record_publications(
    session: Session, publications: Sequence[Publication], counts: RecordCounts
) -> None:
    """Store the publications of stored preprints (others are counted and left out)."""
    known = stored_ids(session, [p.preprint_id for p in publications])
    writer = PaperWriter(session, OUTCOME_SOURCE)
    for publication in publications:
        if publication.preprint_id not in known or not publication.journal.strip():
            counts.not_stored += 1
            continue
        try:
            profile, _ = upsert_profile(session, publication.journal)
        except ProfileError:  # a journal name without letters or digits: skip this one only
            counts.not_stored += 1
            continue
        row = session.get(OutcomeRow, publication.preprint_id)
        if row is not None and _same(row, publication, profile.id):
            counts.unchanged += 1
            continue
        if row is None:
            row = OutcomeRow(preprint_id=publication.preprint_id)
            session.add(row)
            counts.new += 1
        else:
            counts.changed += 1
        row.published_doi, row.journal = publication.published_doi, publication.journal
        row.profile_id, row.published_date = profile.id, publication.published_date
        row.source = publication.source
        preprint = session.get(PreprintRow, publication.preprint_id)
        if preprint is not None and writer.add(profile.id, _profile_paper(preprint, publication)):
            counts.papers_added += 1
    writer.flush()


def _outcome(row: OutcomeRow, name: str | None) -> Outcome:
    return Outcome(
        preprint_id=row.preprint_id,
        published_doi=row.published_doi,
        journal=name or row.journal,
        profile_id=row.profile_id,
        published_date=row.published_date,
        source=row.source,
    )


def profiles_with_outcomes(session: Session) -> set[int]:
    """Ids of the profiles any stored preprint was published in."""
    query = select(OutcomeRow.profile_id).where(OutcomeRow.profile_id.is_not(None)).distinct()
    return {pid for pid in session.scalars(query) if pid is not None}


def outcomes_of(session: Session, preprint_ids: Sequence[str]) -> dict[str, Outcome]:
    """The outcome of each of these preprints that has one."""
    found: dict[str, Outcome] = {}
    wanted = list(dict.fromkeys(preprint_ids))
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(OutcomeRow, Profile.name)
            .outerjoin(Profile, Profile.id == OutcomeRow.profile_id)
            .where(OutcomeRow.preprint_id.in_(wanted[start : start + _CHUNK]))
        )
        found.update({row.preprint_id: _outcome(row, name) for row, name in session.execute(query)})
    return found


def all_outcomes(session: Session, since: date | None = None) -> list[Outcome]:
    """Every outcome (published on or after `since`), oldest publication first."""
    query = select(OutcomeRow, Profile.name).outerjoin(Profile, Profile.id == OutcomeRow.profile_id)
    if since is not None:
        query = query.where(OutcomeRow.published_date >= since)
    query = query.order_by(OutcomeRow.published_date, OutcomeRow.preprint_id)
    return [_outcome(row, name) for row, name in session.execute(query)]


def unpublished_dois(
    session: Session, posted_since: date, exclude_servers: Sequence[str]
) -> list[tuple[str, str]]:
    """(id, DOI) of stored preprints posted since the date on other servers, not yet published."""
    query = (
        select(PreprintRow.id, PreprintRow.doi)
        .outerjoin(OutcomeRow, OutcomeRow.preprint_id == PreprintRow.id)
        .where(
            PreprintRow.posted >= posted_since,
            PreprintRow.server.not_in(list(exclude_servers)),
            PreprintRow.doi.is_not(None),
            OutcomeRow.preprint_id.is_(None),
        )
        .order_by(PreprintRow.id)
    )
    return [(preprint_id, doi or preprint_id) for preprint_id, doi in session.execute(query)]
