"""Custom profiles seen through their signed links, and remembered by the browser.

Opening a profile's private link stores its token in a cookie, so the same browser sees
that profile among the search results, on preprint pages and in the match form: "the
custom profiles the viewer may see". The server stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bot.delivery.links import binding_matches, profile_id_of
from bot.store.site_queries import ProfileCard, profile_card
from bot.tokens import TokenError

COOKIE = "rxradar_profiles"
MAX_REMEMBERED = 8
MAX_TOKEN = 400
MAX_AGE = 400 * 86400


@dataclass(frozen=True)
class Opened:
    card: ProfileCard
    token: str


def open_profile(session: Session, secret: str, token: str, now: datetime) -> Opened | str:
    """The custom profile a token opens, or why it does not (a sentence for the reader)."""
    if len(token) > MAX_TOKEN:
        return "This link is damaged; copy the whole link."
    try:
        profile_id, binding = profile_id_of(secret, token, now)
    except TokenError as exc:
        return f"{str(exc).capitalize()}."
    card = profile_card(session, profile_id)
    if card is None or not binding_matches(card.summary, binding):
        return "This link is for a profile that no longer exists."
    return Opened(card, token)


def remembered(request: Request) -> list[str]:
    raw = request.cookies.get(COOKIE, "")
    return [t for t in raw.split("~") if t and len(t) <= MAX_TOKEN][:MAX_REMEMBERED]


def visible(session: Session, secret: str, request: Request, now: datetime) -> list[Opened]:
    """The custom profiles whose links this browser opened (still valid ones only)."""
    found = [open_profile(session, secret, token, now) for token in remembered(request)]
    return [o for o in found if isinstance(o, Opened)]


def remember(request: Request, response: Response, token: str, secure: bool) -> None:
    tokens = remembered(request)
    if token in tokens:
        return
    kept = [token, *tokens][:MAX_REMEMBERED]
    response.set_cookie(
        COOKIE,
        "~".join(kept),
        max_age=MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
