"""The bot tokens of workspaces that installed the app through OAuth (Bolt's store).

Installing (or reinstalling) resumes the workspace's subscriptions that were paused because
its install was gone; uninstalling removes the install and pauses them (`workspaces`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.store.db import Store
from bot.store.workspaces import WORKSPACE_PAUSED, pause_group, resume_group

log = logging.getLogger("rxradar.slack")


def workspace_prefix(team_id: str | None) -> str:
    """What the target keys of a workspace's subscriptions start with (`slack:T…:`)."""
    return f"slack:{team_id or ''}:"


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on our database; a (re)install resumes the workspace's digests."""

    def __init__(self, store: Store, client_id: str) -> None:
        super().__init__(client_id=client_id, engine=store.engine)
        self.store = store

    def save(self, installation: Installation) -> None:
        super().save(installation)
        with self.store.session() as session:
            resumed = resume_group(session, workspace_prefix(installation.team_id))
        if resumed:
            log.info("workspace %s reinstalled: resumed subscriptions %s",
                     installation.team_id, resumed)  # fmt: skip


def installation_store(store: Store, client_id: str) -> InstallationStore:
    """The installation store on our database (tables made by our migrations)."""
    return InstallationStore(store, client_id)


def bot_token(store: Store, client_id: str, team_id: str | None) -> str | None:
    """The bot token of the workspace `team_id` installed, or None when it is not installed."""
    bot = installation_store(store, client_id).find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None else None


def remove_workspace(
    store: Store, client_id: str, team_id: str, why: str, now: datetime | None = None
) -> list[int]:
    """The workspace uninstalled the app (or revoked its token): forget its install and
    pause its subscriptions, saying why; returns the paused ids."""
    installation_store(store, client_id).delete_all(enterprise_id=None, team_id=team_id)
    with store.session() as session:
        paused = pause_group(
            session, workspace_prefix(team_id), f"{WORKSPACE_PAUSED} ({why})",
            now or datetime.now(UTC),
        )  # fmt: skip
    log.warning("workspace %s: %s; paused subscriptions %s", team_id, why, paused)
    return paused
