"""What every web route shares: settings, store, keys, limits, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from starlette.requests import Request

from bot.channels.registry import Registry, live
from bot.config import LinkSettings, Settings
from bot.store import Store
from bot.web.listing import Memo
from bot.web.ratelimit import RateLimiter
from bot.web.security import Csrf


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Site:
    settings: Settings
    store: Store
    registry: Registry
    links: LinkSettings
    csrf: Csrf
    signups: RateLimiter  # per visitor; per address is counted in the database
    matches: RateLimiter
    memo: Memo = field(default_factory=Memo)
    now: Callable[[], datetime] = _utcnow

    @property
    def secret(self) -> str:
        return self.links.secret.get()

    def today(self) -> date:
        return self.now().date()

    @property
    def slack_install_url(self) -> str | None:
        """The "Add to Slack" link, when multi-workspace OAuth is configured."""
        return "/slack/install" if self.settings.slack.oauth else None


def make_site(
    settings: Settings,
    store: Store,
    registry: Registry | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> Site:
    links = settings.links()
    return Site(
        settings=settings,
        store=store,
        registry=registry or live(settings, store),
        links=links,
        csrf=Csrf(links.secret.get(), secure=links.public_url.startswith("https://")),
        signups=RateLimiter(settings.web.signups_per_client),
        matches=RateLimiter(settings.web.matches_per_client),
        now=now,
    )


def client_of(request: Request) -> str:
    """The visitor's address (uvicorn resolves X-Forwarded-For from a trusted proxy)."""
    return request.client.host if request.client else "unknown"
