"""Ctrl-C while a feed stalls: the command ends at once, and at a terminal it named the host.

The feed server answers only after a minute (RXRADAR_HTTP_TIMEOUT is 30 s), the command runs
in a subprocess on a pseudo-terminal, and gets a real SIGINT.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.peers.http import LocalServer, Reply
from tests.peers.smtp import free_port

PROMPT_SECONDS = 2.0  # the bound for Ctrl-C


@pytest.fixture
def stalled() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("/stall.xml", Reply(body=b"<rss/>", delay=60))
        server.route("/api/", Reply(body=b"{}", delay=60))
        yield server


def _env(env: dict[str, str], server: LocalServer) -> dict[str, str]:
    return {
        **os.environ,
        **env,
        "RXRADAR_FEEDS": server.url("/stall.xml"),
        "RXRADAR_BIORXIV_API_URL": server.url("/api/"),
        "RXRADAR_HTTP_TIMEOUT": "30",
        "TERM": "xterm",
        "COLUMNS": "100",
    }


def _read(fd: int, until: float) -> bytes:
    out = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def _start_on_a_terminal(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int]:
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], env=env, stdin=secondary, stdout=secondary,
        stderr=secondary, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    return process, primary


def _interrupt(process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    return time.monotonic() - started


def _wait_for_request(server: LocalServer, path: str) -> None:
    deadline = time.monotonic() + 60
    while not server.requests_to(path):
        assert time.monotonic() < deadline, f"no request to {path}"
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the stall


def test_ctrl_c_ends_a_poll_stalled_on_a_feed_at_once_and_it_named_the_host(
    env: dict[str, str], stalled: LocalServer
) -> None:
    process, terminal = _start_on_a_terminal(["poll", "--all"], _env(env, stalled))
    try:
        _wait_for_request(stalled, "/stall.xml")
        shown = _read(terminal, time.monotonic() + 1.0)
        took = _interrupt(process)
        shown += _read(terminal, time.monotonic() + 0.3)
    finally:
        os.close(terminal)
        if process.poll() is None:
            process.kill()
    assert took < PROMPT_SECONDS, f"Ctrl-C took {took:.1f} s"
    assert process.returncode == 130
    assert b"waiting for 127.0.0.1" in shown and b"0 of 1 feed polled" in shown
    assert b"interrupted" in shown and b"Traceback" not in shown


def test_ctrl_c_stops_the_daemon_promptly_while_a_job_waits_on_a_stalled_host(
    env: dict[str, str], stalled: LocalServer
) -> None:
    args = ["run", "--port", str(free_port())]
    process, terminal = _start_on_a_terminal(args, _env(env, stalled))
    try:
        _wait_for_request(stalled, "/api/")
        took = _interrupt(process)
    finally:
        os.close(terminal)
        if process.poll() is None:
            process.kill()
    assert took < PROMPT_SECONDS, f"Ctrl-C took {took:.1f} s"


def test_a_poll_outside_a_terminal_prints_no_waiting_line(
    env: dict[str, str], stalled: LocalServer
) -> None:
    stalled.route("/stall.xml", Reply(status=500, body=b"down", delay=0.5))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "poll", "--all"], env=_env(env, stalled),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "waiting for" not in result.stderr
