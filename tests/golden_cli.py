"""Golden files for command-line output (tests/golden/cli_*.txt): what users read.

Regenerate after an intended change and review the diff:

    RXRADAR_UPDATE_GOLDEN=1 python -m pytest tests/test_run_offline.py tests/test_feeds_add.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ", re.MULTILINE)
_CLOCK = re.compile(r"\b\d\d:\d\d UTC\b")
_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
_WHEN = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d\b")  # table cells: same width
_PORT = re.compile(r"127\.0\.0\.1:\d+")


def normalised(text: str, *paths: Path) -> str:
    """Output with what differs between runs (times, ports, temporary paths) replaced."""
    for path in paths:
        text = text.replace(str(path), "TMP")
    text = _STAMP.sub("", text)
    text = _CLOCK.sub("HH:MM UTC", text)
    text = _WHEN.sub("YYYY-MM-DD HH:MM", text)
    text = _DATE.sub("YYYY-MM-DD", text)
    return _PORT.sub("127.0.0.1:PORT", text)


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RXRADAR_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with RXRADAR_UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed; see tests/golden_cli.py"
