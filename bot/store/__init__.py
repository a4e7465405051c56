"""Storage: SQLAlchemy models, sessions, and queries."""

from bot.store.db import DatabaseUnavailable, Store

__all__ = ["DatabaseUnavailable", "Store"]
