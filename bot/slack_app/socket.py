"""Socket Mode: Slack delivers commands and clicks over a websocket we open, so the host
needs no public URL (RXRADAR_SLACK_APP_TOKEN, an xapp- token with connections:write)."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import ConfigError, Settings


def socket_mode_handler(app: App, settings: Settings) -> SocketModeHandler:
    """The handler for `app`; call `.connect()` to open the websocket in the background."""
    if not settings.slack.app_token:
        raise ConfigError(
            "Socket Mode needs RXRADAR_SLACK_APP_TOKEN: create an app-level token with the "
            "connections:write scope on the app's Basic Information page"
        )
    # the app's client carries RXRADAR_SLACK_API_URL, so apps.connections.open goes there too
    return SocketModeHandler(app, settings.slack.app_token.get(), web_client=app.client)
