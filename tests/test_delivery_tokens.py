"""Signed links: they verify, expire, cannot be forged or used for another purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.tokens import CONFIRM, UNSUBSCRIBE, TokenError, binding_for, make_token, verify_token

NOW = datetime(2026, 10, 26, 8, tzinfo=UTC)
KEY = "test-secret"


def test_a_token_verifies_and_names_its_subject() -> None:
    token = make_token(KEY, UNSUBSCRIBE, 42, "email:ada@example.org", NOW)

    claims = verify_token(KEY, UNSUBSCRIBE, token, NOW + timedelta(days=30))

    assert claims.subject == 42 and claims.binding == binding_for("email:ada@example.org")
    assert all(c.isalnum() or c in "-_." for c in token)  # safe in a URL path


def test_a_token_for_one_purpose_does_not_work_for_another() -> None:
    token = make_token(KEY, UNSUBSCRIBE, 42, "email:ada@example.org", NOW)

    with pytest.raises(TokenError):
        verify_token(KEY, CONFIRM, token, NOW)


def test_a_changed_subject_or_another_key_is_refused() -> None:
    token = make_token(KEY, CONFIRM, 42, "email:ada@example.org", NOW)
    other = make_token(KEY, CONFIRM, 43, "email:ada@example.org", NOW)
    forged = other.split(".")[0] + "." + token.split(".")[1]

    with pytest.raises(TokenError):
        verify_token(KEY, CONFIRM, forged, NOW)
    with pytest.raises(TokenError):
        verify_token("another-key", CONFIRM, token, NOW)
    with pytest.raises(TokenError):
        verify_token(KEY, CONFIRM, "garbage", NOW)


def test_a_confirmation_link_expires_after_a_week() -> None:
    token = make_token(KEY, CONFIRM, 42, "email:ada@example.org", NOW)

    verify_token(KEY, CONFIRM, token, NOW + timedelta(days=6))
    with pytest.raises(TokenError, match="expired"):
        verify_token(KEY, CONFIRM, token, NOW + timedelta(days=8))
