"""Queries for one custom profile as its workspace sees it: when it was last scored, and
deleting it (its papers, scores and follows go with it: ON DELETE CASCADE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.profile_models import Profile, ProfilePaper, Score


def last_scored(session: Session, profile_id: int) -> datetime | None:
    return session.scalar(select(func.max(Score.scored_at)).where(Score.profile_id == profile_id))


def paper_titles(session: Session, profile_id: int, limit: int) -> list[str]:
    query = (
        select(ProfilePaper.title)
        .where(ProfilePaper.profile_id == profile_id)
        .order_by(ProfilePaper.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def delete_profile(session: Session, profile_id: int) -> bool:
    """Remove a custom profile; False when there is none (journals are never removed)."""
    profile = session.get(Profile, profile_id)
    if profile is None or profile.kind == "journal":
        return False
    session.delete(profile)
    return True
