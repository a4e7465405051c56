"""`rxradar demo`: from a fresh install to a first digest on screen, offline."""

from __future__ import annotations

import shlex
import sys
import time
from datetime import UTC, datetime

import typer
from rich.markup import escape

from bot.channels.base import new_message_id
from bot.channels.registry import SHOWS
from bot.channels.registry import dry_run as dry_run_channels
from bot.cli.common import err_console, fail, open_store, settings
from bot.delivery.preparing import load_digest
from bot.delivery.sending import digest_message
from bot.demo import FIELDS, DemoError, DemoWorld, build_demo


def demo_command(
    show: str = typer.Option(
        "text", "--show", metavar="|".join(SHOWS), help="Which rendering of the digest to print."
    ),
) -> None:
    """Try rxradar offline: generate four journals, poll a local feed of this week's
    preprints, train, subscribe, and print the first digest (in its own directory; the
    configured database is never touched)."""
    if show not in SHOWS:
        fail(f"--show {show!r} is not one of: {', '.join(SHOWS)}")
    started = time.perf_counter()
    now = datetime.now(UTC)
    try:
        world = build_demo(settings(), now, say)
    except DemoError as exc:
        fail(str(exc))
    _print_digest(world, now, show)
    say(f"demo built in {time.perf_counter() - started:.1f} s")
    _next_steps(world)


def say(message: str) -> None:
    err_console.print(f"[dim]{escape(message)}[/]", highlight=False)


def _print_digest(world: DemoWorld, now: datetime, show: str) -> None:
    record = world.subscription
    with open_store(world.settings) as store:
        digest = load_digest(store, record, "preview", now)
    links = world.settings.links()
    message = digest_message(links, record, digest, now, new_message_id(links.public_url))
    dry_run_channels(sys.stdout, sys.stderr, show).open(record.target.kind).send(message)


def _next_steps(world: DemoWorld) -> None:
    home = world.settings.data_dir
    env = (
        f"export RXRADAR_DATA_DIR={shlex.quote(str(home))} "
        f"RXRADAR_DATABASE_URL={shlex.quote(world.settings.database_url)}"
    )
    journal = shlex.quote(next(iter(FIELDS)))
    steps = [
        (f"rxradar top {journal}", "one journal's best matches"),
        ('rxradar match --text "calcium imaging of hippocampal place cells"', "where it fits"),
        (f"rxradar digest {world.subscription.id} --dry-run --show slack", "the digest for Slack"),
        ("rxradar serve", "the web pages at http://127.0.0.1:8080"),
    ]
    width = max(len(command) for command, _ in steps)
    lines = "".join(f"  {escape(c.ljust(width))}   # {why}\n" for c, why in steps)
    err_console.print(
        "\n[bold]Next:[/] explore the demo's own database (yours is untouched):\n"
        f"  {escape(env)}\n{lines}"
        "For real data: unset those two variables, then `rxradar profiles import FILE` "
        "(or `rxradar run`, which harvests journals from bioRxiv) and `rxradar train`.",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
