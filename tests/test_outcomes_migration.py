"""Migration 0010_outcomes goes down and up again on every backend."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.store.db import alembic_config, make_engine


def test_the_outcomes_migration_downgrades_and_upgrades(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0010_outcomes").down_revision
    try:
        command.downgrade(config, str(before))
        assert "outcomes" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        indexes = {i["name"] for i in inspect(engine).get_indexes("outcomes")}
        assert "ix_outcomes_profile_published" in indexes
    finally:
        command.upgrade(config, "head")
        engine.dispose()
