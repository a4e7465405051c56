"""A custom profile's edit form, reached through the owner's signed link (`PROFILE_EDIT`).

`GET /profiles/edit/<token>` shows the profile's papers count (and how many it still
needs) with a textarea; only the form's POST (CSRF-checked) adds papers, through the same
`read_pasted`/`fill_from_pasted` path as Slack's modal. A forged, expired or damaged token
answers 400 with a readable page; a token for a profile since deleted answers 404.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.delivery.links import binding_matches, profile_edit_id_of
from bot.ingest.pasted import NOTHING_FOUND, fill_from_pasted, read_pasted
from bot.ingest.profile_fill import MIN_PROFILE_PAPERS, FillReport, too_few
from bot.store.profiles import ProfileError, ProfileSummary, profile_summary
from bot.tokens import LIFETIMES, PROFILE_EDIT, TokenError
from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.context import Site
from bot.web.render import View, answer_form, message

log = logging.getLogger(__name__)

MAX_TOKEN = 400
MAX_PASTE = 20000  # characters of pasted text kept (a BibTeX file of a few dozen entries)
SHOWN_MISSING = 20


def routes(site: Site) -> list[Route]:
    return [Route("/profiles/edit/{token}", _endpoint(site), methods=["GET", "POST"])]


def _endpoint(site: Site) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        text: str | None = None
        if request.method == "POST":
            try:
                body = await read_body(request, site.settings.web.max_body)
            except BodyTooLarge as exc:
                return too_large(exc)
            fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            if not site.csrf.valid(request, fields.get("csrf", "")):
                expired = message(403, "Form expired", "This form has expired or did not come "
                                  "from this site. Reload the page and try again (cookies "
                                  "must be enabled).")  # fmt: skip
                return answer_form(site, request, expired)
            text = fields.get("papers", "")
        token = request.path_params["token"]
        view = await run_in_threadpool(edit_view, site, token, text)
        return answer_form(site, request, view)

    return endpoint


def _profile(site: Site, token: str, now: datetime) -> ProfileSummary | View:
    if len(token) > MAX_TOKEN:
        return message(400, "Link not valid", "This link is damaged; copy the whole link.")
    try:
        profile_id, binding = profile_edit_id_of(site.secret, token, now)
    except TokenError as exc:
        return message(400, "Link not valid", f"{str(exc).capitalize()}.")
    with site.store.session() as session:
        summary = profile_summary(session, profile_id)
    if summary is None or not binding_matches(summary, binding):
        return message(404, "Profile not found", "This link is for a profile that no longer "
                       "exists.")  # fmt: skip
    return summary


def edit_view(site: Site, token: str, text: str | None) -> View:
    """The form (text None: a GET, nothing changes), or the result of adding `text`."""
    now = site.now()
    found = _profile(site, token, now)
    if isinstance(found, View):
        return found
    values: dict[str, object] = {"pasted": "", "error": "", "result": "", "without_abstract": []}
    if text is not None:
        values.update(_add(site, found, text[:MAX_PASTE]))
        with site.store.session() as session:
            found = profile_summary(session, found.id) or found
    return _form(found, now, values)


def _add(site: Site, profile: ProfileSummary, text: str) -> dict[str, object]:
    pasted = read_pasted(text)
    if pasted.empty:
        return {"pasted": text, "error": NOTHING_FOUND}
    try:
        report = fill_from_pasted(site.store, site.settings, profile.name, pasted, source="web",
                                  team=profile.team, created_by="web")  # fmt: skip
    except ProfileError as exc:
        return {"pasted": text, "error": str(exc)}
    _score(site)
    return {"result": _result(report, len(pasted.citations)),
            "without_abstract": list(report.without_abstract[:SHOWN_MISSING])}  # fmt: skip


def _result(report: FillReport, n_citations: int) -> str:
    parts = []
    if report.n_works:
        parts.append(f"Of {report.n_works} works, {report.n_added} were added, "
                     f"{report.n_duplicates} were there already and "
                     f"{len(report.without_abstract)} have no abstract anywhere.")  # fmt: skip
    if n_citations:
        parts.append(f"{n_citations} papers came from the pasted citations.")
    return " ".join(parts) or "Nothing new was added."


def _score(site: Site) -> None:
    """Score the window for the changed profile now; the next poll will, if this fails."""
    from bot.matching.scorer import refresh_scores  # scikit-learn: only when scoring

    try:
        refresh_scores(site.store, site.settings.model)
    except Exception as exc:  # a missing or broken model must not lose the papers
        log.warning("could not score custom profiles now: %s", exc)


def _form(profile: ProfileSummary, now: datetime, values: dict[str, object]) -> View:
    short = profile.n_papers < MIN_PROFILE_PAPERS
    return View("profile_edit.html.j2", {
        "title": f"Add papers to {profile.name}",
        "profile_name": profile.name,
        "n_papers": profile.n_papers,
        "shortfall": too_few(profile.name, profile.n_papers) if short else "",
        "max_paste": MAX_PASTE,
        "lifetime_days": LIFETIMES[PROFILE_EDIT].days,
        **values,
    }, private_link=True)  # fmt: skip
