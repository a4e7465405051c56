"""Fixtures shared by the Slack app and web tests: seeded journals, the running server.

The Slack Web API (and every response_url) is a local fake; requests reach our real
Starlette app under uvicorn, signed the way Slack signs them.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.records.preprint import Preprint
from bot.slack_app.app import create_app
from bot.store import Store
from bot.store.preprints import upsert_preprints
from bot.store.profiles import upsert_profile
from bot.store.scores import (
    ScoreRow,
    StatsRow,
    activate_model_version,
    add_model_version,
    replace_scores,
    save_profile_stats,
)
from bot.web.app import create_web_app
from tests.peers.http import LocalServer
from tests.peers.slack_fake import SlackFake
from tests.peers.waiting import wait_for
from tests.peers.web import UvicornThread, post_signed, slash_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-bot-token"
TODAY = date.today()

JOURNALS = ("Nucleic Acids Research", "Nature Methods", "eLife", "Genome Research")


def slack_env(database_url: str, data_dir: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {
        "RXRADAR_DATA_DIR": str(data_dir),
        "RXRADAR_DATABASE_URL": database_url,
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
        "RXRADAR_SLACK_SIGNING_SECRET": SECRET,
        "RXRADAR_SLACK_BOT_TOKEN": BOT_TOKEN,
        "RXRADAR_SLACK_API_URL": api_url,
        "RXRADAR_HTTP_TIMEOUT": "5",
    }
    env.update(extra)
    return env


def preprint(n: int, title: str, days_ago: int = 1) -> Preprint:
    posted = TODAY - timedelta(days=days_ago)
    return Preprint(
        id=f"10.1101/2026.01.{n:02d}.{n:06d}",
        version=1,
        title=title,
        abstract=f"Abstract of {title}. " * 3,
        authors=("Ada Lovelace", "Alan Turing", "Grace Hopper", "Barbara McClintock"),
        server="biorxiv",
        posted=posted,
        updated=posted,
        doi=f"10.1101/2026.01.{n:02d}.{n:06d}",
        categories=("genomics",),
        url=f"https://www.biorxiv.org/content/10.1101/2026.01.{n:02d}.{n:06d}v1",
    )


PREPRINTS = (
    preprint(1, "Mapping RNA <structure> & function in vivo"),
    preprint(2, "A transcription factor atlas", days_ago=3),
    preprint(3, "Old news from last season", days_ago=60),
)


def seed(store: Store) -> dict[str, int]:
    """Four journals, three scored preprints, an active model: what the commands read."""
    with store.session() as session:
        ids = {name: upsert_profile(session, name)[0].id for name in JOURNALS}
    upsert_preprints(store, PREPRINTS)
    nar = ids["Nucleic Acids Research"]
    with store.session() as session:
        add_model_version(session, "m1", "/nonexistent/model", {})
        activate_model_version(session, "m1")
        rows = [
            ScoreRow(PREPRINTS[0].id, nar, 0.523, 1),
            ScoreRow(PREPRINTS[1].id, nar, 0.12, 1),
            ScoreRow(PREPRINTS[2].id, nar, 0.9, 1),
        ]
        replace_scores(session, "m1", [p.id for p in PREPRINTS], rows)
        quantiles = tuple(i / 1000 for i in range(101))
        save_profile_stats(session, [StatsRow(nar, "m1", 90, TODAY, 5000, 0.0006, quantiles, 1234)])
    return ids


@dataclass
class Harness:
    """The running server plus what the tests need to drive and observe it."""

    server: UvicornThread
    settings: Settings
    store: Store
    api: SlackFake  # the Slack Web API (and response_url) fake
    biorxiv: LocalServer  # the bioRxiv/medRxiv API
    profiles: dict[str, int]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of the app's successful calls to a Slack Web API method."""
        return [c.params for c in self.api.calls_to(method) if c.response.get("ok")]

    def command(self, text: str, timestamp: int | None = None, **fields: str) -> Any:
        body = slash_body(text, self.api.response_url("cmd"), **fields)
        return post_signed(self.server.url("/slack/events"), body, SECRET, timestamp)

    def answer(self, name: str = "cmd", count: int = 1) -> dict[str, Any]:
        """The `count`-th message the app sent to response_url `name` (waits for it)."""
        return wait_for(lambda: self.api.responses(name)[count - 1 :])[0]

    def post(self, body: str, timestamp: int | None = None) -> Any:
        return post_signed(self.server.url("/slack/events"), body, SECRET, timestamp)


@pytest.fixture
def harness_factory(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Harnesses on each configured backend (SQLite, and PostgreSQL when configured)."""
    yield from _harnesses(database_url, tmp_path)


@pytest.fixture
def sqlite_harness_factory(
    sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[..., Harness]]:
    """For tests whose outcome cannot depend on the backend (signatures, parsing)."""
    path = tmp_path / "rxradar.db"
    shutil.copy(sqlite_template, path)
    yield from _harnesses(f"sqlite:///{path}", tmp_path)


def _harnesses(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    stack: list[Any] = []

    def make(**extra_env: str) -> Harness:
        api = SlackFake(token=BOT_TOKEN, min_interval=0).__enter__()
        stack.append(api)
        api.team_id = "T0001"
        api.user_tz["U0001"] = "Europe/London"
        for channel in ("C0001", "C0002"):
            api.add_channel(channel)
        biorxiv = LocalServer().__enter__()
        stack.append(biorxiv)
        env = slack_env(database_url, tmp_path / "data", api.url, **extra_env)
        env.setdefault("RXRADAR_BIORXIV_API_URL", biorxiv.url("/biorxiv"))
        settings = load_settings(env)
        store = Store.open(database_url, migrate=False)
        stack.append(store)
        profiles = seed(store)
        app = create_web_app(settings, store, create_app(settings, store))
        server = UvicornThread(app).__enter__()
        stack.append(server)
        return Harness(server, settings, store, api, biorxiv, profiles)

    yield make
    # each server's shutdown polls for up to half a second: stop them all at once
    servers = [item for item in stack if not isinstance(item, Store)]
    stoppers = [threading.Thread(target=item.__exit__, args=(None, None, None)) for item in servers]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join()
    for item in stack:
        if isinstance(item, Store):
            item.close()


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)
