"""What every command shares: settings, the store, JSON output, and friendly failures."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.config import ConfigError, Settings, load_settings
from bot.records.progress import Progress as ProgressCallback
from bot.store import DatabaseUnavailable, Store

# Logs and progress go to stderr so `--json` leaves stdout clean.
err_console = Console(stderr=True)
out_console = Console()

log = logging.getLogger("rxradar")


def print_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def open_store(config: Settings | None = None) -> Iterator[Store]:
    """Open (and upgrade) the database, turning connection problems into a clear message."""
    config = config or settings()
    try:
        store = Store.open(config.database_url)
    except (DatabaseUnavailable, ConfigError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


class ProgressBars:
    """Rich progress bars on stderr (so `--json` output stays clean), one per long step.

    Call it with a label to get a `Progress` callback for that step; `stop()` when done.
    """

    def __init__(self) -> None:
        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        )
        self.started = False

    def __call__(self, label: str) -> ProgressCallback:
        if not self.started:
            self.bars.start()
            self.started = True
        task = self.bars.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            self.bars.update(task, completed=done, total=total or None)

        return advance

    def stop(self) -> None:
        if self.started:
            self.bars.stop()
            self.started = False


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """One progress bar for the duration of a block."""
    bars = ProgressBars()
    try:
        yield bars(label)
    finally:
        bars.stop()
