"""The ASGI app: Slack's endpoints, the confirm/unsubscribe pages, /healthz, and the public
site (journal pages, feeds, API: bot/web/mount.py), every answer with the security headers.

Bolt's dispatch is synchronous (it blocks until the listener has acknowledged), so it
runs in Starlette's thread pool: one slow request never holds up the event loop.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import Secret, Settings
from bot.store import Store
from bot.store.health import check_health, failing_channels
from bot.web import pages
from bot.web.body import BodyTooLarge, read_body, too_large
from bot.web.mount import site_routes
from bot.web.security import SecurityHeaders
from bot.web.slack_events import events_endpoint

log = logging.getLogger(__name__)

MAX_OAUTH_BODY = 16 * 1024  # the install and redirect pages are GETs: no body to speak of


def create_web_app(settings: Settings, store: Store, slack_app: App | None = None) -> Starlette:
    """Routes for `rxradar serve`; Slack's routes only when a Bolt app is given."""
    routes: list[BaseRoute] = [
        Route("/healthz", _healthz(store), methods=["GET"]),
        *pages.routes(settings.links(), store),
    ]
    if slack_app is not None:
        routes += slack_routes(slack_app, settings.slack.signing_secret)
    routes += site_routes(settings, store)
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    # Starlette's `/healthz/` -> `/healthz` redirect is built from the Host header: an
    # open redirect to whatever a client claims; a wrong path is a 404 instead
    app.router.redirect_slashes = False
    return app


def slack_configured(settings: Settings) -> bool:
    slack = settings.slack
    return any(
        (slack.signing_secret, slack.bot_token, slack.app_token, slack.client_id,
         slack.client_secret)
    )  # fmt: skip


def create_server_app(settings: Settings, store: Store) -> Starlette:
    """What `rxradar serve` (and `run`) host: the web app plus Slack in the configured mode.

    In Socket Mode the websocket is opened here (in the background) and /slack/events is not
    served; without any RXRADAR_SLACK_* setting, everything but Slack is. A
    half-configured Slack app raises ConfigError naming what is missing.
    """
    from bot.slack_app.app import create_app, installation_mode
    from bot.slack_app.socket import socket_mode_handler

    if not slack_configured(settings):
        log.warning(
            "Slack is not configured (RXRADAR_SLACK_*): serving the web site, the email links "
            "and /healthz, without Slack"
        )
        return create_web_app(settings, store)
    slack = create_app(settings, store)
    if installation_mode(settings) == "socket":
        socket_mode_handler(slack, settings).connect()  # type: ignore[no-untyped-call, unused-ignore]
        log.info("Slack: connected in Socket Mode")
        return create_web_app(settings, store)
    return create_web_app(settings, store, slack)


def slack_routes(slack_app: App, signing_secret: Secret | None) -> list[Route]:
    routes = [Route("/slack/events", events_endpoint(slack_app, signing_secret), methods=["POST"])]
    flow = slack_app.oauth_flow
    if flow is not None:
        routes += [
            Route(flow.install_path, _oauth(slack_app, "install"), methods=["GET"]),
            Route(flow.redirect_uri_path, _oauth(slack_app, "callback"), methods=["GET"]),
        ]
    return routes


def _oauth(slack_app: App, step: str) -> Any:
    flow = slack_app.oauth_flow
    assert flow is not None
    handle = flow.handle_installation if step == "install" else flow.handle_callback

    async def oauth(request: Request) -> Response:
        try:
            body = await read_body(request, MAX_OAUTH_BODY)
        except BodyTooLarge as exc:
            return too_large(exc)
        bolt_request = to_bolt_request(request, body.decode("utf-8", "replace").encode())
        return to_starlette_response(await run_in_threadpool(handle, bolt_request))

    return oauth


def _healthz(store: Store) -> Any:
    async def healthz(request: Request) -> Response:
        health = await run_in_threadpool(check_health, store)
        failing = await run_in_threadpool(failing_channels, store)
        ready = health.database and health.model_version is not None and health.model_present
        ready = ready and not failing
        body = {
            "status": "ok" if ready else ("degraded" if health.database else "error"),
            "database": {"reachable": health.database, "error": health.database_error},
            "model": {"version": health.model_version, "loaded": health.model_present},
            "last_poll_at": health.last_poll_at.isoformat() if health.last_poll_at else None,
            # channels failing on the operator's side (SMTP login, Slack token…): digests wait
            "failing_channels": {
                c.kind: {"reason": c.reason, "since": c.failing_since.isoformat()} for c in failing
            },
        }
        return JSONResponse(body, status_code=200 if health.database else 503)

    return healthz
