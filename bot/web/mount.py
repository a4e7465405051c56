"""All of the public site's routes (pages, feeds, API, static files) in one list for app.py."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.channels.registry import Registry
from bot.config import Settings
from bot.store import Store
from bot.web import api, feedback, feeds_out, match, profile_edit, signup, site
from bot.web.context import make_site

STATIC = Path(__file__).resolve().parent / "static"


def site_routes(
    settings: Settings, store: Store, registry: Registry | None = None
) -> list[BaseRoute]:
    context = make_site(settings, store, registry)
    return [
        *feeds_out.routes(context),  # before site's /preprints/{path} and /journals/{slug}
        *profile_edit.routes(context),  # before site's /profiles/{token}
        *signup.routes(context),
        *feedback.routes(context),
        *api.routes(context),
        *match.routes(context),
        *site.routes(context),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
