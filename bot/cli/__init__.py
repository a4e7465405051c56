"""The `rxradar` command line. Each area registers its commands in its own module."""

from __future__ import annotations

import typer
from typer._click import Context  # typer vendors click; its Group's own Context type
from typer.core import TyperGroup

from bot.cli import db
from bot.cli.logs import configure_logging

# The root's options, accepted anywhere on the line: `rxradar run --log-format json` (the
# README's systemd unit) means the same as `rxradar --log-format json run`.
GLOBAL_FLAGS = frozenset({"--verbose", "-v"})
GLOBAL_VALUED = frozenset({"--log-format"})


def hoist_global_options(args: list[str]) -> list[str]:
    """The root's options moved to the front, everything else in its order (after `--`
    nothing moves)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in GLOBAL_FLAGS or ("=" in arg and arg.split("=", 1)[0] in GLOBAL_VALUED):
            front.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


class RootGroup(TyperGroup):
    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))


app = typer.Typer(
    name="rxradar",
    cls=RootGroup,
    help=(
        "Rank new preprints against journal profiles and deliver digests to Slack and email. "
        "--verbose and --log-format may also follow any command."
    ),
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

    modules = ("feeds", "profiles", "digests", "serve", "evaluate", "run", "outcomes", "models")
    for name in (*modules, "demo", "feedback"):
        try:
            module = importlib.import_module(f"bot.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.cli.{name}":
                raise
            continue
        module.register(app)


_register()


INTERRUPTED = 130  # typer's exit code for Ctrl-C (KeyboardInterrupt)


def main() -> None:
    from bot.cli.help_text import build_command
    from bot.scoring.errors import EmbeddingError

    try:
        build_command(app)(prog_name="rxradar")
    except EmbeddingError as exc:  # raised wherever a model with embeddings embeds text
        from bot.cli.common import print_error

        print_error(str(exc))
        raise SystemExit(2) from None
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            _exit_interrupted()
        raise


def _exit_interrupted() -> None:
    """Leave at once: threads blocked on a stalled host would hold exit for their timeout.

    Every write is a transaction that has committed or rolled back by now.
    """
    import logging
    import os
    import sys

    sys.stderr.write("interrupted\n")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(INTERRUPTED)
