"""Pages behind emailed links (confirm a sign-up, vote, reset feedback).

GET shows what the link would do with one button and changes nothing (mail scanners
follow links); the button's POST, with the form's CSRF value, acts. The body is read
within the site's limit (413 past it); an expired form says how to try again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.context import Site
from bot.web.render import View, answer_form, message

MAX_TOKEN = 1000  # longer than any token rxradar signs: the rest of a damaged link is noise
Handler = Callable[[Request], Awaitable[Response]]
Act = Callable[[Site, str, bool], View]  # (site, token, posted) → the page


def form_fields(body: bytes) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each)."""
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def damaged(token: str) -> View | None:
    """The page for a token too long to be one of ours, or None."""
    if len(token) > MAX_TOKEN:
        return message(400, "Link not valid", "This link is damaged; copy the whole link.")
    return None


def link_endpoint(site: Site, act: Act) -> Handler:
    """GET and POST of `/…/<token>`: `act` runs in a thread with posted=True only for a
    POST whose CSRF value is valid."""

    async def endpoint(request: Request) -> Response:
        post = request.method == "POST"
        if post:
            try:
                body = await read_body(request, site.settings.web.max_body)
            except BodyTooLarge as exc:
                return too_large(exc)
            if not site.csrf.valid(request, form_fields(body).get("csrf", "")):
                expired = message(403, "Form expired", "Reload this page and press the button "
                                  "again (cookies must be enabled).")  # fmt: skip
                return answer_form(site, request, expired)
        view = await run_in_threadpool(act, site, request.path_params["token"], post)
        return answer_form(site, request, view)

    return endpoint
