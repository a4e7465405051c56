"""/feedback/vote/<token> and /feedback/reset/<token>: the emailed 👍/👎 and reset links.

GET shows one button and changes nothing (mail scanners follow links); the button's POST,
with the form's CSRF value, acts. A vote link counts once: used again (a replay, or
after a reset) it changes nothing. A damaged, forged, expired or wrong-purpose token gets
400 and changes nothing either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import subscribing
from bot.delivery.links import FEEDBACK_RESET_PATH, VOTE_PATH
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import TokenError
from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.context import Site
from bot.web.render import View, answer_form, message

MAX_TOKEN = 1000
BOTH = ["GET", "POST"]
Handler = Callable[[Request], Awaitable[Response]]
Act = Callable[[Site, str, bool], View]
WORDS = {1: "👍 more like this", -1: "👎 less like this"}


def routes(site: Site) -> list[Route]:
    return [
        Route(f"{VOTE_PATH}{{token}}", _endpoint(site, vote_page), methods=["GET", "POST"]),
        Route(
            f"{FEEDBACK_RESET_PATH}{{token}}", _endpoint(site, reset_page), methods=["GET", "POST"]
        ),
    ]


def _fields(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _endpoint(site: Site, act: Act) -> Handler:
    async def endpoint(request: Request) -> Response:
        post = request.method == "POST"
        if post:
            try:
                body = await read_body(request, site.settings.web.max_body)
            except BodyTooLarge as exc:
                return too_large(exc)
            if not site.csrf.valid(request, _fields(body).get("csrf", "")):
                expired = message(403, "Form expired", "Reload this page and press the button "
                                  "again (cookies must be enabled).")  # fmt: skip
                return answer_form(site, request, expired)
        token = request.path_params["token"]
        view = await run_in_threadpool(act, site, token, post)
        return answer_form(site, request, view)

    return endpoint


def _invalid(exc: TokenError) -> View:
    return message(400, "Link not valid", f"{str(exc).capitalize()}.")


def _digest_of(record: SubscriptionRecord) -> str:
    return f"your {record.rules.cadence.kind} digest for {record.names}"


def vote_page(site: Site, token: str, post: bool) -> View:
    if len(token) > MAX_TOKEN:
        return message(400, "Link not valid", "This link is damaged; copy the whole link.")
    try:
        link = subscribing.open_vote_link(site.store, site.links, token, site.now())
    except TokenError as exc:
        return _invalid(exc)
    word, where = WORDS[link.value], _digest_of(link.record)
    if not post:
        return View("ask.html.j2", {
            "title": "Your feedback",
            "question": f"Record {word} for “{link.title}” in {where}?",
            "button": f"Yes: {word}",
            "note": "Your votes re-rank this digest for you only: similar preprints move up "
            "(or down). The match percentages stay the journal's.",
        })  # fmt: skip
    if not subscribing.use_vote_link(site.store, link, token, site.now()):
        return message(200, "Already recorded", "This link was used before, so nothing "
                       "changed. Use the links in your newest digest to vote again.")  # fmt: skip
    return message(
        200, "Thanks", f"Recorded {word} for “{link.title}”. {where.capitalize()} will rank "
        "similar preprints accordingly, starting with the next one.",
    )  # fmt: skip


def reset_page(site: Site, token: str, post: bool) -> View:
    if len(token) > MAX_TOKEN:
        return message(400, "Link not valid", "This link is damaged; copy the whole link.")
    try:
        record = subscribing.open_reset_link(site.store, site.links, token, site.now())
    except TokenError as exc:
        return _invalid(exc)
    where = _digest_of(record)
    if not post:
        return View("ask.html.j2", {
            "title": "Reset your feedback",
            "question": f"Forget every 👍/👎 given on {where}?",
            "button": "Yes, reset my feedback",
            "note": "The digest will be ranked by the journal's match alone, as for a new "
            "subscriber. Nothing changes until you press the button.",
        })  # fmt: skip
    forgotten = subscribing.reset_feedback(site.store, record.id)
    votes = f"{forgotten} vote{'' if forgotten == 1 else 's'}"
    return message(200, "Feedback reset", f"Forgot {votes}: {where} is ranked by the "
                   "journal's match alone again.")  # fmt: skip
