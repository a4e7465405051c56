"""Tables for journal/custom profiles, their papers, trained models and scores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.records.paper import FIELD_MAX
from bot.store.base import Base, JSONType, UTCDateTime, utcnow


class Profile(Base):
    """What a journal (kind='journal') or a user's custom set (kind='custom') publishes."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(FIELD_MAX["journal"]), unique=True)  # normalised
    name: Mapped[str] = mapped_column(String(500))  # display name
    kind: Mapped[str] = mapped_column(String(20), default="journal")
    issns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    publisher: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # a custom profile made in a Slack workspace belongs to it: other workspaces cannot
    # see, match against or follow it; None (journals, CLI-made profiles) is global
    team: Mapped[str | None] = mapped_column(String(40), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))  # Slack user id, or "cli"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProfileAlias(Base):
    """Other spellings of a profile's name (normalised), for lookups and imports."""

    __tablename__ = "profile_aliases"

    key: Mapped[str] = mapped_column(String(FIELD_MAX["journal"]), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))


class ProfilePaper(Base):
    """A paper that defines a profile (e.g. a preprint the journal later published)."""

    __tablename__ = "profile_papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True
    )
    text_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str | None] = mapped_column(String(FIELD_MAX["doi"]))
    published_doi: Mapped[str | None] = mapped_column(String(FIELD_MAX["published_doi"]))
    category: Mapped[str | None] = mapped_column(String(FIELD_MAX["category"]))
    server: Mapped[str | None] = mapped_column(String(FIELD_MAX["server"]))
    posted_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="import")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("profile_id", "text_hash"),)


class HarvestCursor(Base):
    """Where a paginated harvest got to, so an interrupted harvest resumes."""

    __tablename__ = "harvest_cursors"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelVersion(Base):
    """A trained model artefact on disk; exactly one is active."""

    __tablename__ = "model_versions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(String(2000))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class Score(Base):
    """A preprint's calibrated probability for one profile (top-K plus followed profiles)."""

    __tablename__ = "scores"

    preprint_id: Mapped[str] = mapped_column(
        ForeignKey("preprints.id", ondelete="CASCADE"), primary_key=True
    )
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)  # this profile's rank for the preprint, 1-based
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # covering: a profile's ranked list joins preprints without reading score rows
        Index("ix_scores_profile_probability_preprint", "profile_id", "probability", "preprint_id"),
        # the web's freshness check (ETag/Last-Modified) reads max(scored_at) per request
        Index("ix_scores_scored_at", "scored_at"),
    )


class ProfileStats(Base):
    """Distribution of one profile's scores over all preprints in the window.

    Percentile and lift of any score are read off these (the seed page's "Top 0.1%",
    "the average preprint has a 0.06% match score").
    """

    __tablename__ = "profile_stats"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    model_version: Mapped[str] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    window_days: Mapped[int] = mapped_column(Integer)
    window_end: Mapped[date] = mapped_column(Date)
    n_preprints: Mapped[int] = mapped_column(Integer)
    mean_probability: Mapped[float] = mapped_column(Float)
    quantiles: Mapped[list[float]] = mapped_column(JSONType, default=list)
    n_papers: Mapped[int] = mapped_column(Integer, default=0)  # papers the profile is based on
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
