"""The bot tokens of workspaces that installed the app through OAuth (Bolt's store)."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.store.db import Store


def installation_store(store: Store, client_id: str) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store on our database (tables made by our migrations)."""
    return SQLAlchemyInstallationStore(client_id=client_id, engine=store.engine)


def bot_token(store: Store, client_id: str, team_id: str | None) -> str | None:
    """The bot token of the workspace `team_id` installed, or None when it is not installed."""
    bot = installation_store(store, client_id).find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None else None
