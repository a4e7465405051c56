"""Unauthenticated bodies: every route stops reading at its limit, and none is ever logged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.slack_support import Harness, sqlite_harness_factory  # noqa: F401

MB = 1024 * 1024


@pytest.fixture
def h(
    sqlite_harness_factory: Callable[..., Harness],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> Harness:
    caplog.set_level(logging.DEBUG)  # before the app exists: Bolt copies the root's level
    return sqlite_harness_factory()


def chunked(total: int, chunk: bytes = b"x" * 65536) -> Iterator[bytes]:
    """A body without Content-Length (Transfer-Encoding: chunked), `total` bytes long."""
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


def post_chunked(url: str, total: int) -> int:
    try:
        response = httpx.post(url, content=chunked(total), timeout=30)
    except httpx.WriteError:  # the server may hang up once it answered 413: also a refusal
        return 413
    return response.status_code


def test_a_chunked_unsigned_body_past_a_megabyte_gets_413_before_any_signature_check(
    h: Harness,
) -> None:
    assert post_chunked(h.server.url("/slack/events"), 8 * MB) == 413


@pytest.mark.parametrize("path", ["/confirm/whatever", "/unsubscribe/whatever"])
def test_a_chunked_body_to_a_link_page_is_cut_off_at_its_limit(h: Harness, path: str) -> None:
    assert post_chunked(h.server.url(path), 2 * MB) == 413


def test_an_unsigned_body_is_never_logged(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    body = "token=x&text=MARKER-of-the-body\n2026-01-01 INFO forged: log line"
    response = httpx.post(
        h.server.url("/slack/events"),
        content=body,
        headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"},
    )
    assert response.status_code == 401
    assert not [r for r in caplog.records if "MARKER" in r.getMessage()]
