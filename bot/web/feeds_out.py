"""Feeds out: a journal's (or private profile's) top matches as RSS 2.0 and JSON Feed 1.1.

RSS is built with feedgen (escaping and dates done by a maintained library); JSON Feed is
JSON, so a dict with the spec's fields. Both answer conditional requests, so a reader
polling every few minutes costs one index lookup until the scores change.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any

from feedgen.feed import FeedGenerator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.digest.numbers import format_probability
from bot.store.site_queries import ProfileCard, freshness, journal_by_slug
from bot.web import private
from bot.web.conditional import is_fresh, not_modified, validators, with_validators
from bot.web.context import Site
from bot.web.listing import Entry, Filters, Listing, build_listing

FEED_ITEMS = 50
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
Handler = Callable[[Request], Awaitable[Response]]


def routes(site: Site) -> list[Route]:
    return [
        Route("/journals/{slug}/feed.rss", _endpoint(site, _journal, "rss"), methods=["GET"]),
        Route("/journals/{slug}/feed.json", _endpoint(site, _journal, "json"), methods=["GET"]),
        Route("/profiles/{token}/feed.rss", _endpoint(site, _profile, "rss"), methods=["GET"]),
        Route("/profiles/{token}/feed.json", _endpoint(site, _profile, "json"), methods=["GET"]),
    ]


Find = Callable[[Site, Request], tuple[ProfileCard | None, str]]


def _journal(site: Site, request: Request) -> tuple[ProfileCard | None, str]:
    with site.store.session() as session:
        card = journal_by_slug(session, request.path_params["slug"])
    return card, f"/journals/{card.slug}" if card else ""


def _profile(site: Site, request: Request) -> tuple[ProfileCard | None, str]:
    token = request.path_params["token"]
    with site.store.session() as session:
        opened = private.open_profile(session, site.secret, token, site.now())
    return (None, "") if isinstance(opened, str) else (opened.card, f"/profiles/{token}")


def _endpoint(site: Site, find: Find, kind: str) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(_answer, site, request, find, kind)

    return endpoint


def _answer(site: Site, request: Request, find: Find, kind: str) -> Response:
    card, base = find(site, request)
    if card is None:
        return PlainTextResponse("no such feed: check the link\n", status_code=404)
    custom = card.summary.kind == "custom"
    scope = "private" if custom else "public"
    with site.store.session() as session:
        fresh = freshness(session)
        found = validators(
            fresh, f"{scope}, max-age={site.settings.web.cache_seconds}", request.url.path
        )
        if is_fresh(request, found):
            return not_modified(found)
        filters = Filters(days=site.settings.model.window_days, per_page=FEED_ITEMS)
        listing = build_listing(session, card, filters, site.today(), site.memo, fresh.marker)
    public = site.links.public_url
    if kind == "rss":
        body, media = rss_feed(listing, public + base), "application/rss+xml; charset=utf-8"
    else:
        body, media = json_feed(listing, public + base), "application/feed+json; charset=utf-8"
    response = Response(body, media_type=media)
    if custom:
        response.headers["Referrer-Policy"] = "no-referrer"
    return with_validators(response, found)


def describe(entry: Entry, listing: Listing) -> str:
    """'52.3% match · Top 0.1% of the last 90 days · 870× the average preprint. Authors…'"""
    probability, top, lift = entry.texts
    parts = [f"{probability} match for {listing.name}"]
    if top != "–":
        parts.append(f"{top} of the last {listing.filters.days} days' preprints")
    if lift != "–":
        parts.append(lift)
    p = entry.preprint
    facts = " · ".join(x for x in (p.posted.isoformat(), entry.server, p.category, p.doi) if x)
    text = f"{' · '.join(parts)}.\n{'; '.join(p.authors)}\n{facts}"
    return f"{text}\n\n{p.abstract}" if p.abstract else text


def _about(listing: Listing) -> str:
    text = (
        f"Preprints of the last {listing.filters.days} days ranked by how well they match "
        f"{listing.name}, based on {listing.n_papers:,} papers."
    )
    if listing.average is not None:
        average = format_probability(listing.average)
        text += f" The average preprint's match score is {average}."
    return text


def _published(entry: Entry) -> datetime:
    return datetime.combine(entry.preprint.posted, time(0), UTC)


def rss_feed(listing: Listing, page: str) -> bytes:
    feed = FeedGenerator()
    feed.title(f"{listing.name}: best-matching preprints (rxradar)")
    feed.link(href=page, rel="alternate")
    feed.link(href=f"{page}/feed.rss", rel="self")
    feed.description(_about(listing))
    feed.language("en")
    feed.generator("rxradar")
    feed.lastBuildDate(datetime.now(UTC))
    for entry in listing.entries:
        item = feed.add_entry(order="append")
        item.title(f"{entry.rank}. {entry.preprint.title}")
        item.guid(f"rxradar:{entry.preprint.id}", permalink=False)
        if entry.link:
            item.link(href=entry.link)
        item.description(describe(entry, listing))
        item.pubDate(_published(entry))
        if entry.preprint.category:
            item.category(term=entry.preprint.category)
    rss: bytes = feed.rss_str(pretty=False)
    return rss


def json_feed(listing: Listing, page: str) -> bytes:
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": f"{listing.name}: best-matching preprints (rxradar)",
        "home_page_url": page,
        "feed_url": f"{page}/feed.json",
        "description": _about(listing),
        "language": "en",
        "items": [_json_item(entry, listing) for entry in listing.entries],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _json_item(entry: Entry, listing: Listing) -> dict[str, Any]:
    p = entry.preprint
    item: dict[str, Any] = {
        "id": f"rxradar:{p.id}",
        "title": f"{entry.rank}. {p.title}",
        "content_text": describe(entry, listing),
        "summary": " · ".join(x for x in entry.texts if x != "–"),
        "date_published": _published(entry).isoformat(),
        "authors": [{"name": name} for name in p.authors],
        "tags": [p.category] if p.category else [],
        "_rxradar": entry.to_json(),
    }
    if entry.link:
        item["url"] = entry.link
    if p.doi:
        item["external_url"] = f"https://doi.org/{p.doi}"
    return item
