"""Malformed requests to /slack/events get a 4xx (or a readable reply), never a 500."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from tests.peers.web import post_signed, slash_body
from tests.slack_support import SECRET, Harness, sqlite_harness_factory  # noqa: F401


@pytest.fixture
def h(
    sqlite_harness_factory: Callable[..., Harness],  # noqa: F811
) -> Harness:
    return sqlite_harness_factory()


def signed_bytes(url: str, body: bytes, timestamp: str | None = None) -> httpx.Response:
    stamp = timestamp or str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
               "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    return httpx.post(url, content=body, headers=headers, timeout=10)


@pytest.mark.parametrize("stamp", ["soon", "1e9", "-5", "12.5", ""])
def test_a_non_numeric_timestamp_gets_401_not_500(h: Harness, stamp: str) -> None:
    response = httpx.post(
        h.server.url("/slack/events"),
        content=b"command=%2Fpreprints&text=help",
        headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"},
    )
    assert response.status_code == 401


def test_a_signed_body_that_is_not_utf8_gets_400(h: Harness) -> None:
    response = signed_bytes(h.server.url("/slack/events"), b"command=%2Fpreprints&text=\xff\xfe")
    assert response.status_code == 400


def test_a_signed_command_without_user_id_gets_a_readable_reply(h: Harness) -> None:
    form = dict(parse_qsl(slash_body("top eLife", h.api.response_url("cmd"))))
    del form["user_id"]
    response = post_signed(h.server.url("/slack/events"), urlencode(form), SECRET)
    assert response.status_code == 200
    assert "arrived without the user who sent it (no `user_id`)" in response.json()["text"]
    assert h.api.responses("cmd") == []  # nothing half-done is sent later either
