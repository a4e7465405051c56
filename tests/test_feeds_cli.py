"""`rxradar feeds|poll|preprints` through the real CLI, against a local feed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from tests.peers.http import LocalServer, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
POLL_KEYS = {"feed", "status", "new", "updated", "unchanged", "skipped", "error"}
PREPRINT_KEYS = {
    "id",
    "version",
    "doi",
    "title",
    "authors",
    "abstract",
    "server",
    "categories",
    "posted",
    "url",
}


@pytest.fixture
def server(server: LocalServer) -> LocalServer:
    """conftest's cleared server, with the three feeds these commands poll."""
    server.route("/bio", Reply(body=(FIXTURES / "biorxiv_neuroscience.rdf").read_bytes()))
    server.route("/arxiv", Reply(body=(FIXTURES / "arxiv_cs_lg.xml").read_bytes()))
    server.route("/broken", Reply(status=500))
    return server


@pytest.fixture
def feeds_env(env: dict[str, str], server: LocalServer) -> dict[str, str]:
    """RXRADAR_FEEDS points at the local server, so first use never reaches the internet."""
    urls = [server.url(p) for p in ("/bio", "/arxiv", "/broken")]
    return {**env, "RXRADAR_FEEDS": ",".join(urls), "RXRADAR_HTTP_TIMEOUT": "2"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def test_poll_json_prints_the_pinned_rows_and_exits_0_when_a_feed_fails(
    feeds_env: dict[str, str], server: LocalServer
) -> None:
    result = run(feeds_env, "poll", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(set(row) == POLL_KEYS for row in rows)
    assert rows[0] == {
        "feed": server.url("/bio"),
        "status": 200,
        "new": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "error": None,
    }
    assert rows[1] == {
        "feed": server.url("/arxiv"),
        "status": 200,
        "new": 4,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "error": None,
    }
    assert rows[2]["status"] == 500 and rows[2]["new"] == 0 and "HTTP 500" in rows[2]["error"]

    again = json.loads(run(feeds_env, "poll", "--all", "--json").stdout)
    assert [(row["new"], row["updated"]) for row in again] == [(0, 0)] * 3
    # the items are all still counted: as already stored (they used to vanish from the count)
    assert [row["unchanged"] for row in again] == [3, 4, 0]


def test_poll_without_json_prints_a_table(feeds_env: dict[str, str]) -> None:
    result = run(feeds_env, "poll")
    assert result.exit_code == 0, result.output
    assert "127.0.0.1" in result.stdout and "500" in result.stdout  # rich wraps long cells


def test_preprints_list_json_has_the_pinned_fields(feeds_env: dict[str, str]) -> None:
    run(feeds_env, "poll")
    result = run(feeds_env, "preprints", "list", "--json")
    assert result.exit_code == 0, result.output
    preprints = {p["id"]: p for p in json.loads(result.stdout)}
    assert len(preprints) == 7
    assert all(set(p) >= PREPRINT_KEYS for p in preprints.values())
    kukla = preprints["10.1101/857789"]
    assert kukla == {
        "id": "10.1101/857789",
        "version": 1,
        "doi": "10.1101/857789",
        "title": (
            "Microscale Collagen and Fibroblast Interactions Enhance Primary Human "
            "Hepatocyte Functions in 3-Dimensional Models"
        ),
        "authors": ["Kukla, D.", "Crampton, A.", "Wood, D.", "Khetani, S."],
        "abstract": kukla["abstract"],
        "server": "biorxiv",
        "categories": ["neuroscience"],
        "posted": "2019-11-29",
        "updated": "2019-11-29",
        "url": "https://www.biorxiv.org/content/10.1101/857789v1",
    }
    arxiv = preprints["arxiv:2312.09999"]
    assert (arxiv["version"], arxiv["doi"], arxiv["server"]) == (3, "10.1000/jml.2024.001", "arxiv")


def test_preprints_list_filters_by_date_and_limits(feeds_env: dict[str, str]) -> None:
    run(feeds_env, "poll")
    recent = json.loads(
        run(feeds_env, "preprints", "list", "--since", "2024-01-16", "--json").stdout
    )
    assert {p["id"] for p in recent} == {"10.1101/2024.01.15.578123", "10.1101/2024.01.16.578200"}
    assert (
        len(json.loads(run(feeds_env, "preprints", "list", "--limit", "2", "--json").stdout)) == 2
    )
    bad = run(feeds_env, "preprints", "list", "--since", "last week")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.stderr


def test_feeds_add_list_and_remove(feeds_env: dict[str, str]) -> None:
    added = run(feeds_env, "feeds", "add", "arxiv:q-bio.QM+cs.LG", "--no-check")  # offline
    assert added.exit_code == 0, added.output
    listed = json.loads(run(feeds_env, "feeds", "list", "--json").stdout)
    assert len(listed) == 4  # the RXRADAR_FEEDS defaults came first
    mine = listed[-1]
    assert (mine["url"], mine["source"], mine["enabled"]) == (
        "https://rss.arxiv.org/rss/q-bio.QM+cs.LG",
        "arxiv:q-bio.QM+cs.LG",
        True,
    )
    twice = run(feeds_env, "feeds", "add", "arxiv:q-bio.QM+cs.LG")  # no fetch: it is there
    assert twice.exit_code == 0 and f"feed {mine['id']} is already" in twice.stdout

    assert run(feeds_env, "feeds", "remove", str(mine["id"])).exit_code == 0
    assert len(json.loads(run(feeds_env, "feeds", "list", "--json").stdout)) == 3
    missing = run(feeds_env, "feeds", "remove", "999")
    assert missing.exit_code != 0 and "feeds list" in missing.stderr


def test_a_removed_feed_is_not_polled_even_with_all(
    feeds_env: dict[str, str], server: LocalServer
) -> None:
    listed = json.loads(run(feeds_env, "feeds", "list", "--json").stdout)
    broken = next(feed for feed in listed if feed["url"].endswith("/broken"))
    run(feeds_env, "feeds", "remove", str(broken["id"]))
    rows = json.loads(run(feeds_env, "poll", "--all", "--json").stdout)
    assert [row["feed"] for row in rows] == [server.url("/bio"), server.url("/arxiv")]
    assert server.requests_to("/broken") == []


def test_feeds_add_explains_unknown_sources(feeds_env: dict[str, str]) -> None:
    result = run(feeds_env, "feeds", "add", "biorxiv:astrology")
    assert result.exit_code != 0 and "neuroscience" in result.stderr


def test_poll_fails_with_a_message_when_the_database_is_unreachable(
    feeds_env: dict[str, str],
) -> None:
    env = {**feeds_env, "RXRADAR_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = run(env, "poll", "--json")
    assert result.exit_code != 0 and result.stdout == ""
    assert "RXRADAR_DATABASE_URL" in result.stderr


def test_poll_fails_with_a_message_naming_a_bad_setting(feeds_env: dict[str, str]) -> None:
    result = run({**feeds_env, "RXRADAR_HOST_DELAY": "soon"}, "poll")
    assert result.exit_code != 0 and "RXRADAR_HOST_DELAY" in result.stderr


def test_bad_default_feeds_are_reported(env: dict[str, str]) -> None:
    result = run({**env, "RXRADAR_FEEDS": "biorxiv:astrology"}, "poll")
    assert result.exit_code != 0 and "RXRADAR_FEEDS" in result.stderr
