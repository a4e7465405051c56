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


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    chosen: logging.Handler
    if fmt == "json":
        chosen = logging.StreamHandler()
        chosen.setFormatter(JsonFormatter())
    elif not sys.stderr.isatty():  # files and journald: one plain line per record
        chosen = logging.StreamHandler()
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
