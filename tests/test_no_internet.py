"""The suite's guard: a test cannot open a connection off this machine."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import LeftTheMachine


def test_a_connection_to_a_public_address_is_refused_before_it_is_made() -> None:
    with socket.socket() as probe, pytest.raises(LeftTheMachine, match=r"127\.0\.0\.1 only"):
        probe.connect(("203.0.113.7", 80))  # TEST-NET-3: never routed anyway


def test_http_clients_hit_the_guard_too() -> None:
    with pytest.raises(httpx.ConnectError, match=r"127\.0\.0\.1 only"):
        httpx.get("http://203.0.113.7/", timeout=2)


def test_local_peers_still_connect() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
