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
