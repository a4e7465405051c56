"""Tables for feeds and preprints (the ingest side)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, JSONType, UTCDateTime, utcnow


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    source: Mapped[str | None] = mapped_column(String(200))  # catalogue name, if any
    kind: Mapped[str] = mapped_column(String(30), default="unknown")
    title: Mapped[str | None] = mapped_column(String(500))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PreprintRow(Base):
    __tablename__ = "preprints"

    # canonical id: bare lower-case DOI, or "arxiv:<id>" without version
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    doi: Mapped[str | None] = mapped_column(String(300), index=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(50), index=True)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    server: Mapped[str] = mapped_column(String(100))
    posted: Mapped[date] = mapped_column(Date)
    updated: Mapped[date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(2000))
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    versions: Mapped[list[PreprintVersion]] = relationship(
        back_populates="preprint", cascade="all, delete-orphan", order_by="PreprintVersion.version"
    )

    __table_args__ = (
        Index("ix_preprints_posted", "posted"),
        Index("ix_preprints_updated", "updated"),
        Index("ix_preprints_last_updated_at", "last_updated_at"),
        # the web's ranked lists check the window and server without reading abstracts
        Index("ix_preprints_id_posted_server", "id", "posted", "server"),
    )


class PreprintVersion(Base):
    """One row per version seen, so a digest can tell 'updated' from 'new'."""

    __tablename__ = "preprint_versions"

    preprint_id: Mapped[str] = mapped_column(
        ForeignKey("preprints.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated: Mapped[date] = mapped_column(Date)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    preprint: Mapped[PreprintRow] = relationship(back_populates="versions")
