"""Workspaces leaving: `app_uninstalled` and `tokens_revoked` (OAuth mode only).

Either removes the workspace's installation and pauses its subscriptions with the reason;
installing again resumes them (`bot.store.slack_installations`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.store import Store
from bot.store.slack_installations import remove_workspace


def register(app: App, store: Store, client_id: str) -> None:
    def uninstalled(context: BoltContext) -> None:
        if context.team_id:
            remove_workspace(store, client_id, context.team_id, "the app was uninstalled")

    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        bots = (event.get("tokens") or {}).get("bot") or []
        if context.team_id and bots:  # user tokens alone: the bot still posts
            remove_workspace(store, client_id, context.team_id, "its bot token was revoked")

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
