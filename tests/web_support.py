"""The public site running for real: a trained world, uvicorn on 127.0.0.1, an SMTP sink.

One world per test module and backend (training takes a few seconds); tests that change
data make their own rows and leave the world's alone.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings, load_settings
from bot.store import Store
from bot.store.profiles import ProfileSummary, find_profile
from bot.web.app import create_web_app
from tests.peers.http import LocalServer
from tests.peers.smtp import SmtpPeer
from tests.peers.web import UvicornThread
from tests.web_world import World, build_world

SECRET = "test-secret-key-not-for-production"
PUBLIC = "http://rxradar.test"


@dataclass
class Web:
    server: UvicornThread
    settings: Settings
    store: Store
    world: World
    smtp: SmtpPeer
    biorxiv: LocalServer  # the bioRxiv/medRxiv API

    def url(self, path: str) -> str:
        return self.server.url(path)

    def client(self) -> httpx.Client:
        """A browser-like client: keeps cookies, does not follow redirects."""
        return httpx.Client(base_url=self.server.url(""), timeout=30)

    def local(self, link: str) -> str:
        """A link from an email (under the public URL) pointed at the running server."""
        return link.replace(PUBLIC, self.server.url("").rstrip("/"))

    def start(self, **env: str) -> UvicornThread:
        """Another server on the same data with other settings (limits, Slack OAuth)."""
        settings = load_settings({**_env(self.settings, self.smtp, self.biorxiv), **env})
        return UvicornThread(create_web_app(settings, self.store)).__enter__()


def _env(settings: Settings, smtp: SmtpPeer, biorxiv: LocalServer) -> dict[str, str]:
    return {
        "RXRADAR_BIORXIV_API_URL": biorxiv.url("/biorxiv"),
        "RXRADAR_HTTP_TIMEOUT": "5",
        "RXRADAR_DATA_DIR": str(settings.data_dir),
        "RXRADAR_DATABASE_URL": settings.database_url,
        "RXRADAR_SECRET_KEY": SECRET,
        "RXRADAR_PUBLIC_URL": PUBLIC,
        **smtp.env(),
    }


def profile_token(store: Store, name: str) -> str:
    """A private link's token for a custom profile, as `rxradar profiles link` makes it."""
    from bot.tokens import PROFILE, make_token

    found = find_profile(store, name)
    assert isinstance(found, ProfileSummary), f"{name} is not a profile"
    return make_token(SECRET, PROFILE, found.id, found.key, datetime.now(UTC))


def form_value(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_schema_url: str | None,
) -> Iterator[Web]:
    yield from _web(request.param, tmp_path_factory, sqlite_template, pg_schema_url)


@pytest.fixture(scope="module")
def sqlite_web(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Web]:
    """For tests whose outcome cannot depend on the backend (the browser's view)."""
    yield from _web("sqlite", tmp_path_factory, sqlite_template, None)


def _web(backend: str, factory: Any, template: Path, pg_url: str | None) -> Iterator[Web]:
    tmp = factory.mktemp("web")
    if backend == "sqlite":
        shutil.copy(template, tmp / "web.db")
        url = f"sqlite:///{tmp / 'web.db'}"
    elif pg_url is None:
        pytest.skip("RXRADAR_TEST_DATABASE_URL is not set")
    else:
        from tests.conftest import truncate_all  # here: conftest imports this module

        truncate_all(pg_url)
        url = pg_url
    with SmtpPeer() as smtp, LocalServer() as biorxiv:
        base = load_settings({"RXRADAR_DATA_DIR": str(tmp), "RXRADAR_DATABASE_URL": url})
        env = _env(base, smtp, biorxiv)
        settings = load_settings({**env, "RXRADAR_SLACK_CLIENT_ID": "1234.5678"})
        store = Store.open(url, migrate=False)
        world = build_world(store, settings, date.today())
        server = UvicornThread(create_web_app(settings, store)).__enter__()
        try:
            yield Web(server, settings, store, world, smtp, biorxiv)
        finally:
            server.__exit__(None, None, None)
            store.close()
