"""What every command shares: settings, the store, JSON output, and friendly failures."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment

from bot.config import ConfigError, Settings, load_settings
from bot.profiles.text import safe_text
from bot.store import DatabaseUnavailable, Store


class SafeConsole(Console):
    """A console that never prints control characters: feed and file text (a title holding
    ESC [ 2 J …) reaches the terminal as plain text, whatever table or line shows it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "width" not in kwargs:
            # rich freezes $COLUMNS as it was at import; measure when printing instead
            self._width = None

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            clean = safe_text(segment.text)
            # control segments are rich's own (the cursor moves of progress bars)
            yield (
                segment
                if segment.control or clean == segment.text
                else segment._replace(text=clean)
            )


# Logs and progress go to stderr so `--json` leaves stdout clean.
err_console = SafeConsole(stderr=True)
out_console = SafeConsole()

log = logging.getLogger("rxradar")


def print_error(message: str) -> None:
    # soft_wrap: one message stays one line in logs and pipes (rich wraps at 80 otherwise)
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def open_store(config: Settings | None = None, *, create: bool = True) -> Iterator[Store]:
    """Open (and upgrade) the database, turning connection problems into a clear message.

    Read-only commands pass `create=False`: they refuse a database that does not exist.
    """
    config = config or settings()
    try:
        store = Store.open(config.database_url, create=create)
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


_C1_CONTROLS = re.compile("[\x7f-\x9f]")


def print_json(data: Any) -> None:
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=2)
    # json escapes C0 controls (ESC is \u001b) but not C1 ones (0x9b is also CSI): escape them
    text = _C1_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
