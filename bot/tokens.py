"""Signed, expiring, purpose-bound tokens for confirm and unsubscribe links.

A token is `<payload>.<signature>`, both base64url without padding. The payload names the
purpose ("confirm", "unsubscribe"), the subject (a subscriber or subscription id), a
binding (a hash of the subscriber's address or channel, so a token cannot be replayed
against a different subscriber that later reuses the id) and the expiry. The signature is
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
LIFETIMES = {
    CONFIRM: timedelta(days=7),
    # unsubscribe links sit in old emails (and RFC 8058 one-click headers): keep them long
    UNSUBSCRIBE: timedelta(days=400),
}


class TokenError(ValueError):
    """The token is malformed, forged, expired, or for another purpose."""


@dataclass(frozen=True)
class TokenClaims:
    purpose: str
    subject: int
    binding: str
    expires_at: datetime


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


def make_token(secret: str, purpose: str, subject: int, target_key: str, now: datetime) -> str:
    expires = int((now + LIFETIMES[purpose]).timestamp())
    claims = {"p": purpose, "s": subject, "b": binding_for(target_key), "e": expires}
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
    expires = datetime.fromtimestamp(int(str(data["e"])), UTC)
    if now >= expires:
        raise TokenError("this link has expired; ask for a new one")
    return TokenClaims(purpose, int(str(data["s"])), str(data["b"]), expires)
