"""Signed, expiring, purpose-bound tokens for confirm, unsubscribe and private-page links.

A token is `<payload>.<signature>`, both base64url without padding. The payload names the
purpose ("confirm", "unsubscribe", "subscription", "profile", "profile-edit" …), the
subject (a subscriber, subscription or profile id), a binding (a hash of the subscriber's
address or channel, or of the profile's key, so a token cannot be replayed against a
different subscriber or profile that later reuses the id) and the expiry. The signature is
HMAC-SHA256 over the payload with a key derived from the secret key *and the purpose*, so
a token minted for one purpose never verifies for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
CONFIRM_SUBSCRIPTION = "subscription"  # one digest asked for on the web, confirmed by email
PROFILE = "profile"  # a custom profile's private page and feeds (the binding is its key)
CSRF = "csrf"  # a form's anti-forgery value: `keyed_digest` of the visitor's cookie
VOTE = "vote"  # an emailed 👍/👎 on one preprint of one subscription (the item claim)
FEEDBACK_RESET = "feedback-reset"  # forget a subscription's votes (the email footer)
PROFILE_EDIT = "profile-edit"  # add papers to a custom profile from the web form (its owner's)
LIFETIMES = {
    CONFIRM: timedelta(days=7),
    # unsubscribe links sit in old emails (and RFC 8058 one-click headers): keep them long
    UNSUBSCRIBE: timedelta(days=400),
    CONFIRM_SUBSCRIPTION: timedelta(days=7),
    # a private feed URL lives in feed readers for years; a new link is one command away
    PROFILE: timedelta(days=5 * 366),
    # a vote from an old digest still says something; after two months it says little
    VOTE: timedelta(days=60),
    FEEDBACK_RESET: timedelta(days=400),
    # the edit link changes the profile: short-lived, a new one is one command away
    PROFILE_EDIT: timedelta(days=7),
}


class TokenError(ValueError):
    """The token is malformed, forged, expired, or for another purpose."""


@dataclass(frozen=True)
class TokenClaims:
    purpose: str
    subject: int
    binding: str
    expires_at: datetime
    item: str = ""  # what inside the subject the token is about (a vote: "up:<preprint>")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def binding_for(target_key: str) -> str:
    """A short stable hash of the subscriber key ("email:…", "slack:…")."""
    return hashlib.sha256(target_key.encode()).hexdigest()[:16]


def _signature(secret: str, purpose: str, payload: str) -> bytes:
    purpose_key = hmac.new(secret.encode(), f"rxradar-token:{purpose}".encode(), "sha256")
    return hmac.new(purpose_key.digest(), payload.encode("ascii"), "sha256").digest()


def make_token(
    secret: str, purpose: str, subject: int, target_key: str, now: datetime, item: str = ""
) -> str:
    expires = int((now + LIFETIMES[purpose]).timestamp())
    claims: dict[str, object] = {
        "p": purpose, "s": subject, "b": binding_for(target_key), "e": expires
    }  # fmt: skip
    if item:
        claims["i"] = item
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_signature(secret, purpose, payload))}"


def _claims(token: str) -> tuple[str, dict[str, object]]:
    try:
        payload, _ = token.split(".", 1)
        data = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError):
        raise TokenError("this link is damaged; copy the whole link from the message") from None
    if not isinstance(data, dict):
        raise TokenError("this link is damaged; copy the whole link from the message")
    return payload, data


def verify_token(secret: str, purpose: str, token: str, now: datetime) -> TokenClaims:
    """Return the claims of a genuine, unexpired token made for `purpose`; else raise."""
    payload, data = _claims(token)
    signature = token.split(".", 1)[1]
    try:
        given = _unb64(signature)
    except ValueError:
        given = b""
    if not hmac.compare_digest(given, _signature(secret, purpose, payload)):
        raise TokenError("this link is not valid; use the link from the latest message")
    if data.get("p") != purpose:
        raise TokenError("this link is not valid for this action")
    try:  # signed but odd (no expiry, one past year 9999): damaged, never a crash
        expires = datetime.fromtimestamp(int(str(data["e"])), UTC)
        subject = int(str(data["s"]))
    except (KeyError, ValueError, OverflowError, OSError):
        raise TokenError("this link is damaged; copy the whole link from the message") from None
    if now >= expires:
        raise TokenError("this link has expired; ask for a new one")
    return TokenClaims(purpose, subject, str(data.get("b", "")), expires, str(data.get("i") or ""))


def keyed_digest(secret: str, purpose: str, value: str) -> str:
    """A deterministic MAC of `value` for `purpose` (base64url), e.g. a CSRF form value.

    Unlike a token it has no expiry of its own: whatever it is bound to (a cookie) expires.
    The same value always gives the same digest, so a page that embeds it stays cacheable.
    """
    return _b64(_signature(secret, purpose, value))


def digest_matches(secret: str, purpose: str, value: str, given: str) -> bool:
    return hmac.compare_digest(keyed_digest(secret, purpose, value), given)
