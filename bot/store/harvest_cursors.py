"""Where each paginated harvest got to, so an interrupted one resumes instead of restarting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.base import utcnow
from bot.store.profile_models import HarvestCursor


@dataclass(frozen=True)
class CursorState:
    key: str
    cursor: int
    total: int | None
    done: bool


def harvest_cursor(session: Session, key: str) -> CursorState:
    """Where the harvest called `key` got to (cursor 0 when it never ran)."""
    row = session.get(HarvestCursor, key)
    if row is None:
        return CursorState(key, 0, None, False)
    return CursorState(key, row.cursor, row.total, row.done)


def save_harvest_cursor(session: Session, state: CursorState) -> None:
    row = session.get(HarvestCursor, state.key)
    if row is None:
        row = HarvestCursor(key=state.key)
        session.add(row)
    row.cursor, row.total, row.done = state.cursor, state.total, state.done
    row.updated_at = utcnow()


def finished_keys(session: Session, prefix: str) -> list[str]:
    """Keys of the finished harvests whose key starts with `prefix`."""
    query = select(HarvestCursor.key).where(
        HarvestCursor.key.startswith(prefix, autoescape=True), HarvestCursor.done.is_(True)
    )
    return sorted(session.scalars(query))
