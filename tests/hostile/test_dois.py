"""A DOI typed by a user goes into an API URL's path: it can never walk to other paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.feeds.biorxiv_api import BiorxivApi
from bot.feeds.fetch import Fetcher
from bot.records.doi import doi_from_text
from tests.peers.http import LocalServer, Reply

WALKS = [
    "10.1101/../../admin",
    "10.1101/./x/../../admin",
    "10.1101/a\\..\\admin",
    "10.1101/%2e%2e/x",
]


@pytest.mark.parametrize("text", WALKS)
def test_a_doi_with_dot_segments_is_not_a_doi(text: str) -> None:
    assert doi_from_text(text) is None


def test_a_walking_doi_never_reaches_another_path_of_the_api_host(
    tmp_path: Path, server: LocalServer
) -> None:
    server.route("/", Reply(body=b'{"collection": []}'))
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_HOST_DELAY": "0"})
    with Fetcher(settings.http) as fetcher:
        api = BiorxivApi(fetcher, server.url("/api"))
        for text in WALKS:
            assert api.latest_version(text) is None
    assert [r.path for r in server.requests if not r.path.startswith("/api/details/")] == []


def test_real_dois_still_parse() -> None:
    assert doi_from_text("https://www.biorxiv.org/content/10.1101/2024.01.15.578123v2") == (
        "10.1101/2024.01.15.578123"
    )
