"""`rxradar serve`: the web endpoints and the Slack app on uvicorn (or Socket Mode)."""

from __future__ import annotations

import logging

import typer

from bot.cli.common import fail, open_store, settings
from bot.config import ConfigError, Settings

log = logging.getLogger("rxradar.serve")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def slack_configured(config: Settings) -> bool:
    return any(
        (
            config.slack_signing_secret,
            config.slack_bot_token,
            config.slack_app_token,
            config.slack_client_id,
            config.slack_client_secret,
        )
    )


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve /slack/events, /slack/install, /confirm, /unsubscribe and /healthz."""
    import uvicorn

    from bot.slack_app.app import create_app, installation_mode
    from bot.slack_app.socket import socket_mode_handler
    from bot.web.app import create_web_app

    config = settings()
    with open_store(config) as store:
        slack = None
        try:
            if slack_configured(config):
                slack = create_app(config, store)
                if installation_mode(config) == "socket":
                    socket_mode_handler(slack, config).connect()
                    log.info("Slack: connected in Socket Mode")
                    slack = None  # events arrive over the socket, not over HTTP
            else:
                log.warning("Slack is not configured (RXRADAR_SLACK_*): serving links only")
        except ConfigError as exc:
            fail(str(exc))
        web = create_web_app(config, store, slack)
        log.info("serving on http://%s:%d (public URL %s)", host, port, config.public_url)
        uvicorn.run(web, host=host, port=port, log_config=None, proxy_headers=True)
