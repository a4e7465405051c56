"""The feed HTTP client against a real local server: no database, no internet."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.feeds.fetch import Fetcher, FetchError, FetchRequest, HostPacer
from tests.peers.http import LocalServer, Reply

FEED = (Path(__file__).parent / "fixtures" / "feeds" / "arxiv_cs_lg.xml").read_bytes()


def make_settings(tmp_path: Path, **extra: str) -> Settings:
    env = {
        "RXRADAR_DATA_DIR": str(tmp_path),
        "RXRADAR_HOST_DELAY": "0",
        "RXRADAR_HTTP_TIMEOUT": "0.5",
        "RXRADAR_CONTACT_EMAIL": "editor@example.org",
        **extra,
    }
    return load_settings(env)


@pytest.fixture
def fetcher(tmp_path: Path) -> Iterator[Fetcher]:
    with Fetcher(make_settings(tmp_path, RXRADAR_MAX_FEED_BYTES="100KB").http) as client:
        yield client


def test_it_names_rxradar_and_the_contact_in_the_user_agent(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.route("/feed", Reply(body=FEED))
    result = fetcher.fetch(FetchRequest(server.url("/feed")))
    assert result.status == 200 and result.body == FEED and result.error is None
    agent = server.requests_to("/feed")[0].headers["user-agent"]
    assert "rxradar" in agent and "editor@example.org" in agent


def test_it_sends_validators_and_understands_304(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/feed", Reply(status=304, headers={"ETag": '"v1"'}))
    request = FetchRequest(server.url("/feed"), '"v1"', "Mon, 15 Jan 2024 05:00:00 GMT")
    result = fetcher.fetch(request)
    assert result.not_modified and result.body == b"" and result.error is None
    sent = server.requests_to("/feed")[0].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 15 Jan 2024 05:00:00 GMT"


def test_it_returns_the_validators_the_server_sent(server: LocalServer, fetcher: Fetcher) -> None:
    headers = {"ETag": '"abc"', "Last-Modified": "Tue, 16 Jan 2024 05:00:00 GMT"}
    server.route("/feed", Reply(body=FEED, headers=headers))
    result = fetcher.fetch(FetchRequest(server.url("/feed")))
    assert (result.etag, result.last_modified) == ('"abc"', "Tue, 16 Jan 2024 05:00:00 GMT")


@pytest.mark.parametrize("status", [301, 308])
def test_it_follows_and_remembers_permanent_redirects(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    server.route("/old", Reply(status=status, headers={"Location": "/new"}))
    server.route("/new", Reply(body=FEED))
    result = fetcher.fetch(FetchRequest(server.url("/old")))
    assert result.status == 200 and result.body == FEED
    assert result.moved_to == server.url("/new")


def test_it_follows_but_does_not_remember_temporary_redirects(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.route("/old", Reply(status=302, headers={"Location": "/new"}))
    server.route("/new", Reply(body=FEED))
    result = fetcher.fetch(FetchRequest(server.url("/old")))
    assert result.status == 200 and result.moved_to is None


def test_a_permanent_redirect_to_an_error_is_an_error(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.route("/old", Reply(status=301, headers={"Location": "/missing"}))
    result = fetcher.fetch(FetchRequest(server.url("/old")))
    assert result.status == 404 and result.moved_to is None
    assert result.error is not None and result.error.startswith("HTTP 404 Not Found")


@pytest.mark.parametrize(
    ("status", "words"), [(500, "retries later"), (403, "refuses"), (410, "Gone")]
)
def test_http_errors_are_described(
    server: LocalServer, fetcher: Fetcher, status: int, words: str
) -> None:
    server.route("/feed", Reply(status=status, body=b"nope"))
    result = fetcher.fetch(FetchRequest(server.url("/feed")))
    assert result.status == status and result.error is not None and words in result.error


def test_a_slow_server_times_out(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/slow", Reply(body=FEED, delay=1.5))
    result = fetcher.fetch(FetchRequest(server.url("/slow")))
    assert result.status is None
    assert result.error is not None and "timed out" in result.error


def test_an_oversized_body_announced_by_content_length_is_refused(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.route("/huge", Reply(body=b"x" * 200_000))
    result = fetcher.fetch(FetchRequest(server.url("/huge")))
    assert result.body == b"" and result.error is not None
    assert "RXRADAR_MAX_FEED_BYTES" in result.error


def test_an_oversized_body_is_aborted_while_streaming(
    server: LocalServer, fetcher: Fetcher
) -> None:
    # 10 MB of zeros gzip to ~10 KB: the declared length is small, the real body is not
    bomb = gzip.compress(b"\0" * 10_000_000)
    server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    result = fetcher.fetch(FetchRequest(server.url("/bomb")))
    assert result.body == b"" and result.error is not None
    assert "larger than RXRADAR_MAX_FEED_BYTES" in result.error


def test_an_unreachable_host_is_described(fetcher: Fetcher) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fetcher.fetch(FetchRequest(f"http://127.0.0.1:{port}/feed"))
    assert result.status is None and result.error is not None and "connect" in result.error


def test_it_fetches_many_feeds_concurrently(server: LocalServer, fetcher: Fetcher) -> None:
    for name in ("a", "b", "c"):
        server.route(f"/{name}", Reply(body=FEED, delay=0.3))
    urls = [server.url(f"/{name}") for name in ("a", "b", "c")]
    started = time.monotonic()
    results = list(fetcher.fetch_many(FetchRequest(url) for url in urls))
    assert time.monotonic() - started < 0.85  # one after another would take 0.9 s
    assert sorted(r.url for r in results) == sorted(urls)
    assert all(r.status == 200 for r in results)


def test_get_json_raises_a_readable_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/api", Reply(body=b"<html>not json</html>"))
    server.route("/down", Reply(status=503))
    with pytest.raises(FetchError, match="did not return JSON"):
        fetcher.get_json(server.url("/api"), "the test API")
    with pytest.raises(FetchError, match="HTTP 503"):
        fetcher.get_json(server.url("/down"), "the test API")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_spaces_requests_to_one_host_only() -> None:
    clock = FakeClock()
    pacer = HostPacer(1.0, clock=clock, sleep=clock.sleep)
    pacer.wait("https://connect.biorxiv.org/biorxiv_xml/all")
    pacer.wait("https://rss.arxiv.org/rss/cs.LG")  # another host: no wait
    pacer.wait("https://connect.biorxiv.org/biorxiv_xml/neuroscience")
    pacer.wait("https://connect.biorxiv.org/biorxiv_xml/genomics")
    assert clock.slept == [1.0, 1.0]


def test_a_zero_delay_never_waits() -> None:
    clock = FakeClock()
    pacer = HostPacer(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.wait("https://connect.biorxiv.org/x")
    assert clock.slept == []
