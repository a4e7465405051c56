"""`rxradar check`: is this installation able to deliver? Each check says what to fix.

Database reachable and migrations current; a model trained (version, age); SMTP connect,
EHLO, STARTTLS/SSL and AUTH as configured (no mail sent); Slack `auth.test` for the bot
token or for each installed workspace; the feeds' last poll; RXRADAR_PUBLIC_URL reachable
from outside when emails or OAuth hand out links. `rxradar run` logs the same at start.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.base import DeliveryError
from bot.channels.email import open_session
from bot.channels.slack import web_client
from bot.config import Settings
from bot.store import Store
from bot.store.feeds import list_feeds
from bot.store.health import active_model, pending_migrations
from bot.store.slack_installations import installation_store
from bot.store.token_cipher import TokenCipher, TokenKeyError, token_cipher

log = logging.getLogger("rxradar.check")

FEED_FAILURES_TO_FLAG = 3  # polls failed in a row before a feed counts as broken
MODEL_STALE_DAYS = 30  # a model older than this is flagged (the retrain job runs weekly)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


@dataclass(frozen=True)
class Check:
    name: str  # database, model, smtp, slack, feeds, public_url
    ok: bool
    detail: str  # what was found, or what is wrong and what to do about it
    skipped: bool = False  # not configured, and nothing needs it

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "skipped": self.skipped, "detail": self.detail}


def check_database(store: Store) -> Check:
    try:
        pending = pending_migrations(store)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return Check("database", False, f"cannot open it: {reason}; check RXRADAR_DATABASE_URL")
    if pending:
        return Check(
            "database", False,
            f"migrations {', '.join(pending)} are not applied; run `rxradar db upgrade`",
        )  # fmt: skip
    return Check("database", True, f"reachable ({store.dialect}), migrations current")


def check_model(store: Store, now: datetime) -> Check:
    model = active_model(store)
    if model is None:
        return Check("model", False, "no model trained yet; run `rxradar train` (or `rxradar run`)")
    age = (now - model.created_at).days
    if not model.present:
        return Check("model", False, f"{model.version}: its file is missing; run `rxradar train`")
    detail = f"{model.version}, trained {age} day{'s' if age != 1 else ''} ago"
    if age > MODEL_STALE_DAYS:
        return Check("model", False, f"{detail}; retrain with `rxradar train`")
    return Check("model", True, detail)


def check_smtp(settings: Settings) -> Check:
    smtp = settings.smtp
    if not smtp.host:
        return Check("smtp", True, "not set up (RXRADAR_SMTP_HOST); no email is sent", True)
    where = f"{smtp.host}:{smtp.port} ({smtp.security})"
    try:
        session = open_session(smtp)
    except DeliveryError as exc:
        return Check("smtp", False, f"{where}: {exc.reason}")
    with contextlib.suppress(OSError, Exception):
        session.quit()
    login = f", logged in as {smtp.username}" if smtp.username else ""
    return Check("smtp", True, f"{where}: connected{login}")


def _auth_test(settings: Settings, token: str) -> str | None:
    """None when Slack accepts the token, else what it said."""
    try:
        web_client(settings.slack, token).auth_test()
    except SlackApiError as exc:
        return str(exc.response.get("error") or exc.response.status_code)
    except (SlackClientError, OSError) as exc:
        return f"cannot reach Slack at {settings.slack.api_url}: {exc}"
    return None


def _installed_bots(store: Store, client_id: str, cipher: TokenCipher) -> list[tuple[str, str]]:
    """(team id, current bot token) of every installed workspace."""
    installs = installation_store(store, client_id, cipher)
    table = installs.bots
    query = select(table.c.team_id).where(table.c.client_id == client_id).distinct()
    with store.engine.connect() as connection:
        teams = sorted(str(team) for team in connection.execute(query).scalars() if team)
    found = [(team, installs.find_bot(enterprise_id=None, team_id=team)) for team in teams]
    return [(team, bot.bot_token) for team, bot in found if bot is not None and bot.bot_token]


def check_slack(settings: Settings, store: Store) -> Check:
    slack = settings.slack
    if not slack.configured:
        return Check("slack", True, "not set up (RXRADAR_SLACK_BOT_TOKEN or OAuth)", True)
    if not slack.oauth and slack.bot_token:
        error = _auth_test(settings, slack.bot_token.get())
        if error:
            return Check("slack", False, f"RXRADAR_SLACK_BOT_TOKEN refused: {error}; copy the "
                         "Bot User OAuth Token again")  # fmt: skip
        return Check("slack", True, "bot token accepted (auth.test)")
    try:
        bots = _installed_bots(store, slack.client_id or "", token_cipher(settings))
    except TokenKeyError as exc:
        return Check("slack", False, str(exc))
    refused = [f"{team}: {err}" for team, token in bots if (err := _auth_test(settings, token))]
    if refused:
        return Check("slack", False, f"installations refused: {'; '.join(refused)}; reinstall "
                     "the app in those workspaces")  # fmt: skip
    return Check("slack", True, f"{len(bots)} workspace(s) installed, every token accepted")


def check_feeds(store: Store) -> Check:
    feeds = [f for f in list_feeds(store) if f.enabled]
    if not feeds:
        return Check("feeds", False, "no feeds; add one with `rxradar feeds add URL`")
    broken = [f for f in feeds if f.consecutive_failures >= FEED_FAILURES_TO_FLAG]
    if broken:
        names = "; ".join(
            f"{f.url} failed {f.consecutive_failures} polls in a row ({f.last_error})"
            for f in broken
        )
        return Check("feeds", False, f"{names}; see `rxradar feeds list`")
    polled = [f.last_polled_at for f in feeds if f.last_polled_at]
    last = f", last poll {max(polled):%Y-%m-%d %H:%M} UTC" if polled else ", not polled yet"
    return Check("feeds", True, f"{len(feeds)} feed{'s' if len(feeds) != 1 else ''}{last}")


def check_public_url(settings: Settings) -> Check:
    needs = [w for w, on in (("email", bool(settings.smtp.host)),
                             ("Slack OAuth", settings.slack.oauth)) if on]  # fmt: skip
    host = urlsplit(settings.public_url).hostname or ""
    local = host in LOCAL_HOSTS or host.endswith((".localhost", ".local"))
    if needs and local:
        return Check("public_url", False, f"RXRADAR_PUBLIC_URL={settings.public_url} is local, "
                     f"but {' and '.join(needs)} hand out links to it; set it to the address "
                     "readers can reach")  # fmt: skip
    return Check("public_url", True, settings.public_url, skipped=not needs)


def run_checks(settings: Settings, store: Store, now: datetime) -> list[Check]:
    database = check_database(store)
    if not database.ok:
        return [database]
    steps: list[Callable[[], Check]] = [
        lambda: check_model(store, now),
        lambda: check_smtp(settings),
        lambda: check_slack(settings, store),
        lambda: check_feeds(store),
        lambda: check_public_url(settings),
    ]
    return [database, *(step() for step in steps)]


def log_checks(checks: list[Check]) -> None:
    for check in checks:
        if check.ok:
            log.info("check %s: %s", check.name, check.detail)
        else:
            log.warning("check %s FAILED: %s", check.name, check.detail)
