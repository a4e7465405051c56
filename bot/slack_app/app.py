"""The app factory: settings + store in, a configured `slack_bolt.App` out.

Three ways to install, chosen from the settings:
- OAuth (multi-workspace): RXRADAR_SLACK_CLIENT_ID + _CLIENT_SECRET + _SIGNING_SECRET;
  installations and OAuth states live in our database (slack_sdk's SQLAlchemy stores).
- Single workspace: RXRADAR_SLACK_BOT_TOKEN + _SIGNING_SECRET.
- Socket Mode: RXRADAR_SLACK_APP_TOKEN + _BOT_TOKEN (no public URL, no signing secret);
  the connection itself is opened by `bot.slack_app.socket`.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.channels.registry import live
from bot.channels.slack import web_client
from bot.config import ConfigError, Settings
from bot.slack_app import actions, handlers, installs, profiles
from bot.slack_app.answers import Deps
from bot.store import Store
from bot.store.slack_installations import installation_store
from bot.store.token_cipher import token_cipher

log = logging.getLogger(__name__)

# keep in step with slack/manifest.yml (a test checks); chat:write.public lets digests go
# to public channels the bot was never invited to
BOT_SCOPES = (
    "chat:write",
    "chat:write.public",
    "commands",
    "users:read",
    "channels:read",
    "groups:read",
)
OAUTH_STATE_SECONDS = 600
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def installation_mode(settings: Settings) -> str:
    """The installation mode (oauth, single or socket); ConfigError names what is missing."""
    if settings.slack.app_token:
        if not settings.slack.bot_token:
            raise ConfigError(
                "Socket Mode (RXRADAR_SLACK_APP_TOKEN) also needs RXRADAR_SLACK_BOT_TOKEN "
                "(the xoxb- token from the app's OAuth & Permissions page)"
            )
        return "socket"
    if not settings.slack.signing_secret:
        raise ConfigError(
            "RXRADAR_SLACK_SIGNING_SECRET is not set: copy the Signing Secret from the Slack "
            "app's Basic Information page (or set RXRADAR_SLACK_APP_TOKEN for Socket Mode)"
        )
    if settings.slack.client_id or settings.slack.client_secret:
        if not (settings.slack.client_id and settings.slack.client_secret):
            raise ConfigError(
                "OAuth needs both RXRADAR_SLACK_CLIENT_ID and RXRADAR_SLACK_CLIENT_SECRET "
                "(Basic Information → App Credentials)"
            )
        return "oauth"
    if not settings.slack.bot_token:
        raise ConfigError(
            "RXRADAR_SLACK_BOT_TOKEN is not set: install the app to your workspace and copy "
            "the Bot User OAuth Token (xoxb-…), or set RXRADAR_SLACK_CLIENT_ID/_CLIENT_SECRET "
            "for multi-workspace installs"
        )
    return "single"


def oauth_settings(settings: Settings, store: Store) -> OAuthSettings:
    client_id = settings.slack.client_id or ""
    secret = settings.slack.client_secret.get() if settings.slack.client_secret else ""
    return OAuthSettings(
        client_id=client_id,
        client_secret=secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=f"{settings.public_url}{REDIRECT_PATH}",
        installation_store=installation_store(store, client_id, token_cipher(settings)),
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=store.engine
        ),
    )


# Threads for the work after the ack (lazy listeners). Under the GIL more of them add no
# throughput, only wait for the acks: with Bolt's default of 5, a burst of slow commands
# pushed the ack p99 from ~60 ms to ~170 ms (bench/bench_slack_ack.py).
LAZY_WORKERS = 2


def create_app(settings: Settings, store: Store) -> App:
    """Build the Bolt app for the configured installation mode (no connection is opened
    except the token check Slack's `auth.test` does in single-workspace mode)."""
    mode = installation_mode(settings)
    slack = settings.slack
    signing = slack.signing_secret.get() if slack.signing_secret else ""
    token = slack.bot_token.get() if slack.bot_token else None
    oauth = oauth_settings(settings, store) if mode == "oauth" else None
    try:
        # process_before_response: the ack half is pure parsing, so answering right after
        # it (instead of polling for it from another thread) is both safe and faster
        app = App(
            client=web_client(slack, None if oauth else token),
            signing_secret=signing,
            oauth_settings=oauth,
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(LAZY_WORKERS, thread_name_prefix="slack-lazy"),
            # bot.web.slack_events checks signatures first (Bolt's check logs whole bodies)
            request_verification_enabled=False,
            user_facing_authorize_error_message=(
                "rxradar is not installed in this workspace (or its install was removed). "
                f"Install it from {settings.public_url}{INSTALL_PATH}"
            ),
        )
    except OSError as exc:  # urllib's URLError too: Slack could not be reached to check the token
        raise ConfigError(
            f"cannot reach Slack at {slack.api_url} to check the bot token ({exc}); "
            "check the network and RXRADAR_SLACK_API_URL"
        ) from exc
    except BoltError as exc:
        raise ConfigError(
            f"Slack rejected RXRADAR_SLACK_BOT_TOKEN ({exc}); copy the Bot User OAuth Token "
            "again from the app's OAuth & Permissions page"
        ) from exc
    deps = Deps(settings=settings, store=store, registry=live(settings, store))
    handlers.register(app, deps)
    actions.register(app, deps)
    profiles.register(app, deps)
    if oauth is not None:
        installs.register(app, store, oauth.client_id)
    return app
