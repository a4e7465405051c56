"""The bot tokens of workspaces that installed the app through OAuth (Bolt's store).

Installing (or reinstalling) resumes the workspace's subscriptions that were paused because
its install was gone; uninstalling removes the install and pauses them (`workspaces`).
Tokens are sealed before they are written and opened when read (`token_cipher`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.store.db import Store
from bot.store.token_cipher import BOT_TOKEN_FIELDS, TOKEN_FIELDS, TokenCipher
from bot.store.workspaces import WORKSPACE_PAUSED, pause_group, resume_group

log = logging.getLogger("rxradar.slack")
_Item = TypeVar("_Item", Bot, Installation)


def workspace_prefix(team_id: str | None) -> str:
    """What the target keys of a workspace's subscriptions start with (`slack:T…:`)."""
    return f"slack:{team_id or ''}:"


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on our database; a (re)install resumes the workspace's digests."""

    def __init__(self, store: Store, client_id: str, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=store.engine)
        self.store = store
        self.cipher = cipher

    def save(self, installation: Installation) -> None:
        super().save(_with_tokens(installation, TOKEN_FIELDS, self.cipher.seal))
        with self.store.session() as session:
            resumed = resume_group(session, workspace_prefix(installation.team_id))
        if resumed:
            log.info("workspace %s reinstalled: resumed subscriptions %s",
                     installation.team_id, resumed)  # fmt: skip

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with_tokens(bot, BOT_TOKEN_FIELDS, self.cipher.seal))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = super().find_bot(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )  # fmt: skip
        return _with_tokens(found, BOT_TOKEN_FIELDS, self.cipher.open) if found else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = super().find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )  # fmt: skip
        return _with_tokens(found, TOKEN_FIELDS, self.cipher.open) if found else None


def _with_tokens(
    item: _Item, fields: tuple[str, ...], change: Callable[[str | None], str | None]
) -> _Item:
    """A copy of `item` with each token field passed through `change` (seal or open)."""
    changed = copy.copy(item)
    for name in fields:
        setattr(changed, name, change(getattr(item, name)))
    return changed


def installation_store(store: Store, client_id: str, cipher: TokenCipher) -> InstallationStore:
    """The installation store on our database (tables made by our migrations)."""
    return InstallationStore(store, client_id, cipher)


def bot_token(store: Store, client_id: str, cipher: TokenCipher, team_id: str | None) -> str | None:
    """The bot token of the workspace `team_id` installed, or None when it is not installed."""
    installs = installation_store(store, client_id, cipher)
    bot = installs.find_bot(enterprise_id=None, team_id=team_id)
    return bot.bot_token if bot is not None else None


def remove_workspace(
    store: Store, client_id: str, team_id: str, why: str, now: datetime | None = None
) -> list[int]:
    """The workspace uninstalled the app (or revoked its token): forget its install and
    pause its subscriptions, saying why; returns the paused ids."""
    SQLAlchemyInstallationStore(client_id=client_id, engine=store.engine).delete_all(
        enterprise_id=None, team_id=team_id
    )
    with store.session() as session:
        paused = pause_group(
            session, workspace_prefix(team_id), f"{WORKSPACE_PAUSED} ({why})",
            now or datetime.now(UTC),
        )  # fmt: skip
    log.warning("workspace %s: %s; paused subscriptions %s", team_id, why, paused)
    return paused
