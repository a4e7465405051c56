"""Headers every answer carries, and the forms' CSRF check (double submit, HMAC-bound).

- Anti-framing (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`), `nosniff` and a
  Referrer-Policy go on every response; a strict Content-Security-Policy (no inline script
  or style: the site's CSS and few lines of JS are static files) on every one that did not
  set its own.
- CSRF: the visitor gets a random cookie; each form carries `keyed_digest` of it. A forged
  cross-site POST has neither the cookie's value nor the key to derive the form value.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.tokens import CSRF, digest_matches, keyed_digest

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": CSP,
}
CSRF_COOKIE = "rxradar_csrf"
CSRF_FIELD = "csrf"
CSRF_MAX_AGE = 7 * 86400


class SecurityHeaders:
    """ASGI middleware: adds ALWAYS's headers to each response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    if name not in headers:
                        headers[name] = value
                if "frame-ancestors" not in headers["Content-Security-Policy"]:
                    headers["Content-Security-Policy"] += "; frame-ancestors 'none'"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Csrf:
    """The visitor's CSRF cookie and the form value derived from it."""

    def __init__(self, secret: str, secure: bool) -> None:
        self.secret = secret
        self.secure = secure  # the public URL is https: the cookie never travels in clear

    def cookie(self, request: Request) -> tuple[str, bool]:
        """The visitor's cookie value, and whether it is new (must be set on the response)."""
        value = request.cookies.get(CSRF_COOKIE, "")
        if 20 <= len(value) <= 100 and value.replace("-", "").replace("_", "").isalnum():
            return value, False
        return secrets.token_urlsafe(24), True

    def form_value(self, cookie: str) -> str:
        return keyed_digest(self.secret, CSRF, cookie)

    def valid(self, request: Request, given: str) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(cookie and given) and digest_matches(self.secret, CSRF, cookie, given)

    def set_cookie(self, response: Response, cookie: str) -> None:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            max_age=CSRF_MAX_AGE,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
