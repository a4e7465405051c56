"""`rxradar serve`: the web endpoints and the Slack app on uvicorn (or Socket Mode)."""

from __future__ import annotations

import logging

import typer

from bot.cli.common import fail, open_store, settings
from bot.config import ConfigError

log = logging.getLogger("rxradar.serve")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the web site (journal pages, feeds, the match form, the API), the email links
    (confirm, unsubscribe, votes), /healthz and, when configured, Slack (/slack/events,
    /slack/install)."""
    from bot.web.app import create_server_app
    from bot.web.serving import web_server

    config = settings()
    with open_store(config) as store:
        try:
            web = create_server_app(config, store)
        except ConfigError as exc:
            fail(str(exc))
        log.info("serving on http://%s:%d (public URL %s)", host, port, config.public_url)
        web_server(web, host, port, log_config=None).run()
