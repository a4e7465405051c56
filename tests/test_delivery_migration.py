"""Migration 0008_delivery_trust goes down and up again on every backend."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.store.db import alembic_config, make_engine


def test_the_delivery_trust_migration_downgrades_and_upgrades(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0008_delivery_trust").down_revision
    try:
        command.downgrade(config, str(before))
        tables = inspect(engine).get_table_names()
        assert "channel_health" not in tables and "delivery_instances" not in tables
        command.upgrade(config, "head")
        indexes = {i["name"] for i in inspect(engine).get_indexes("delivery_instances")}
        assert "ix_delivery_instances_heartbeat_at" in indexes
        assert "channel_health" in inspect(engine).get_table_names()
    finally:
        command.upgrade(config, "head")
        engine.dispose()
