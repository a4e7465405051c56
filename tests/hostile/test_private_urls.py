"""SSRF: feeds on loopback, private, link-local or metadata addresses (or with credentials)
are refused when added and on every connection, unless RXRADAR_ALLOW_PRIVATE_URLS=true."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.feeds.addresses import PrivateAddress, check_url, is_public
from bot.feeds.fetch import Fetcher, FetchRequest
from tests.peers.http import LocalServer, Reply

PRIVATE = [
    "http://127.0.0.1/feed",
    "http://localhost:8080/feed",
    "http://10.0.0.1/feed",
    "http://172.16.5.4/feed",
    "http://192.168.1.1/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/feed",
    "http://0.0.0.0/feed",
    "http://[::1]/feed",
    "http://[::ffff:127.0.0.1]/feed",
    "http://[fe80::1]/feed",
    "http://2130706433/feed",  # 127.0.0.1 as one decimal number
]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_non_public_address_is_refused(url: str) -> None:
    with pytest.raises(PrivateAddress, match="RXRADAR_ALLOW_PRIVATE_URLS=true"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://user:pw@example.org/feed", "http://tok@127.0.0.1/"])
def test_credentials_in_a_url_are_always_refused(url: str) -> None:
    with pytest.raises(PrivateAddress, match="user name or password"):
        check_url(url, allow_private=True)


def test_public_addresses_pass_and_private_ones_pass_only_when_allowed() -> None:
    assert is_public("93.184.215.14") and is_public("2606:4700::1111")
    assert not is_public("127.0.0.1") and not is_public("::ffff:10.0.0.1")
    check_url("http://127.0.0.1/feed", allow_private=True)


def test_the_fetcher_never_connects_to_a_private_address_unless_allowed(
    tmp_path: Path, server: LocalServer
) -> None:
    server.route("/internal", Reply(body=b"secret admin page"))
    env = {"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_HOST_DELAY": "0"}
    strict = load_settings({**env, "RXRADAR_ALLOW_PRIVATE_URLS": "false"})

    with Fetcher(strict.http) as fetcher:
        result = fetcher.fetch(FetchRequest(server.url("/internal")))

    assert result.body == b"" and "non-public address" in str(result.error)
    assert server.requests_to("/internal") == []
    opted_in = load_settings({**env, "RXRADAR_ALLOW_PRIVATE_URLS": "true"})
    with Fetcher(opted_in.http) as fetcher:
        assert fetcher.fetch(FetchRequest(server.url("/internal"))).body == b"secret admin page"


def test_a_redirect_to_a_url_with_credentials_is_not_followed(
    tmp_path: Path, server: LocalServer
) -> None:
    target = server.url("/inside").replace("http://", "http://admin:pw@")
    server.route("/feed", Reply(status=302, headers={"Location": target}))
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_HOST_DELAY": "0"})

    with Fetcher(settings.http) as fetcher:
        result = fetcher.fetch(FetchRequest(server.url("/feed")))

    assert result.error is not None and server.requests_to("/inside") == []


def test_feeds_add_refuses_a_loopback_url_with_what_to_set(env: dict[str, str]) -> None:
    env = {**env, "RXRADAR_ALLOW_PRIVATE_URLS": "false"}
    result = CliRunner().invoke(app, ["feeds", "add", "http://127.0.0.1:9/feed"], env=env)
    assert result.exit_code != 0
    assert "RXRADAR_ALLOW_PRIVATE_URLS=true" in result.output
