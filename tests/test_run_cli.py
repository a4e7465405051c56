"""`rxradar status` and the single-scheduler rule, through the real command line."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_world import rxradar, start_rxradar, stop, wait_for
from tests.peers.http import LocalServer, Reply
from tests.peers.smtp import free_port


@pytest.fixture
def feed_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/feed", Reply(status=500, body=b"down for maintenance"))
        yield server


def test_status_reports_feeds_model_and_subscriptions_as_json(
    env: dict[str, str], feed_server: LocalServer
) -> None:
    env = {
        **env,
        "RXRADAR_FEEDS": feed_server.url("/feed"),
        "RXRADAR_BIORXIV_API_URL": feed_server.url("/api"),
    }
    once = rxradar(["run", "--once"], env)
    assert once.returncode == 0, once.stderr
    assert "job bootstrap failed" in once.stderr  # the API is down: said plainly, no crash
    status = rxradar(["status", "--json"], env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["model"] is None and report["subscriptions"] == []
    [feed] = report["feeds"]
    assert feed["url"] == feed_server.url("/feed")
    assert feed["failures_in_a_row"] == 1 and "500" in feed["error"]


def test_a_second_run_on_the_same_sqlite_database_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    if not env["RXRADAR_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the single-instance rule is SQLite's")
    log = tmp_path / "first.log"
    first = start_rxradar(["run", "--port", str(free_port())], env, log)
    try:
        wait_for(lambda: "scheduler started" in log.read_text(), 30, "the first run")
        second = rxradar(["run", "--once"], env)
        assert second.returncode != 0
        assert "another rxradar scheduler" in second.stderr
        assert "PostgreSQL" in second.stderr
    finally:
        took = stop(first, signal.SIGTERM)
    assert took < 20 and first.returncode == 0
