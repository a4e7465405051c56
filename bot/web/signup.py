""" "Subscribe by email" on a journal page: double opt-in, rate-limited.

The edge of `subscribing.sign_up`: a sign-up is stored paused ("waiting for email
confirmation") and emailed a link bound to that one subscription; only a POST from that
link starts the digest (and confirms the address). Every request gets the same answer
whether or not the address is known, so the form tells nobody who subscribes to what.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import subscribing
from bot.records.rules import DigestRules, RulesError, parse_rules
from bot.records.target import Target
from bot.store.profiles import ProfileSummary
from bot.store.signups import PENDING
from bot.store.site_queries import journal_by_slug
from bot.tokens import TokenError
from bot.web import private
from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.context import Site, client_of
from bot.web.link_pages import damaged, form_fields, link_endpoint
from bot.web.render import View, answer_form, message

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
MAX_ADDRESS = 254

Handler = Callable[[Request], Awaitable[Response]]
Act = Callable[[Site, Request, bytes], Response]


def routes(site: Site) -> list[Route]:
    return [
        Route("/journals/{slug}/subscribe", _post(site, _journal_signup), methods=["POST"]),
        Route("/profiles/{token}/subscribe", _post(site, _profile_signup), methods=["POST"]),
        Route(
            "/subscriptions/confirm/{token}",
            link_endpoint(site, confirm_signup),
            methods=["GET", "POST"],
        ),
    ]


def _post(site: Site, act: Act) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            body = await read_body(request, site.settings.web.max_body)
        except BodyTooLarge as exc:
            return too_large(exc)
        return await run_in_threadpool(act, site, request, body)

    return endpoint


def _journal_signup(site: Site, request: Request, body: bytes) -> Response:
    slug = request.path_params["slug"]
    with site.store.session() as session:
        card = journal_by_slug(session, slug)
    if card is None:
        view = message(404, "Journal not found", "rxradar has no journal at this address.")
        return answer_form(site, request, view)
    return _signup(site, request, body, card.summary, f"/journals/{card.slug}")


def _profile_signup(site: Site, request: Request, body: bytes) -> Response:
    token = request.path_params["token"]
    with site.store.session() as session:
        opened = private.open_profile(session, site.secret, token, site.now())
    if isinstance(opened, str):
        return answer_form(site, request, message(404, "Link not valid", opened))
    return _signup(site, request, body, opened.card.summary, f"/profiles/{token}")


def _form_rules(fields: dict[str, str]) -> DigestRules | None:
    try:
        return parse_rules({"cadence": fields.get("cadence", "weekly")})
    except RulesError:
        return None


def _signup(
    site: Site, request: Request, body: bytes, profile: ProfileSummary, back: str
) -> Response:
    fields = form_fields(body)
    view = _signup_view(site, request, fields, profile, (profile.name, back))
    return answer_form(site, request, view)


def _signup_view(
    site: Site,
    request: Request,
    fields: dict[str, str],
    profile: ProfileSummary,
    back: tuple[str, str],
) -> View:
    if not site.csrf.valid(request, fields.get("csrf", "")):
        return message(
            403, "Form expired", "This form has expired or did not come from this site. Go "
            "back, reload the page and try again (cookies must be enabled).", back=back,
        )  # fmt: skip
    address = fields.get("email", "").strip().lower()
    rules = _form_rules(fields)
    if not _EMAIL.match(address) or len(address) > MAX_ADDRESS or rules is None:
        return message(
            400, "Check the address", f"“{address[:MAX_ADDRESS]}” is not an email address: "
            "write it as name@example.org.", back=back,
        )  # fmt: skip
    if not site.signups.allow(client_of(request), site.now()):
        return message(
            429, "Too many sign-ups", "Many sign-ups came from your connection in a short "
            "time; wait an hour and try again.", back=back,
        )  # fmt: skip
    if not _sign_up(site, Target("email", address), profile, rules):
        return message(
            429, "Too many sign-ups", f"{address} was signed up several times today; open the "
            "confirmation email we already sent, or try again tomorrow.", back=back,
        )  # fmt: skip
    cadence = rules.cadence.kind
    return message(
        200, "Check your inbox", f"We sent a confirmation link to {address}. Open it to start "
        f"the {cadence} digest for {profile.name}; nothing is sent before that.", back=back,
        note="No email after a few minutes? Look in the spam folder. If the address already "
        "gets this digest, nothing changes.",
    )  # fmt: skip


def _sign_up(site: Site, target: Target, profile: ProfileSummary, rules: DigestRules) -> bool:
    return subscribing.sign_up(
        site.store, site.links, site.registry, target, profile.id, rules, site.now(),
        per_address=site.settings.web.signups_per_address,
        requester=f"Someone on {site.links.public_url}",
    )  # fmt: skip


# ---------------------------------------------------------------- the emailed link


def confirm_signup(site: Site, token: str, post: bool) -> View:
    """GET shows what the link would start (mail scanners follow links); POST starts it."""
    if (bad := damaged(token)) is not None:
        return bad
    try:
        record = subscribing.sign_up_by_token(site.store, site.links, token, site.now())
    except TokenError as exc:
        return message(400, "Link not valid", f"{str(exc).capitalize()}.")
    if record is None:
        return message(
            404, "Sign-up not found", "This link is for a sign-up that was replaced or "
            "stopped; the newest confirmation email has the link that works.",
        )  # fmt: skip
    cadence, names, address = record.rules.cadence.kind, record.names, record.target.address
    if record.paused_reason != PENDING:
        return message(200, "Confirmed", f"{address} gets the {cadence} digest for {names}.")
    if not post:
        return View("ask.html.j2", {
            "title": "Confirm your digest",
            "question": f"Start the {cadence} digest of new preprints for {names} at {address}?",
            "button": "Yes, send me this digest",
            "note": "If you did not ask for this, ignore this page: nothing will be sent.",
        })  # fmt: skip
    subscribing.start_sign_up(site.store, record, site.now())
    return message(
        200, "Confirmed", f"{address} is confirmed: the {cadence} digest for {names} starts "
        "with the next one. Every digest has an unsubscribe link.",
    )  # fmt: skip
