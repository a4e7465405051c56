"""Engine, sessions and schema upgrades. The only module that opens connections."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError, make_private_dir
from bot.resources import resource_dir

if TYPE_CHECKING:  # Alembic loads only when a schema upgrade runs (keeps the CLI quick)
    from alembic.config import Config

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says what to check."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL's usual setting: a commit no longer waits for fsync (7 ms each on this disk, 5 per
    # digest sent); a killed process loses nothing, only a power cut may lose the last commits
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create_private(database: Path) -> None:
    """The database file (and so its WAL and SHM, which SQLite creates with the same mode)
    readable by its owner only: it holds subscribers' addresses and Slack tokens."""
    make_private_dir(database.parent)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"RXRADAR_DATABASE_URL={url!r} is not a valid database URL") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database).expanduser())
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)


def refuse_missing_sqlite(url: str) -> None:
    """A mistyped path must not become a new, empty database that reports "0 feeds"."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # make_engine reports the bad URL
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database).expanduser()
    if not path.exists():
        raise DatabaseUnavailable(
            f"there is no database at {path}: check RXRADAR_DATABASE_URL (or RXRADAR_DATA_DIR). "
            "To start one: `rxradar demo` to try rxradar out, or `rxradar profiles import FILE` "
            "and `rxradar train` for your journals (`rxradar db upgrade` creates it empty)"
        )


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent, safe to call on every start)."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        raise DatabaseUnavailable(describe_unreachable(engine, exc)) from exc
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def describe_unreachable(engine: Engine, exc: Exception) -> str:
    url = engine.url.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return (
        f"cannot open the database {url}: {reason}. "
        "Check RXRADAR_DATABASE_URL and that the server is running."
    )


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


class Store:
    """An engine plus a session factory; pass it to anything that reads or writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, migrate: bool = True, create: bool = True) -> Store:
        """`create=False` (read-only commands) refuses a SQLite file that is not there yet."""
        if not create:
            refuse_missing_sqlite(url)
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
