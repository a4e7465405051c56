"""`rxradar serve` as a user runs it: a subprocess answering /healthz and signed commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.peers.slack_fake import SlackFake
from tests.peers.web import post_signed, slash_body

ROOT = Path(__file__).resolve().parents[1]
SECRET = "serve-test-secret-at-least-32-bytes-long"
TOKEN = "xoxb-serve-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("rxradar serve did not start")


def _serve(
    tmp_path: Path, port: int, preexec_fn: Callable[[], None] | None = None, **env: str
) -> subprocess.Popen[bytes]:
    full = {
        **os.environ,
        "RXRADAR_DATA_DIR": str(tmp_path),
        "RXRADAR_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "RXRADAR_SECRET_KEY": SECRET,
        **env,
    }
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port)]
    return subprocess.Popen(
        command, env=full, cwd=ROOT, stderr=subprocess.PIPE, preexec_fn=preexec_fn
    )


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    with SlackFake(TOKEN, min_interval=0) as fake:
        yield fake


@pytest.mark.slow
def test_serve_answers_healthz_and_signed_commands(tmp_path: Path, slack: SlackFake) -> None:
    port = _free_port()
    process = _serve(
        tmp_path, port, RXRADAR_SLACK_SIGNING_SECRET=SECRET, RXRADAR_SLACK_BOT_TOKEN=TOKEN,
        RXRADAR_SLACK_API_URL=slack.url,
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", process)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert health["database"]["reachable"] is True
        body = slash_body("help", slack.response_url("help"))
        response = post_signed(f"http://127.0.0.1:{port}/slack/events", body, SECRET)
        assert response.status_code == 200 and "subscribe JOURNAL" in response.text
        forged = post_signed(f"http://127.0.0.1:{port}/slack/events", body, "wrong")
        assert forged.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_refuses_a_half_configured_slack_app(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    env = {"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_SLACK_BOT_TOKEN": TOKEN}
    result = CliRunner().invoke(app, ["serve", "--port", str(_free_port())], env=env)
    assert result.exit_code == 2
    assert "RXRADAR_SLACK_SIGNING_SECRET is not set" in result.stderr


def test_without_slack_settings_everything_but_slack_is_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.config import load_settings
    from bot.store import Store
    from bot.web.app import create_server_app
    from tests.peers.web import UvicornThread

    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path)})
    store = Store.open(f"sqlite:///{tmp_path / 'links.db'}")
    try:
        with UvicornThread(create_server_app(settings, store)) as server:
            assert httpx.get(server.url("/healthz")).status_code == 200
            assert httpx.post(server.url("/slack/events"), content=b"x").status_code == 404
            assert httpx.get(server.url("/unsubscribe/garbage")).status_code == 400
            assert httpx.get(server.url("/")).status_code == 200  # the site too
    finally:
        store.close()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "serving the web site, the email links and /healthz, without Slack" in said
