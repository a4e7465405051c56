"""Backfilling from a local stand-in for the bioRxiv/medRxiv `details` API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings, load_settings
from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.fetch import Fetcher
from bot.ingest.backfill import BackfillError, backfill
from bot.store import Store
from bot.store.preprints import get_preprints, list_preprints
from tests.peers.http import LocalServer, Reply, Request

TOTAL = 150


def record(number: int, server: str) -> dict[str, Any]:
    prefix = "10.64898" if server == "medrxiv" else "10.1101"
    return {
        "doi": f"{prefix}/2026.01.{number:02d}.{600000 + number}",
        "title": f"Preprint <i>number</i> {number}",
        "authors": "Smith, J.; Doe, J. A.",
        "author_corresponding": "J Smith",
        "date": "2026-01-05",
        "version": "1",
        "type": "new results",
        "license": "cc_by",
        "category": "epidemiology",
        "abstract": f"Abstract {number} &amp; more.",
        "published": "NA",
        "server": server,
    }


def details(request: Request) -> Reply:
    """`/api/details/{server}/{from}/{to}/{cursor}`: 100 records a page, like the real API."""
    parts = request.path.split("/")
    server, cursor = parts[3], int(parts[6])
    collection = [record(n, server) for n in range(cursor, min(cursor + 100, TOTAL))]
    if cursor == 100:
        collection.append({**record(0, server), "version": "2", "date": "2026-01-09"})
        collection.append({**record(999, server), "title": ""})  # unusable: skipped
    message = {"status": "ok", "cursor": cursor, "count": len(collection), "total": TOTAL}
    body = json.dumps({"messages": [message], "collection": collection})
    return Reply(body=body, headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def shared_api() -> Iterator[LocalServer]:
    with LocalServer() as server:  # one per module: shutting a server down takes ~0.5 s
        server.route("/api/details/", details)
        server.route("/down/details/", Reply(status=503))
        yield server


@pytest.fixture
def api(shared_api: LocalServer) -> LocalServer:
    shared_api.requests.clear()
    return shared_api


def _api(settings: Settings) -> BiorxivApi:
    return BiorxivApi(Fetcher(settings.http), settings.sources.biorxiv_api_url)


def make_settings(tmp_path: Path, database_url: str, api_url: str) -> Settings:
    env = {
        "RXRADAR_DATA_DIR": str(tmp_path),
        "RXRADAR_DATABASE_URL": database_url,
        "RXRADAR_HOST_DELAY": "0",
        "RXRADAR_BIORXIV_API_URL": api_url,
    }
    return load_settings(env)


def test_it_pages_through_the_window_and_stores_every_preprint(
    store: Store, database_url: str, api: LocalServer, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url, api.url("/api"))
    seen: list[tuple[int, int]] = []

    result = backfill(
        store,
        _api(settings),
        "medrxiv",
        90,
        today=date(2026, 1, 12),
        progress=lambda d, t: seen.append((d, t)),
    )

    paths = [r.path for r in api.requests_to("/api/details/")]
    assert paths == [
        "/api/details/medrxiv/2025-10-14/2026-01-12/0",
        "/api/details/medrxiv/2025-10-14/2026-01-12/100",
    ]
    assert (result.pages, result.records) == (2, 152)
    assert (result.new, result.updated, result.skipped) == (150, 1, 1)
    assert seen[-1] == (TOTAL, TOTAL)
    (first,) = get_preprints(store, ["10.64898/2026.01.00.600000"])
    assert first.version == 2 and first.server == "medrxiv" and first.title == "Preprint number 0"
    assert first.authors == ("Smith, J.", "Doe, J. A.") and first.abstract == "Abstract 0 & more."
    assert first.url == "https://www.medrxiv.org/content/10.64898/2026.01.00.600000v2"

    again = backfill(store, _api(settings), "medrxiv", 90, today=date(2026, 1, 12))
    assert (again.new, again.updated) == (0, 0)


def test_an_unreachable_api_is_a_readable_error(
    store: Store, database_url: str, tmp_path: Path, api: LocalServer
) -> None:
    settings = make_settings(tmp_path, database_url, api.url("/down"))
    with pytest.raises(BackfillError, match=r"HTTP 503.*RXRADAR_BIORXIV_API_URL"):
        backfill(store, _api(settings), "biorxiv", 7)


def test_the_backfill_command_leaves_no_progress_bar_outside_a_terminal(
    env: dict[str, str], api: LocalServer
) -> None:
    env = {**env, "RXRADAR_BIORXIV_API_URL": api.url("/api"), "RXRADAR_FEEDS": api.url("/unused")}
    result = CliRunner().invoke(app, ["backfill", "--server", "biorxiv", "--days", "30"], env=env)
    assert result.exit_code == 0, result.output
    assert "150 new" in result.stdout
    assert "biorxiv last 30 days" not in result.stderr  # bars only at a terminal (issue 13)
    listed = CliRunner().invoke(app, ["preprints", "list", "--json", "--limit", "5"], env=env)
    assert len(json.loads(listed.stdout)) == 5


def test_the_backfill_command_rejects_other_servers(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["backfill", "--server", "arxiv"], env=env)
    assert result.exit_code != 0 and "use biorxiv or medrxiv" in result.stderr


def test_stored_backfill_records_list_newest_first(
    store: Store, database_url: str, api: LocalServer, tmp_path: Path
) -> None:
    backfill(store, _api(make_settings(tmp_path, database_url, api.url("/api"))), "biorxiv", 7)
    newest = list_preprints(store, limit=1)
    assert newest[0].updated == date(2026, 1, 9) and newest[0].version == 2
    assert len(list_preprints(store, since=date(2026, 1, 6))) == 1
