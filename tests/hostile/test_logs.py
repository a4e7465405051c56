"""Log lines quote outside data: they stay one line each, and never show a token."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cli.logs import configure_logging


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[logging.Logger]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    configure_logging("DEBUG", "text")
    yield logging.getLogger("rxradar.hostile")
    root.handlers[:], root.level = saved, level


def test_a_newline_from_a_feed_cannot_forge_a_log_line(
    logs: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.warning("feed %s: %s", "http://x.test/", "bad\n2026-01-01T00:00:00 ERROR forged\r\x1b[2J")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "\x1b" not in err and "\r" not in err
    assert "bad\\n2026-01-01T00:00:00 ERROR forged" in err


def test_a_slack_token_in_a_library_debug_record_is_redacted(
    logs: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("slack_sdk.web.base_client").warning(
        "Received the following response - body: {'access_token': 'xoxb-1234-5678-SeCrEt'}"
    )
    err = capsys.readouterr().err
    assert "SeCrEt" not in err and "xoxb-[redacted]" in err


def test_a_huge_message_is_cut(logs: logging.Logger, capsys: pytest.CaptureFixture[str]) -> None:
    logs.info("body: %s", "y" * 1_000_000)
    assert len(capsys.readouterr().err) < 5000
