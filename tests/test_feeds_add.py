"""`feeds add` tries the feed first; counts that add up; tables that read at 80 columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e_world import rxradar
from tests.golden_cli import assert_golden, normalised
from tests.peers.http import LocalServer, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
RDF = (FIXTURES / "biorxiv_neuroscience.rdf").read_bytes()


@pytest.fixture
def feeds(server: LocalServer) -> LocalServer:
    server.route("/bio", Reply(body=RDF))
    server.route("/bio-copy", Reply(body=RDF))  # the same items under a second URL
    server.route("/missing", Reply(status=404))
    server.route("/page", Reply(body=b"<!doctype html><html><body>hello</body></html>"))
    return server


def _env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "COLUMNS": "80", "RXRADAR_HTTP_TIMEOUT": "2"}


def _feeds(env: dict[str, str]) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = json.loads(rxradar(["feeds", "list", "--json"], env).stdout)
    return listed


def test_adding_a_feed_checks_it_once_and_says_what_it_found(
    env: dict[str, str], feeds: LocalServer
) -> None:
    result = rxradar(["feeds", "add", feeds.url("/bio")], _env(env))
    assert result.returncode == 0, result.stderr
    assert len(feeds.requests_to("/bio")) == 1
    shown = f"$ rxradar feeds add URL\n{result.stderr}{result.stdout}"
    assert_golden("cli_feeds_add.txt", normalised(shown))


@pytest.mark.parametrize(("path", "problem"), [("/missing", "HTTP 404"), ("/page", "HTML")])
def test_a_url_that_is_not_a_feed_is_not_added_unless_told(
    env: dict[str, str], feeds: LocalServer, path: str, problem: str
) -> None:
    refused = rxradar(["feeds", "add", feeds.url(path)], _env(env))
    assert refused.returncode == 2
    assert problem in refused.stderr and "--no-check adds it anyway" in refused.stderr
    assert _feeds(env) == []
    forced = rxradar(["feeds", "add", feeds.url(path), "--no-check"], _env(env))
    assert forced.returncode == 0, forced.stderr
    assert [feed["url"] for feed in _feeds(env)] == [feeds.url(path)]


def test_adding_a_feed_that_is_there_already_succeeds_and_changes_nothing(
    env: dict[str, str], feeds: LocalServer
) -> None:
    rxradar(["feeds", "add", feeds.url("/bio")], _env(env))
    again = rxradar(["feeds", "add", feeds.url("/bio")], _env(env))
    assert again.returncode == 0, again.stderr
    assert "feed 1 is already" in again.stdout
    assert len(_feeds(env)) == 1


def test_poll_counts_add_up_when_another_feed_stored_the_items_first(
    env: dict[str, str], feeds: LocalServer
) -> None:
    for path in ("/bio", "/bio-copy"):
        rxradar(["feeds", "add", feeds.url(path), "--no-check"], _env(env))
    rows = json.loads(rxradar(["poll", "--json"], _env(env)).stdout)
    listed = 4  # items in the fixture: 3 preprints and one without an abstract
    for row in rows:
        assert row["new"] + row["updated"] + row["unchanged"] + row["skipped"] == listed
    assert sorted((row["new"], row["unchanged"]) for row in rows) == [(0, 3), (3, 0)]


def test_the_feeds_table_reads_at_80_columns(env: dict[str, str], feeds: LocalServer) -> None:
    feeds.route("/slow", Reply(status=503, body=b"busy"))
    for path in ("/bio", "/slow"):
        rxradar(["feeds", "add", feeds.url(path), "--no-check"], _env(env))
    rxradar(["poll"], _env(env))
    result = rxradar(["feeds", "list"], _env(env))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 12  # one error used to take 18 lines of its own
    assert_golden("cli_feeds_list.txt", normalised(result.stdout))


def test_preprints_list_shows_whole_ids_and_server_names(
    env: dict[str, str], feeds: LocalServer
) -> None:
    rxradar(["feeds", "add", feeds.url("/bio"), "--no-check"], _env(env))
    rxradar(["poll"], _env(env))
    result = rxradar(["preprints", "list"], _env(env))
    ids = [row["id"] for row in json.loads(rxradar(["preprints", "list", "--json"], env).stdout)]
    assert ids and all(preprint_id in result.stdout for preprint_id in ids)
    assert "bioRxiv" in result.stdout and "biorxiv" not in result.stdout
    assert_golden("cli_preprints_list.txt", result.stdout)
