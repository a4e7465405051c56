"""The JSON API: journals, a journal's ranked preprints, a preprint's journals, match.

Read-only GETs answer conditional requests (ETag/Last-Modified → 304) and may be cached
publicly for `RXRADAR_WEB_CACHE_SECONDS`. Custom profiles are never listed here. Errors are
`{"error": "what is wrong; what to send instead"}` with a 4xx/5xx status. The routes and
parameters are described in `/api/openapi.json` (bot/web/openapi.py).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.matching.window import shown_in_window
from bot.store.profiles import ProfileSummary
from bot.store.scores import profile_stats
from bot.store.site_queries import (
    Freshness,
    ProfileCard,
    busiest_journals,
    freshness,
    journal_by_slug,
    preprint_fits,
    publishers,
    slug_of,
    stored_preprint,
)
from bot.web.body import BodyTooLarge, read_body
from bot.web.conditional import is_fresh, not_modified, validators, with_validators
from bot.web.context import Site, client_of
from bot.web.listing import API_MAX_LIMIT, QueryError, api_filters, build_listing, search_journals
from bot.web.match import MatchProblem, match_paper, paper_to_match
from bot.web.openapi import openapi_document

Handler = Callable[[Request], Awaitable[Response]]
Read = Callable[[Site, Request, Session, Freshness], Any]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(site: Site) -> list[Route]:
    return [
        Route("/api/openapi.json", _openapi(site), methods=["GET"]),
        Route("/api/journals", _get(site, journals), methods=["GET"]),
        Route("/api/journals/{slug}/preprints", _get(site, journal_preprints), methods=["GET"]),
        Route("/api/preprints/{pid:path}/journals", _get(site, preprint_journals), methods=["GET"]),
        Route("/api/match", _match(site), methods=["POST"]),
    ]


def _get(site: Site, read: Read) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(_answer, site, request, read)

    return endpoint


def _answer(site: Site, request: Request, read: Read) -> Response:
    with site.store.session() as session:
        fresh = freshness(session)
        found = validators(
            fresh,
            f"public, max-age={site.settings.web.cache_seconds}",
            request.url.path,
            request.url.query,
        )
        if is_fresh(request, found):
            return not_modified(found)
        try:
            body = read(site, request, session, fresh)
        except (ApiError, QueryError) as exc:
            status = exc.status if isinstance(exc, ApiError) else 400
            return error(status, str(exc))
    return with_validators(JSONResponse(body), found)


def _journal_json(
    site: Site, profile: ProfileSummary, publisher: str | None = None
) -> dict[str, Any]:
    slug = slug_of(profile.key)
    base = f"{site.links.public_url}/journals/{slug}"
    return {
        "name": profile.name,
        "slug": slug,
        "papers": profile.n_papers,
        "publisher": publisher,
        "issns": list(profile.issns),
        "url": base,
        "rss": f"{base}/feed.rss",
        "json_feed": f"{base}/feed.json",
    }


def journals(site: Site, request: Request, session: Session, fresh: Freshness) -> dict[str, Any]:
    query = (request.query_params.get("q") or "").strip()
    raw = request.query_params.get("limit") or "20"
    if not raw.isdigit() or not 1 <= int(raw) <= API_MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {API_MAX_LIMIT}")
    limit = int(raw)
    if len(query) > 200:
        raise ApiError(400, "q is too long (at most 200 characters)")
    if query:
        found = search_journals(session, site.memo, fresh.marker, query, limit)
    else:
        found = busiest_journals(session, limit)
    found = found[:limit]
    known = publishers(session, [p.id for p in found])
    return {
        "query": query or None,
        "journals": [_journal_json(site, p, known.get(p.id)) for p in found],
    }


def _card(session: Session, slug: str) -> ProfileCard:
    card = journal_by_slug(session, slug)
    if card is None:
        raise ApiError(
            404, f"no journal has the slug {slug[:100]!r}; find it with /api/journals?q="
        )
    return card


def journal_preprints(
    site: Site, request: Request, session: Session, fresh: Freshness
) -> dict[str, Any]:
    card = _card(session, request.path_params["slug"])
    filters = api_filters(dict(request.query_params))
    listing = build_listing(session, card, filters, site.today(), site.memo, fresh.marker)
    return {
        "journal": _journal_json(site, card.summary, card.publisher),
        "days": filters.days,
        "server": filters.server,
        "category": filters.category,
        "based_on_papers": listing.n_papers,
        "average_probability": listing.average,
        "matching": listing.matching_total,
        "matching_capped": listing.facets.capped,
        "preprints": [e.to_json() for e in listing.entries],
    }


def preprint_journals(
    site: Site, request: Request, session: Session, fresh: Freshness
) -> dict[str, Any]:
    pid = request.path_params["pid"]
    record = stored_preprint(session, pid) if len(pid) <= 300 else None
    if record is None:
        raise ApiError(404, "rxradar has not seen this preprint; POST its text to /api/match")
    fits = [f for f in preprint_fits(session, record.id) if f.kind == "journal"]
    window = profile_stats(session, [f.profile_id for f in fits])
    return {
        "preprint": {
            "id": record.id,
            "title": record.title,
            "doi": record.doi,
            "server": record.server,
            "date": record.posted.isoformat(),
        },
        "journals": [
            {
                "rank": f.rank,
                "journal": f.name,
                "slug": slug_of(f.key),
                **shown_in_window(f.probability, window.get(f.profile_id)).to_json(),
            }
            for f in fits
        ],
    }


def _match(site: Site) -> Handler:
    async def endpoint(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return error(415, "send the request as JSON (Content-Type: application/json)")
        try:
            raw = await read_body(request, site.settings.web.max_body)
        except BodyTooLarge as exc:
            return error(413, f"payload too large: send at most {exc.limit} bytes")
        if not site.matches.allow(client_of(request), site.now()):
            return error(429, "too many match requests from your address; wait and retry")
        return await run_in_threadpool(_match_answer, site, raw)

    return endpoint


def _match_answer(site: Site, raw: bytes) -> Response:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error(
            400, 'the body is not JSON: send {"title": ..., "abstract": ...} or {"doi": ...}'
        )
    if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
        return error(400, 'send an object of strings: {"title", "abstract"}, {"text"} or {"doi"}')
    text = body.get("text") or f"{body.get('title', '')}\n{body.get('abstract', '')}".strip()
    try:
        paper = paper_to_match(site, text, body.get("doi") or body.get("url") or "")
        result = match_paper(site, paper, {})
    except MatchProblem as exc:
        return error(exc.status, str(exc))
    public = site.links.public_url
    return JSONResponse(
        {
            "paper": {"title": paper.title or None, "doi": paper.doi},
            "model_version": result.model_version,
            "journals": [
                {**row.to_json(), "url": public + url if url else None}
                for row, url in result.journals
            ],
        },
        headers={"Cache-Control": "no-store"},
    )


def _openapi(site: Site) -> Handler:
    async def endpoint(request: Request) -> Response:
        document = openapi_document(site.links.public_url)
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})

    return endpoint
