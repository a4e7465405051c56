"""The reader's pages: `/`, `/journals/{slug}`, `/profiles/{token}`, `/preprints/{id}`.

Server-rendered (readable without JavaScript), conditional (ETag/Last-Modified → 304), and
every value from outside escaped by Jinja. GET never changes anything on the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.matching.window import NOT_IN_MODEL, shown_in_window
from bot.records.servers import display_server
from bot.store.outcome_reports import journal_outcomes, published_in
from bot.store.profiles import ProfileSummary, search_profiles
from bot.store.scores import profile_stats
from bot.store.site_queries import (
    Freshness,
    ProfileCard,
    busiest_journals,
    journal_by_slug,
    preprint_fits,
    slug_of,
    stored_preprint,
)
from bot.web import private
from bot.web.context import Site
from bot.web.listing import (
    DAYS_CHOICES,
    Listing,
    QueryError,
    build_listing,
    matches_query,
    page_filters,
    search_journals,
)
from bot.web.render import View, answer_page, message, query_of

Handler = Callable[[Request], Awaitable[Response]]
HOME_JOURNALS = 12
SEARCH_LIMIT = 30
FITS_SHOWN = 10

OUTCOMES_SHOWN = 10  # publications listed on a journal's page
_NO_OUTCOMES: dict[str, object] = {"published": [], "outcome_precision": None}  # custom profiles


def routes(site: Site) -> list[Route]:
    return [
        Route("/", _get(site, home), methods=["GET"]),
        Route("/journals/{slug}", _get(site, journal_page), methods=["GET"]),
        Route("/profiles/{token}", _get(site, profile_page), methods=["GET"]),
        Route("/preprints/{pid:path}", _get(site, preprint_page), methods=["GET"]),
    ]


def _get(site: Site, page: Callable[[Site, Request], Response]) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(page, site, request)

    return endpoint


# ---------------------------------------------------------------- home and search


def home(site: Site, request: Request) -> Response:
    query = (request.query_params.get("q") or "").strip()[:200]

    def build(session: Session, fresh: Freshness) -> View:
        shown_custom = private.visible(session, site.secret, request, site.now())
        return View(
            "home.html.j2",
            {
                "title": "Preprints ranked for journals" if not query else f"Search: {query}",
                "query": query,
                "results": _search(site, session, fresh.marker, query, shown_custom)
                if query
                else None,
                "journals": busiest_journals(session, HOME_JOURNALS),
                "custom": [(o.card.summary, o.token) for o in shown_custom],
                "model_version": fresh.model_version,
            },
        )

    return answer_page(site, request, build, private.remembered(request))


def _search(
    site: Site, session: Session, marker: str, query: str, opened: list[private.Opened]
) -> list[tuple[ProfileSummary, str]]:
    """(profile, its page URL) for journals and the visitor's custom profiles matching."""
    found = [
        (o.card.summary, f"/profiles/{o.token}")
        for o in opened
        if matches_query(o.card.summary, query)
    ]
    for hit in search_journals(session, site.memo, marker, query, SEARCH_LIMIT):
        found.append((hit, f"/journals/{slug_of(hit.key)}"))
    return found[:SEARCH_LIMIT]


# ---------------------------------------------------------------- a journal, a custom profile


def journal_page(site: Site, request: Request) -> Response:
    slug = request.path_params["slug"]
    with site.store.session() as session:
        card = journal_by_slug(session, slug)
    if card is not None and card.slug != slug:  # an alias: one address per journal
        target = f"/journals/{card.slug}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=301)

    def build(session: Session, fresh: Freshness) -> View:
        if card is None:
            return _unknown_journal(session, slug)
        return _listing_view(site, request, session, card, fresh, f"/journals/{card.slug}")

    return answer_page(site, request, build)


def profile_page(site: Site, request: Request) -> Response:
    token = request.path_params["token"]
    with site.store.session() as session:
        opened = private.open_profile(session, site.secret, token, site.now())
    if isinstance(opened, str):
        view = message(404, "Link not valid", opened, private_link=True)
        return answer_page(site, request, lambda s, f: view)

    def build(session: Session, fresh: Freshness) -> View:
        return _listing_view(site, request, session, opened.card, fresh, f"/profiles/{token}")

    response = answer_page(site, request, build)
    private.remember(request, response, token, site.csrf.secure)
    return response


