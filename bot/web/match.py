"""`/match`: paste a title and abstract, or a DOI/URL, and see which journals fit it.

The same `match_paper` answers the form and `POST /api/match`. The pasted text is scored in
memory and never stored or logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.feeds.fetch import FetchError
from bot.jobs import biorxiv_api
from bot.matching.lookup import fetched_paper, stored_paper
from bot.matching.match import MatchRow, TooFewKnownWords, match_rows
from bot.records.doi import preprint_key
from bot.records.paper import Paper
from bot.store.site_queries import Freshness, slug_of
from bot.web import private
from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.context import Site, client_of
from bot.web.render import View, answer_form, answer_page, message

log = logging.getLogger(__name__)

MATCH_SHOWN = 10
MAX_TEXT = 20_000  # characters: a long abstract is 3,000


class MatchProblem(ValueError):
    """The request cannot be matched; the message says what to send instead."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MatchResult:
    paper: Paper
    model_version: str
    journals: tuple[tuple[MatchRow, str], ...]  # (row, page URL)
    custom: tuple[tuple[MatchRow, str], ...]


def paper_to_match(site: Site, text: str, doi_or_url: str) -> Paper:
    """The paper a request names: pasted text, or a DOI/URL (stored, else fetched)."""
    text, doi_or_url = text.strip(), doi_or_url.strip()
    if bool(text) == bool(doi_or_url):
        raise MatchProblem("give either a title and abstract, or a DOI or preprint URL")
    if text:
        if len(text) > MAX_TEXT:
            raise MatchProblem(f"the text is too long: paste at most {MAX_TEXT:,} characters")
        if len(text.split()) < 3:
            raise MatchProblem("the text is too short to match: paste a title and abstract")
        return Paper(title="", abstract=text)
    doi = preprint_key(doi_or_url)
    if doi is None:
        raise MatchProblem(
            f"there is no DOI in {doi_or_url[:200]!r}: paste a DOI (10.1101/…) "
            "or a bioRxiv/medRxiv link, or the title and abstract"
        )
    stored = stored_paper(site.store, doi)
    if stored is not None:
        return stored
    try:
        with biorxiv_api(site.settings) as api:
            fetched = fetched_paper(api, doi)
    except FetchError as exc:
        log.warning("fetching %s for /match failed: %s", doi, exc)
        raise MatchProblem(
            f"bioRxiv could not be reached to look up {doi}; try again later "
            "or paste the title and abstract",
            status=502,
        ) from None
    if fetched is None:
        raise MatchProblem(
            f"{doi} is not a bioRxiv or medRxiv preprint rxradar can find; "
            "paste its title and abstract instead",
            status=404,
        )
    return fetched


def match_paper(site: Site, paper: Paper, opened: dict[int, str]) -> MatchResult:
    from bot.matching.scorer import load_active_model

    try:
        active = load_active_model(site.store)
    except (OSError, ValueError) as exc:
        log.error("the active model cannot be loaded: %s", exc)
        active = None
    if active is None:
        raise MatchProblem(
            "there is no trained model to match with yet; whoever runs rxradar "
            "needs to run `rxradar train`",
            status=503,
        )
    try:
        rows = match_rows(site.store, active, paper)
    except TooFewKnownWords as exc:
        raise MatchProblem(str(exc), status=400) from None
    with site.store.session() as session:
        keys = _keys(session, [r.profile_id for r in rows[:MATCH_SHOWN] if r.profile_id])
    journals = tuple(
        (r, f"/journals/{slug_of(keys[r.profile_id])}" if r.profile_id in keys else "")
        for r in rows
        if r.kind == "journal"
    )[:MATCH_SHOWN]
    custom = tuple(
        (r, f"/profiles/{opened[r.profile_id]}")
        for r in rows
        if r.kind == "custom" and r.profile_id in opened
    )
    return MatchResult(paper, active.version, journals, custom)


def _keys(session: Session, ids: list[int]) -> dict[int, str]:
    from bot.store.profiles import profile_summary

    found = {i: profile_summary(session, i) for i in ids}
    return {i: s.key for i, s in found.items() if s is not None}


# ---------------------------------------------------------------- the form


def routes(site: Site) -> list[Route]:
    async def form(request: Request) -> Response:
        if request.method == "GET":
            return await run_in_threadpool(_form_page, site, request)
        try:
            body = await read_body(request, site.settings.web.max_body)
        except BodyTooLarge as exc:
            return too_large(exc)
        return await run_in_threadpool(_answer, site, request, body)

    return [Route("/match", form, methods=["GET", "POST"])]


def _form_page(site: Site, request: Request) -> Response:
    def build(session: Session, fresh: Freshness) -> View:
        return View("match.html.j2", _form_values(fresh.model_version))

    return answer_page(site, request, build)


def _form_values(model_version: str | None, text: str = "", doi: str = "") -> dict[str, object]:
    return {
        "title": "Where might this paper land?",
        "text": text,
        "doi": doi,
        "result": None,
        "problem": None,
        "model_version": model_version,
    }


def _answer(site: Site, request: Request, body: bytes) -> Response:
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if not site.csrf.valid(request, fields.get("csrf", "")):
        return answer_form(
            site,
            request,
            message(
                403,
                "Form expired",
                "This form has expired or did not come from this site. Reload the page and try "
                "again (cookies must be enabled).",
                back=("Match a paper", "/match"),
            ),
        )
    if not site.matches.allow(client_of(request), site.now()):
        return answer_form(
            site,
            request,
            message(
                429,
                "Too many requests",
                "You matched many papers in a short time; wait a while and try again.",
            ),
        )
    text, doi = fields.get("text", ""), fields.get("doi", "")
    values = _form_values(None, text[:MAX_TEXT], doi[:500])
    try:
        paper = paper_to_match(site, text, doi)
        with site.store.session() as session:
            seen = private.visible(session, site.secret, request, site.now())
        opened = {o.card.summary.id: o.token for o in seen}
        result = match_paper(site, paper, opened)
    except MatchProblem as exc:
        values["problem"] = f"{str(exc)[0].upper()}{str(exc)[1:]}."
        return answer_form(site, request, View("match.html.j2", values, exc.status))
    values.update(result=result, model_version=result.model_version)
    return answer_form(site, request, View("match.html.j2", values))
