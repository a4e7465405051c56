"""Slow-header clients: connections that never finish their request must not hang `serve`.

The server runs with 128 file descriptors; 150 clients each send part of a request line
and stall. Once the header timeout has passed, /healthz answers again within a second or two.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.web.slow_clients import HEADERS_TIMEOUT
from tests.e2e_world import start_rxradar, stop, wait_for
from tests.test_web_serve import _free_port, _serve, _wait

FDS = 128
STALLED = 150


def _few_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, FDS))


@pytest.mark.slow
def test_stalled_partial_requests_are_closed_and_healthz_answers(tmp_path: Path) -> None:
    port = _free_port()
    process = _serve(tmp_path, port, preexec_fn=_few_fds)
    stalled: list[socket.socket] = []
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", process)
        # asyncio logs every refused accept; a full stderr pipe would block the server
        threading.Thread(
            target=process.stderr.read if process.stderr else None, daemon=True
        ).start()
        for _ in range(STALLED):
            client = socket.create_connection(("127.0.0.1", port), timeout=2)
            client.sendall(b"GET /healthz HT")  # and never the rest
            stalled.append(client)
        time.sleep(HEADERS_TIMEOUT + 2)

        started = time.monotonic()
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
        assert stalled[0].recv(1) == b""  # the server hung up on the first stalled client
    finally:
        for client in stalled:
            client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_rxradar_run_closes_a_stalled_partial_request_too(tmp_path: Path) -> None:
    """`run` serves Slack and the pages like `serve`; it used to build its own uvicorn
    server without the header timeout, so a stalled client kept its descriptor forever."""
    port = _free_port()
    env = {
        "RXRADAR_DATA_DIR": str(tmp_path / "data"),
        "RXRADAR_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
        "RXRADAR_FEEDS": "",
        "RXRADAR_HOST_DELAY": "0",
        "RXRADAR_BIORXIV_API_URL": "http://127.0.0.1:9/",  # never a real service
        "RXRADAR_CROSSREF_API_URL": "http://127.0.0.1:9/",
    }
    run = start_rxradar(["run", "--port", str(port)], env, tmp_path / "run.log")
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 60, "run's /healthz")
        client = socket.create_connection(("127.0.0.1", port), timeout=HEADERS_TIMEOUT + 5)
        client.sendall(b"GET /healthz HT")  # and never the rest
        started = time.monotonic()
        assert client.recv(1) == b""  # the server hung up
        assert time.monotonic() - started < HEADERS_TIMEOUT + 3
        client.close()
    finally:
        stop(run)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code in (200, 503)
    except httpx.HTTPError:
        return False
