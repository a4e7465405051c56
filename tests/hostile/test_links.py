"""Signed links with odd payloads, and redirects built from the Host header."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.store import Store
from bot.tokens import CONFIRM, TokenError, keyed_digest, verify_token
from bot.web.app import create_web_app
from tests.peers.web import UvicornThread

KEY = "hostile-links-secret-key-of-at-least-32-bytes"
NOW = datetime(2026, 1, 12, tzinfo=UTC)


def signed(claims: dict[str, object]) -> str:
    """A genuinely signed token with whatever claims an attacker who had a key would pick
    (or that a future version of rxradar might write)."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{payload}.{keyed_digest(KEY, CONFIRM, payload)}"


@pytest.mark.parametrize(
    "claims",
    [
        {"p": CONFIRM, "s": 1, "b": "x"},  # no expiry
        {"p": CONFIRM, "s": 1, "b": "x", "e": 10**30},  # past year 9999
        {"p": CONFIRM, "s": 1, "b": "x", "e": "soon"},
        {"p": CONFIRM, "s": "one", "b": "x", "e": 2_000_000_000},
        {"p": CONFIRM, "b": "x", "e": 2_000_000_000},  # no subject
    ],
)
def test_a_signed_token_with_an_odd_payload_is_damaged_not_a_crash(
    claims: dict[str, object],
) -> None:
    with pytest.raises(TokenError, match="damaged"):
        verify_token(KEY, CONFIRM, signed(claims), NOW)


def test_a_trailing_slash_never_redirects_to_the_host_a_client_names(
    tmp_path: Path, database_url: str
) -> None:
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_SECRET_KEY": KEY})
    store = Store.open(database_url, migrate=False)
    try:
        with UvicornThread(create_web_app(settings, store)) as server:
            response = httpx.get(server.url("/healthz/"), headers={"Host": "evil.example"})
    finally:
        store.close()
    assert "evil.example" not in response.headers.get("location", "")
    assert response.status_code == 404
