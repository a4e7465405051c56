"""/slack/events: read at most MAX_SLACK_BODY while streaming, check the signature, then Bolt.

The signature is checked here, before Bolt sees the request, so an unsigned body is never
parsed, dispatched or logged (Bolt's own check logs the whole invalid body at INFO), and a
malformed timestamp or a body that is not UTF-8 is a 4xx, not a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.config import Secret
from bot.web.body import BodyTooLarge, read_body, too_large

MAX_SLACK_BODY = 1024 * 1024  # Slack's payloads are a few KB; refuse anything absurd
MAX_CLOCK_SKEW = 5 * 60  # seconds; Slack's own replay window
_TIMESTAMP_DIGITS = 12


def signature_problem(
    secret: str, body: bytes, timestamp: str, signature: str, now: float
) -> str | None:
    """Why a request is not genuinely from Slack (None when it is)."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        return "X-Slack-Request-Timestamp must be a Unix time in seconds"
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return "the request is older than five minutes (or the clocks differ)"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "the signature does not match"
    return None


def events_endpoint(
    slack_app: App, signing_secret: Secret | None, clock: Callable[[], float] = time.time
) -> Any:
    async def events(request: Request) -> Response:
        try:
            body = await read_body(request, MAX_SLACK_BODY)
        except BodyTooLarge as exc:
            return too_large(exc)
        if signing_secret:  # Socket Mode has no signing secret and no /slack/events
            problem = signature_problem(
                signing_secret.get(),
                body,
                request.headers.get("x-slack-request-timestamp", ""),
                request.headers.get("x-slack-signature", ""),
                clock(),
            )
            if problem:
                return PlainTextResponse(f"invalid request: {problem}\n", status_code=401)
        try:
            bolt_request = to_bolt_request(request, body)
        except UnicodeDecodeError:
            return PlainTextResponse("invalid request: the body is not UTF-8\n", status_code=400)
        return to_starlette_response(await run_in_threadpool(slack_app.dispatch, bolt_request))

    return events
