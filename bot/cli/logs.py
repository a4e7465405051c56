"""Logging is configured once, here, for every command."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from rich.logging import RichHandler


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            payload.update(extra)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of the record, not at set-up.

    Background threads (SMTP, HTTP servers) may log after a caller swapped stderr for a
    buffer and closed it; binding the stream once would then fail on every record.
    """

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    chosen: logging.Handler
    if fmt == "json":
        chosen = StderrHandler()
        chosen.setFormatter(JsonFormatter())
    elif not sys.stderr.isatty():  # files and journald: one plain line per record
        chosen = StderrHandler()
        chosen.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
            )
        )
    else:
        from bot.cli.common import err_console

        chosen = RichHandler(console=err_console, show_path=False, rich_tracebacks=False)
        chosen.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(chosen)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler", "slack_bolt"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
