"""Logging is configured once, here, for every command."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from rich.logging import RichHandler

MAX_MESSAGE = 4000  # characters of one log message; the rest is cut (a body is never logged)
# Slack tokens (bot, user, app-level, refresh, config) wherever a library prints them
_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe_message(text: str) -> str:
    """One line without secrets: control characters (newlines too) escaped, tokens redacted.

    Log lines may quote outside data (feed titles, URLs, Slack payloads); a raw newline in
    them would forge a log line, an escape sequence would drive the operator's terminal.
    """
    text = _TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", text)
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}… ({len(text) - MAX_MESSAGE} more characters cut)"
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


# \n, \r, \t as Python writes them, else \xNN / \uNNNN; no codec lookup, so logging still
# works when the process is out of file descriptors (a codec's first use opens its module)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


class SafeRecords(logging.Filter):
    """Applies `safe_message` to every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = safe_message(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True


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


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg, unused-ignore]
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


_configured: tuple[str, str] = ("INFO", "text")


def configured() -> tuple[str, str]:
    """The (level, format) logging was last set up with: child processes repeat it."""
    return _configured


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    global _configured
    _configured = (level, fmt)
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
    chosen.addFilter(SafeRecords())
    root.addHandler(chosen)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler", "slack_bolt"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
