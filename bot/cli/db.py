"""`rxradar db …`: schema management."""

from __future__ import annotations

import typer

from bot.cli.common import err_console, open_store
from bot.store.db import table_names

app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Create or upgrade the database schema to the newest version."""
    with open_store() as store:
        url = store.engine.url.render_as_string(hide_password=True)
        err_console.print(
            f"database {url} is at the newest schema ({len(table_names(store.engine))} tables)"
        )