def _unknown_journal(session: Session, slug: str) -> View:
    words = slug.replace("-", " ")[:100]
    close = [p for p in search_profiles(session, words, limit=20) if p.kind == "journal"][:5]
    return message(
        404,
        "Journal not found",
        f"rxradar has no journal at this address ({slug[:100]}).",
        suggestions=[(p.name, f"/journals/{slug_of(p.key)}") for p in close],
        query=words,
    )


def _listing_view(
    site: Site,
    request: Request,
    session: Session,
    card: ProfileCard,
    fresh: Freshness,
    base: str,
) -> View:
    try:
        filters = page_filters(query_of(request))
    except QueryError as exc:
        return message(
            400, "Cannot show that", f"{str(exc).capitalize()}.", back=(card.summary.name, base)
        )
    listing = build_listing(session, card, filters, site.today(), site.memo, fresh.marker)
    custom = card.summary.kind == "custom"
    return View(
        "journal.html.j2",
        {
            "title": card.summary.name,
            "listing": listing,
            "custom": custom,
            "base": base,
            "days_choices": DAYS_CHOICES,
            "why_empty": _why_empty(listing),
            "model_version": fresh.model_version,
            **(_NO_OUTCOMES if custom else _outcomes(session, card.summary.id)),
        },
        private_link=custom,
    )


def _outcomes(session: Session, profile_id: int) -> dict[str, object]:
    """The journal's "published here" section: recent publications, weekly top-10 precision."""
    precision = journal_outcomes(session, profile_id=profile_id)
    return {
        "published": published_in(session, profile_id, OUTCOMES_SHOWN),
        "outcome_precision": precision[0] if precision and precision[0].n_top else None,
    }


def _why_empty(listing: Listing) -> str | None:
    reason = listing.why_empty
    if reason is None:
        return None
    if reason == NOT_IN_MODEL:
        return (
            f"{listing.name} is not in the active model: it has {listing.n_papers:,} papers, "
            "fewer than training needs. Whoever runs rxradar can add papers to its profile "
            "and retrain; its preprints appear here after that."
        )
    f = listing.filters
    if f.server or f.category or f.page > 1:
        return "No preprint matches these filters: choose another server or category."
    return (
        f"No scored preprints in the last {f.days} days yet. New preprints appear here "
        "after the next poll; try a longer period meanwhile."
    )


# ---------------------------------------------------------------- one preprint


def preprint_page(site: Site, request: Request) -> Response:
    pid = request.path_params["pid"]

    def build(session: Session, fresh: Freshness) -> View:
        record = stored_preprint(session, pid) if len(pid) <= 300 else None
        if record is None:
            return message(
                404,
                "Preprint not found",
                "rxradar has not seen this preprint. Match its text instead.",
                back=("Match a title and abstract", "/match"),
            )
        opened = {
            o.card.summary.id: o.token
            for o in private.visible(session, site.secret, request, site.now())
        }
        return View(
            "preprint.html.j2",
            {
                "title": record.title,
                "preprint": record,
                "server": display_server(record.server),
                "fits": _fits(session, record.id, opened),
                "model_version": fresh.model_version,
            },
        )

    return answer_page(site, request, build, private.remembered(request))


def _fits(session: Session, pid: str, opened: dict[int, str]) -> list[dict[str, object]]:
    """The journals (and visible custom profiles) this preprint fits best, with numbers."""
    fits = [f for f in preprint_fits(session, pid) if f.kind == "journal" or f.profile_id in opened]
    journals = [f for f in fits if f.kind == "journal"][:FITS_SHOWN]
    chosen = [f for f in fits if f in journals or f.kind != "journal"]
    window = profile_stats(session, [f.profile_id for f in chosen])
    rows = []
    for fit in chosen:
        url = (
            f"/journals/{slug_of(fit.key)}"
            if fit.kind == "journal"
            else f"/profiles/{opened[fit.profile_id]}"
        )
        numbers = shown_in_window(fit.probability, window.get(fit.profile_id))
        rows.append({"fit": fit, "url": url, "numbers": numbers})
    return rows
