"""The `rxradar` command line. Each area registers its commands in its own module."""

from __future__ import annotations

import typer

from bot.cli import db
from bot.cli.logs import configure_logging

app = typer.Typer(
    name="rxradar",
    help="Rank new preprints against journal profiles and deliver digests to Slack and email.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging."),
    log_format: str = typer.Option(
        "", "--log-format", help="text or json (default: RXRADAR_LOG_FORMAT or text)."
    ),
) -> None:
    from bot.config import ConfigError, load_settings

    fmt = log_format
    if not fmt:
        try:
            fmt = load_settings().log_format
        except ConfigError:
            fmt = "text"  # the command itself reports the bad setting
    configure_logging("DEBUG" if verbose else "INFO", fmt)


def _register() -> None:
    """Import command modules that exist; each adds itself to `app`."""
    import importlib

    for name in ("feeds", "profiles", "digests", "serve", "evaluate", "run", "outcomes", "models"):
        try:
            module = importlib.import_module(f"bot.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def main() -> None:
    from bot.scoring.errors import EmbeddingError

    try:
        app()
    except EmbeddingError as exc:  # raised wherever a model with embeddings embeds text
        from bot.cli.common import print_error

        print_error(str(exc))
        raise SystemExit(2) from None
