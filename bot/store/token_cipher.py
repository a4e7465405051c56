"""Slack tokens at rest: sealed with a key derived from rxradar's secret key.

A stored token is `rxenc1:` + a Fernet token (AES-128-CBC + HMAC-SHA256) whose key is
HKDF-SHA256 of the secret key, so a copy of the database alone does not give the bot
tokens away. Values without the prefix (rows written before migration 0013) read as they are.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Connection

from bot.config import Settings, ensure_secret_key

SEALED_PREFIX = "rxenc1:"
_HKDF_INFO = b"rxradar slack installation tokens v1"
# the token columns of Bolt's tables (slack_bots has the first two)
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
BOT_TOKEN_FIELDS = TOKEN_FIELDS[:2]

WRONG_KEY_FIX = (
    "a Slack token in the database was sealed with a different secret key. Put the old key "
    "back (RXRADAR_SECRET_KEY or the secret_key file in the data directory), or re-seal the "
    "tokens with the current key: `rxradar db reencrypt --old-key-file FILE` (FILE holds the "
    "old key); failing both, reinstall the app in each workspace"
)


class TokenKeyError(RuntimeError):
    """A sealed token does not open with the current key (the secret key changed)."""


@dataclass(frozen=True)
class TokenCipher:
    """Seals and opens stored Slack tokens with one secret key."""

    fernet: Fernet

    @classmethod
    def from_secret(cls, secret: str) -> TokenCipher:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
            secret.encode("utf-8")
        )
        return cls(Fernet(base64.urlsafe_b64encode(derived)))

    def seal(self, token: str | None) -> str | None:
        """The stored form of `token` (unchanged when None, empty or already sealed)."""
        if not token or token.startswith(SEALED_PREFIX):
            return token
        return SEALED_PREFIX + self.fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, stored: str | None) -> str | None:
        """The token a stored value holds; TokenKeyError when it was sealed with another key."""
        if not stored or not stored.startswith(SEALED_PREFIX):
            return stored
        try:
            return self.fernet.decrypt(stored[len(SEALED_PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise TokenKeyError(WRONG_KEY_FIX) from exc


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(SEALED_PREFIX)


def token_cipher(settings: Settings) -> TokenCipher:
    """The cipher of the configured secret key (made on first use, like signed links)."""
    return TokenCipher.from_secret(ensure_secret_key(settings).get())


# the tables holding tokens, and which of their columns are tokens
TOKEN_TABLES = {"slack_bots": BOT_TOKEN_FIELDS, "slack_installations": TOKEN_FIELDS}


def reseal_rows(connection: Connection, change: Callable[[str | None], str | None]) -> int:
    """Pass every stored token through `change` (seal, open, or open-then-seal with another
    key) in the caller's transaction; returns how many values changed."""
    changed = 0
    for name, fields in TOKEN_TABLES.items():
        table = sa.table(name, sa.column("id"), *(sa.column(f) for f in fields))
        for row in connection.execute(sa.select(table)).mappings().all():
            values = {f: change(row[f]) for f in fields if change(row[f]) != row[f]}
            if values:
                connection.execute(table.update().where(table.c.id == row["id"]).values(values))
                changed += len(values)
    return changed


def reencrypt(connection: Connection, old: TokenCipher, new: TokenCipher) -> int:
    """Re-seal tokens sealed with `old` under `new` (tokens `new` already opens are left as
    they are, so an interrupted run can be repeated); returns how many were re-sealed."""

    def change(stored: str | None) -> str | None:
        if not is_sealed(stored):
            return new.seal(stored)
        try:
            new.open(stored)
            return stored
        except TokenKeyError:
            return new.seal(old.open(stored))

    return reseal_rows(connection, change)
