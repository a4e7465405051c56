"""/confirm/<token> and /unsubscribe/<token>: signed links from emails and messages.

GET only shows what the link would do (mail scanners prefetch links); POST acts. A POST
whose body is `List-Unsubscribe=One-Click` (RFC 8058, sent by mail clients) unsubscribes
without a page. A malformed, forged, expired or wrong-purpose token gets 400, a token whose
subscriber or subscription no longer matches gets 404, and neither changes anything.
Nothing here redirects, and every value on a page is escaped by Jinja.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import subscribing
from bot.config import LinkSettings
from bot.records.rules import DigestRules, RulesError, parse_rules
from bot.records.target import Target
from bot.store import Store
from bot.store import subscriptions as subs
from bot.templating import render as render_template
from bot.tokens import CONFIRM, UNSUBSCRIBE, TokenClaims, TokenError, binding_for, verify_token
from bot.web.body import BodyTooLarge, read_body, too_large

MAX_TOKEN_LENGTH = 1000
MAX_LINK_BODY = 4 * 1024  # a one-click unsubscribe body is 26 bytes
ONE_CLICK = b"List-Unsubscribe=One-Click"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Page:
    status: int
    template: str
    values: dict[str, Any]


def render(page: Page) -> HTMLResponse:
    html = render_template(f"web/{page.template}", **page.values)
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    )
    return HTMLResponse(html, status_code=page.status, headers=headers)


def problem(status: int, title: str, message: str) -> Page:
    return replace(_result(title, message), status=status)


def routes(links_settings: LinkSettings, store: Store) -> list[Route]:
    links = Links(links_settings, store)
    return [
        Route("/unsubscribe/{token}", _endpoint(links.unsubscribe), methods=["GET", "POST"]),
        Route("/confirm/{token}", _endpoint(links.confirm), methods=["GET", "POST"]),
    ]


def _endpoint(act: Callable[[str, bool, bytes], Page | Response]) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:  # the only body is `List-Unsubscribe=One-Click` or the page's own empty form
            body = await read_body(request, MAX_LINK_BODY) if request.method == "POST" else b""
        except BodyTooLarge as exc:
            return too_large(exc)
        token = request.path_params["token"]
        result = await run_in_threadpool(act, token, request.method == "POST", body)
        return result if isinstance(result, Response) else render(result)

    return endpoint


class Links:
    """The two link kinds; `now` is injectable so tests can check expiry."""

    def __init__(self, links: LinkSettings, store: Store,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:  # fmt: skip
        self.links = links
        self.store = store
        self.now = now

    def _verify(self, purpose: str, token: str) -> TokenClaims | Page:
        if len(token) > MAX_TOKEN_LENGTH:
            return problem(400, "Link not valid", "This link is damaged; copy the whole link.")
        secret = self.links.secret.get()
        try:
            claims = verify_token(secret, purpose, token, self.now())
        except TokenError as exc:
            return problem(400, "Link not valid", f"{str(exc).capitalize()}.")
        return claims

    def unsubscribe(self, token: str, post: bool, body: bytes) -> Page | Response:
        claims = self._verify(UNSUBSCRIBE, token)
        if isinstance(claims, Page):
            return claims
        with self.store.session() as session:
            record = subs.subscription(session, claims.subject)
        if record is None or binding_for(record.target.key) != claims.binding:
            return problem(404, "Subscription not found",
                           "This link does not match any subscription.")  # fmt: skip
        if not post:
            return _unsubscribe_page(record, done=not record.active)
        subscribing.unsubscribe_by_token(self.store, self.links, token, self.now())
        if body.strip() == ONE_CLICK:
            return PlainTextResponse("unsubscribed\n")
        return _unsubscribe_page(record, done=True)

    def confirm(self, token: str, post: bool, body: bytes) -> Page | Response:
        claims = self._verify(CONFIRM, token)
        if isinstance(claims, Page):
            return claims
        with self.store.session() as session:
            key = subs.subscriber_key(session, claims.subject)
            records = subs.subscriptions(session, target=Target.from_key(key)) if key else []
        if key is None or binding_for(key) != claims.binding:
            return problem(404, "Address not found",
                           "This link does not match any pending subscription.")  # fmt: skip
        confirmed = bool(records) and all(r.confirmed for r in records)
        if post:
            instant = [r for r in records if r.rules.instant]
            try:
                alerts = _alert_settings(body, instant)
            except RulesError as exc:
                return problem(400, "Please check the quiet hours",
                               f"{exc}. Nothing was changed; go back and try again.")  # fmt: skip
            subscribing.set_alert_hours(self.store, alerts)
            subscribing.confirm(self.store, self.links, token, self.now())
        return _confirm_page(Target.from_key(key), records, done=post or confirmed)


def _alert_settings(
    body: bytes, instant: list[subs.SubscriptionRecord]
) -> list[tuple[int, DigestRules]]:
    """The quiet hours and time zone the confirmation form gave the instant subscriptions."""
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    given = {name: form[name].strip() for name in ("quiet", "tz") if form.get(name, "").strip()}
    return [(r.id, parse_rules(given, base=r.rules)) for r in instant] if given else []


def _result(title: str, message: str, note: str = "") -> Page:
    return Page(200, "result.html.j2", {"title": title, "message": message, "note": note})


def _question(
    title: str, question: str, button: str, note: str, details: list[str],
    fields: list[dict[str, str]] | None = None,
) -> Page:  # fmt: skip
    values = {"title": title, "question": question, "details": details, "button": button,
              "note": note, "fields": fields or []}  # fmt: skip
    return Page(200, "question.html.j2", values)


def _unsubscribe_page(record: subs.SubscriptionRecord, done: bool) -> Page:
    target, journals = record.target.describe(), record.names
    if done:
        return _result(
            "Unsubscribed",
            f"{target} will get no more digests for {journals}.",
            "Changed your mind? Subscribe again from Slack or ask whoever set it up.",
        )
    return _question(
        "Unsubscribe?",
        f"Stop sending {target} the digest for {journals}?",
        "Unsubscribe",
        "Nothing changes until you press the button.",
        [],
    )


def _confirm_page(target: Target, records: list[subs.SubscriptionRecord], done: bool) -> Page:
    address = target.describe()
    if done:
        return _result(
            "Confirmed",
            f"{address} is confirmed: its digests start with the next scheduled one.",
            "Every digest has an unsubscribe link.",
        )
    instant = [r for r in records if r.rules.instant]
    fields = [
        {"name": "quiet", "label": "Quiet hours for instant alerts (optional), e.g. 22:00-07:00",
         "value": instant[0].rules.quiet or ""},
        {"name": "tz", "label": "Your time zone", "value": instant[0].rules.cadence.tz},
    ] if instant else []  # fmt: skip
    return _question(
        "Confirm your digest",
        f"Someone asked for rxradar preprint digests to be sent to {address}:",
        "Yes, send me these digests",
        "If you did not ask for this, ignore this page: nothing will be sent.",
        [f"{r.names} ({r.rules.cadence.kind})" for r in records],
        fields,
    )
