"""Conditional GET: ETag and Last-Modified on pages, feeds and API answers, 304 when unchanged.

Validators come from `site_queries.Freshness` (the active model version, the newest score,
statistics and preprint change) plus whatever else shapes the answer (its URL, the
visitor's form token), so a feed reader polling every few minutes costs one index lookup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from bot.store.site_queries import Freshness


@dataclass(frozen=True)
class Validators:
    etag: str  # weak: the same data may be serialised differently (gzip by a proxy)
    last_modified: datetime | None
    cache_control: str

    def headers(self) -> dict[str, str]:
        found = {"ETag": self.etag, "Cache-Control": self.cache_control}
        if self.last_modified is not None:
            found["Last-Modified"] = format_datetime(self.last_modified, usegmt=True)
        return found


def validators(fresh: Freshness, cache_control: str, *parts: object) -> Validators:
    """Validators for an answer made from data as fresh as `fresh` and shaped by `parts`."""
    seed = repr((fresh.marker, datetime.now(UTC).date(), *parts)).encode()
    etag = f'W/"{hashlib.sha256(seed).hexdigest()[:24]}"'
    modified = fresh.changed_at.replace(microsecond=0) if fresh.changed_at else None
    return Validators(etag, modified, cache_control)


def _matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or wanted in tags


def is_fresh(request: Request, found: Validators) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _matches(if_none_match, found.etag)
    since = request.headers.get("if-modified-since")
    if since is None or found.last_modified is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return client.tzinfo is not None and found.last_modified <= client


def not_modified(found: Validators) -> Response:
    return Response(status_code=304, headers=found.headers())


def with_validators(response: Response, found: Validators) -> Response:
    response.headers.update(found.headers())
    return response
