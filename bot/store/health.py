"""What /healthz reports: is the database reachable, is a model active, when did we poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import Store
from bot.store.models import Feed
from bot.store.profile_models import ModelVersion


@dataclass(frozen=True)
class Health:
    database: bool
    database_error: str | None = None
    model_version: str | None = None
    model_present: bool = False  # the active model's file exists on disk
    last_poll_at: datetime | None = None


def check_health(store: Store) -> Health:
    """Never raises: an unreachable database is reported, not thrown."""
    try:
        with store.session() as session:
            model = session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
            last_poll = session.scalar(select(func.max(Feed.last_polled_at)))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return Health(database=False, database_error=reason)
    if model is None:
        return Health(database=True, last_poll_at=last_poll)
    present = Path(model.path).exists()
    return Health(True, None, model.id, present, last_poll)
