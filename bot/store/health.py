"""What /healthz reports: is the database reachable, is a model active, when did we poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.store import trust
from bot.store.db import Store
from bot.store.models import Feed
from bot.store.profile_models import ModelVersion
from bot.store.trust import FailingChannel


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


def pending_migrations(store: Store) -> list[str]:
    """Migrations not yet applied to this database (empty when it is current)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.store.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(store.engine))
    with store.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current >= set(script.get_heads()):
        return []
    applied = {rev.revision for head in current for rev in script.iterate_revisions(head, "base")}
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in applied]


@dataclass(frozen=True)
class ActiveModel:
    version: str
    created_at: datetime
    present: bool  # its file exists on disk


def active_model(store: Store) -> ActiveModel | None:
    with store.session() as session:
        row = session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))
        if row is None:
            return None
        return ActiveModel(row.id, row.created_at, Path(row.path).exists())


def model_profiles(store: Store, version: str) -> dict[str, int]:
    """How many profiles of each kind (journal, custom) the model scores."""
    from bot.store.profile_models import Profile, ProfileStats

    query = (
        select(Profile.kind, func.count(ProfileStats.profile_id))
        .join(Profile, Profile.id == ProfileStats.profile_id)
        .where(ProfileStats.model_version == version)
        .group_by(Profile.kind)
    )
    with store.session() as session:
        return {str(kind): int(n) for kind, n in session.execute(query)}


def failing_channels(store: Store) -> list[FailingChannel]:
    """Channels failing on the operator's side (never raises: an unreachable database
    is reported by `check_health`)."""
    try:
        with store.session() as session:
            return trust.failing_channels(session)
    except SQLAlchemyError:
        return []
