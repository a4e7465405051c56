"""Signed links: they verify, expire, cannot be forged or used for another purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.tokens import (
    CONFIRM,
    CONFIRM_SUBSCRIPTION,
    CSRF,
    PROFILE,
    UNSUBSCRIBE,
    TokenError,
    binding_for,
    digest_matches,
    keyed_digest,
    make_token,
    verify_token,
)

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


def test_a_sign_up_link_never_opens_a_private_profile_and_the_reverse() -> None:
    signup = make_token(KEY, CONFIRM_SUBSCRIPTION, 7, "email:ada@example.org", NOW)
    profile = make_token(KEY, PROFILE, 7, "custom:smith lab", NOW)

    with pytest.raises(TokenError):
        verify_token(KEY, PROFILE, signup, NOW)
    with pytest.raises(TokenError):
        verify_token(KEY, CONFIRM_SUBSCRIPTION, profile, NOW)
    assert verify_token(KEY, PROFILE, profile, NOW + timedelta(days=4 * 365)).subject == 7


def test_a_form_value_is_stable_per_cookie_and_useless_for_another() -> None:
    value = keyed_digest(KEY, CSRF, "cookie-one")

    assert value == keyed_digest(KEY, CSRF, "cookie-one")  # a cached page stays valid
    assert digest_matches(KEY, CSRF, "cookie-one", value)
    assert not digest_matches(KEY, CSRF, "cookie-two", value)
    assert not digest_matches("another-key", CSRF, "cookie-one", value)
