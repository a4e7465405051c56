"""`rxradar db …`: schema management."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import err_console, fail, open_store, settings
from bot.config import ConfigError, Secret, checked_secret_key
from bot.store.db import table_names
from bot.store.token_cipher import TokenCipher, TokenKeyError, reencrypt, token_cipher

app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Create or upgrade the database schema to the newest version."""
    with open_store() as store:
        url = store.engine.url.render_as_string(hide_password=True)
        err_console.print(
            f"database {url} is at the newest schema ({len(table_names(store.engine))} tables)"
        )


@app.command("reencrypt")
def reencrypt_command(
    old_key_file: Annotated[
        Path, typer.Option(help="A file holding the secret key the tokens were sealed with.")
    ],
) -> None:
    """Re-seal the stored Slack tokens with the current secret key after changing it."""
    try:
        text = old_key_file.read_text(encoding="utf-8").strip()
        old = checked_secret_key(Secret(text), f"the old key file {old_key_file}")
    except OSError as exc:
        fail(f"cannot read the old key file {old_key_file}: {exc.strerror}")
    except ConfigError as exc:
        fail(str(exc))
    config = settings()
    with open_store(config) as store:
        try:
            with store.engine.begin() as connection:
                count = reencrypt(
                    connection, TokenCipher.from_secret(old.get()), token_cipher(config)
                )
        except TokenKeyError:
            fail(
                f"a stored Slack token opens with neither the key in {old_key_file} nor the "
                "current secret key: give the key it was sealed with, or reinstall the app"
            )
    err_console.print(f"re-sealed {count} Slack token(s) with the current secret key")
