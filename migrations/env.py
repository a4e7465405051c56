"""Alembic environment: runs against the engine handed over by bot.store.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.store.base import UTCDateTime
from bot.store.schema import all_metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our own column types as plain SQLAlchemy so migrations never import bot."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: take the URL from alembic.ini/-x
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_engine(url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=all_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
