"""The outcomes table: which stored preprints were later published, where and when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime, utcnow


class OutcomeRow(Base):
    """One preprint's publication (a preprint is published once; a later report replaces it)."""

    __tablename__ = "outcomes"

    preprint_id: Mapped[str] = mapped_column(
        ForeignKey("preprints.id", ondelete="CASCADE"), primary_key=True
    )
    published_doi: Mapped[str | None] = mapped_column(String(300))
    journal: Mapped[str] = mapped_column(String(500))  # as the source spelled it
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    published_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # "published in this journal since DATE": the digest line and `outcomes --journal`
        Index("ix_outcomes_profile_published", "profile_id", "published_date"),
    )
