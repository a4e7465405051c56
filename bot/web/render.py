"""HTML answers: `templates/web/` rendered by the one Jinja environment (`bot.templating`,
HTML-escaped), and the conditional-GET + CSRF-cookie wrapping every page goes through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.store.site_queries import Freshness, freshness
from bot.templating import render
from bot.web.conditional import is_fresh, not_modified, validators, with_validators
from bot.web.context import Site

PAGE_CACHE = "private, no-cache"  # pages embed the visitor's form value: revalidate, 304


@dataclass(frozen=True)
class View:
    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    private_link: bool = False  # reached through a signed link: never leak it as a Referer


def render_html(site: Site, view: View, form_value: str) -> HTMLResponse:
    values = {
        "csrf_field": "csrf",
        "csrf_value": form_value,
        "slack_install_url": site.slack_install_url,
        "model_version": None,
        **view.values,
    }
    html = render(f"web/{view.template}", **values)
    response = HTMLResponse(html, status_code=view.status)
    response.headers["Vary"] = "Cookie"
    if view.private_link:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


Build = Callable[[Session, Freshness], View]


def answer_page(site: Site, request: Request, build: Build, *parts: object) -> Response:
    """A GET page: 304 when the visitor's copy is current, else `build` renders it.

    Runs in the thread pool (it reads the database).
    """
    cookie, new = site.csrf.cookie(request)
    form_value = site.csrf.form_value(cookie)
    with site.store.session() as session:
        fresh = freshness(session)
        found = validators(
            fresh, PAGE_CACHE, request.url.path, request.url.query, form_value, *parts
        )
        if is_fresh(request, found):
            response: Response = not_modified(found)
        else:
            view = build(session, fresh)
            response = render_html(site, view, form_value)
            if view.status == 200:
                with_validators(response, found)
            else:
                response.headers["Cache-Control"] = "no-store"
    if new:
        site.csrf.set_cookie(response, cookie)
    return response


def answer_form(site: Site, request: Request, view: View) -> Response:
    """The page a POST answers with (never cached); keeps the visitor's CSRF cookie."""
    cookie, new = site.csrf.cookie(request)
    response = render_html(site, view, site.csrf.form_value(cookie))
    response.headers["Cache-Control"] = "no-store"
    if new:
        site.csrf.set_cookie(response, cookie)
    return response


def message(status: int, title: str, text: str, **more: Any) -> View:
    return View("message.html.j2", {"title": title, "message": text, **more}, status)


def query_of(request: Request) -> Mapping[str, str]:
    return {k: v for k, v in request.query_params.items()}
