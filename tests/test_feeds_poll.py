"""Polling real-shaped feeds from a local server into the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.ingest.poll import PollReport, backoff, ensure_default_feeds, poll_feeds
from bot.store import Store
from bot.store.feeds import add_feed, due_feeds, get_feed, list_feeds, remove_feed
from bot.store.preprints import changed_since, get_preprints, list_preprints, preprint_versions
from tests.peers.http import LocalServer, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
RDF = {"Content-Type": "application/rdf+xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        {
            "RXRADAR_DATA_DIR": str(tmp_path),
            "RXRADAR_DATABASE_URL": database_url,
            "RXRADAR_HOST_DELAY": "0",
            "RXRADAR_HTTP_TIMEOUT": "0.5",
            "RXRADAR_MAX_FEED_BYTES": "200KB",
            "RXRADAR_POLL_INTERVAL": "30m",
        }
    )


def feed_ids(store: Store, server: LocalServer, *paths: str) -> list[int]:
    return [add_feed(store, server.url(path)).id for path in paths]


def rows(report: PollReport) -> dict[str, dict[str, object]]:
    return {result.feed.rsplit("/", 1)[-1]: result.to_json() for result in report.results}


def test_a_poll_stores_clean_preprints_and_a_second_poll_adds_nothing(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/bio", Reply(body=fixture("biorxiv_neuroscience.rdf"), headers=RDF))
    server.route("/med", Reply(body=fixture("medrxiv_all.rdf"), headers=RDF))
    server.route("/arxiv", Reply(body=fixture("arxiv_cs_lg.xml"), headers=RSS))
    feed_ids(store, server, "/bio", "/med", "/arxiv")

    first = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    assert rows(first) == {
        "bio": {
            "feed": server.url("/bio"),
            "status": 200,
            "new": 3,
            "updated": 0,
            "unchanged": 0,
            "skipped": 1,
            "error": None,
        },
        "med": {
            "feed": server.url("/med"),
            "status": 200,
            "new": 3,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "error": None,
        },
        "arxiv": {
            "feed": server.url("/arxiv"),
            "status": 200,
            "new": 4,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "error": None,
        },
    }
    assert len(first.changed_ids) == 10
    stored = {p.id: p for p in list_preprints(store)}
    kukla = stored["10.1101/857789"]
    assert kukla.authors == ("Kukla, D.", "Crampton, A.", "Wood, D.", "Khetani, S.")
    assert (kukla.version, kukla.server, kukla.posted) == (1, "biorxiv", date(2019, 11, 29))
    assert stored["10.64898/2026.03.16.26348547"].version == 2
    assert stored["10.64898/2026.03.16.26348547"].server == "medrxiv"
    assert "cookie" not in stored["10.1101/2024.01.16.578200"].abstract
    assert stored["arxiv:2312.09999"].doi == "10.1000/jml.2024.001"

    second = poll_feeds(
        store, settings.http, settings.sources.poll_interval, now=NOW + timedelta(hours=1)
    )
    assert [(r.new, r.updated, r.error) for r in second.results] == [(0, 0, None)] * 3
    assert [r.unchanged for r in second.results] == [3, 3, 4]  # still counted, as stored
    assert second.changed_ids == ()
    assert len(list_preprints(store)) == 10


def test_a_new_version_updates_the_row_and_records_the_version(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    versions = [
        Reply(body=fixture("biorxiv_neuroscience.rdf")),
        Reply(body=fixture("biorxiv_neuroscience_v2.rdf")),
    ]
    server.route("/bio", versions)
    feed_ids(store, server, "/bio")
    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    later = NOW + timedelta(days=3)

    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=later)

    assert [(r.new, r.updated) for r in report.results] == [(0, 1)]
    assert report.changed_ids == ("10.1101/2024.01.15.578123",)
    (replay,) = get_preprints(store, ["10.1101/2024.01.15.578123"])
    assert replay.version == 2 and replay.abstract.startswith("Revised: place cells")
    assert (replay.posted, replay.updated) == (date(2024, 1, 17), date(2024, 1, 20))
    history = preprint_versions(store, replay.id)
    assert [v for v, _, _ in history] == [1, 2] and history[0][1] != history[1][1]
    assert history[1][1] == replay.content_hash
    assert changed_since(store, later) == ["10.1101/2024.01.15.578123"]


def test_an_arxiv_cross_list_of_a_stored_paper_is_not_new(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/cs.LG", Reply(body=fixture("arxiv_cs_lg.xml")))
    server.route("/q-bio.QM", Reply(body=fixture("arxiv_q_bio_qm.xml")))
    feed_ids(store, server, "/cs.LG")
    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    feed_ids(store, server, "/q-bio.QM")

    report = poll_feeds(
        store, settings.http, settings.sources.poll_interval, now=NOW + timedelta(minutes=10)
    )  # cs.LG not due

    assert [(r.new, r.updated) for r in report.results] == [(1, 0)]  # only 2401.07777
    assert report.changed_ids == ("arxiv:2401.07777",)
    assert len(list_preprints(store)) == 5


def test_an_arxiv_replacement_updates_the_version(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route(
        "/cs.LG",
        [Reply(body=fixture("arxiv_cs_lg.xml")), Reply(body=fixture("arxiv_cs_lg_next_day.xml"))],
    )
    feed_ids(store, server, "/cs.LG")
    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    report = poll_feeds(
        store, settings.http, settings.sources.poll_interval, now=NOW + timedelta(days=1)
    )
    assert [(r.new, r.updated) for r in report.results] == [(0, 1)]
    (paper,) = get_preprints(store, ["arxiv:2401.01234"])
    assert paper.version == 2 and "data leak" in paper.abstract
    assert (paper.posted, paper.updated) == (date(2024, 1, 15), date(2024, 1, 16))


def test_a_304_stores_nothing_and_keeps_the_validators(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    first = Reply(
        body=fixture("arxiv_cs_lg.xml"),
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 15 Jan 2024 05:00:00 GMT"},
    )
    server.route("/feed", [first, Reply(status=304)])
    (feed_id,) = feed_ids(store, server, "/feed")
    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    report = poll_feeds(
        store,
        settings.http,
        settings.sources.poll_interval,
        ignore_due_times=True,
        now=NOW + timedelta(minutes=1),
    )
    assert [r.to_json()["status"] for r in report.results] == [304]
    assert report.results[0].new == 0 and report.results[0].error is None
    assert server.requests_to("/feed")[1].headers["if-none-match"] == '"v1"'
    feed = get_feed(store, feed_id)
    assert feed is not None and feed.etag == '"v1"' and feed.last_status == 304
    assert feed.last_modified == "Mon, 15 Jan 2024 05:00:00 GMT"


def test_a_301_is_followed_and_remembered(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/old", Reply(status=301, headers={"Location": "/new"}))
    server.route("/new", Reply(body=fixture("arxiv_cs_lg.xml")))
    (feed_id,) = feed_ids(store, server, "/old")
    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    assert report.results[0].status == 200 and report.results[0].new == 4
    feed = get_feed(store, feed_id)
    assert feed is not None and feed.url == server.url("/new")
    poll_feeds(
        store,
        settings.http,
        settings.sources.poll_interval,
        ignore_due_times=True,
        now=NOW + timedelta(minutes=1),
    )
    assert len(server.requests_to("/old")) == 1 and len(server.requests_to("/new")) == 2


def test_a_410_disables_the_feed_for_good(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/gone", Reply(status=410))
    (feed_id,) = feed_ids(store, server, "/gone")
    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)
    assert report.results[0].status == 410 and "410 Gone" in (report.results[0].error or "")
    feed = get_feed(store, feed_id)
    assert feed is not None and not feed.enabled and "410" in (feed.last_error or "")
    again = poll_feeds(
        store,
        settings.http,
        settings.sources.poll_interval,
        ignore_due_times=True,
        now=NOW + timedelta(days=2),
    )
    assert again.results == () and len(server.requests_to("/gone")) == 1


def test_a_500_backs_off_that_feed_only_while_the_others_land(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/broken", Reply(status=500))
    server.route("/good", Reply(body=fixture("arxiv_cs_lg.xml")))
    broken, good = feed_ids(store, server, "/broken", "/good")

    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)

    assert rows(report)["good"]["new"] == 4 and rows(report)["good"]["error"] is None
    assert rows(report)["broken"]["status"] == 500
    assert "HTTP 500" in str(rows(report)["broken"]["error"])
    failing = get_feed(store, broken)
    assert failing is not None and failing.consecutive_failures == 1
    assert (
        failing.next_poll_at
        == NOW + backoff(settings.sources.poll_interval, 1)
        == NOW + timedelta(hours=1)
    )
    at_next_interval = NOW + settings.sources.poll_interval
    assert [f.id for f in due_feeds(store, at_next_interval)] == [good]

    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW + timedelta(hours=1))
    failing = get_feed(store, broken)
    assert failing is not None and failing.consecutive_failures == 2
    assert failing.next_poll_at == NOW + timedelta(hours=1) + timedelta(hours=2)

    server.route("/broken", Reply(body=fixture("arxiv_weekend.xml")))
    poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW + timedelta(hours=3))
    recovered = get_feed(store, broken)
    assert (
        recovered is not None
        and recovered.consecutive_failures == 0
        and recovered.last_error is None
    )


def test_every_bad_feed_shows_its_error_while_the_good_feeds_land(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route(
        "/html", Reply(body=fixture("not_a_feed.html"), headers={"Content-Type": "text/html"})
    )
    server.route("/malformed", Reply(body=fixture("malformed.xml")))
    server.route("/slow", Reply(body=fixture("arxiv_cs_lg.xml"), delay=1.5))
    server.route(
        "/huge", Reply(body=gzip.compress(b" " * 5_000_000), headers={"Content-Encoding": "gzip"})
    )
    server.route("/weekend", Reply(body=fixture("arxiv_weekend.xml")))
    server.route(
        "/encoding", Reply(body=fixture("wrong_encoding.rdf"), headers={"Content-Type": "text/xml"})
    )
    server.route("/good", Reply(body=fixture("medrxiv_all.rdf")))
    paths = ["/html", "/malformed", "/slow", "/huge", "/weekend", "/encoding", "/good"]
    ids = dict(zip(paths, feed_ids(store, server, *paths), strict=True))

    found = rows(poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW))

    assert "HTML web page" in str(found["html"]["error"])
    assert "malformed" in str(found["malformed"]["error"])
    assert "timed out" in str(found["slow"]["error"]) and found["slow"]["status"] is None
    assert "RXRADAR_MAX_FEED_BYTES" in str(found["huge"]["error"])
    assert found["weekend"] == {
        "feed": server.url("/weekend"),
        "status": 200,
        "new": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "error": None,
    }
    assert found["encoding"]["new"] == 3 and found["encoding"]["error"] is None
    assert found["good"]["new"] == 3 and found["good"]["error"] is None
    for path in ("/html", "/malformed", "/slow", "/huge"):
        feed = get_feed(store, ids[path])
        assert feed is not None and feed.last_error and feed.consecutive_failures == 1
    noted = get_feed(store, ids["/encoding"])
    assert noted is not None and "encoding" in (noted.last_error or "")  # a note, not a failure
    assert noted.consecutive_failures == 0


def test_only_due_feeds_are_polled_unless_asked_for_all(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/feed", Reply(body=fixture("arxiv_weekend.xml")))
    feed_ids(store, server, "/feed")

    def poll(minutes: int, every: bool = False) -> int:
        now = NOW + timedelta(minutes=minutes)
        interval = settings.sources.poll_interval
        return len(poll_feeds(store, settings.http, interval, every, now=now).results)

    assert [poll(0), poll(10), poll(10, every=True), poll(41)] == [1, 0, 1, 1]


def test_default_feeds_are_added_once(store: Store, settings: Settings) -> None:
    added = ensure_default_feeds(store, settings.sources.feeds)
    assert [f.source for f in added] == ["biorxiv:all", "medrxiv:all"]
    assert added[0].url == "https://connect.biorxiv.org/biorxiv_xml/all"
    for feed in added:
        remove_feed(store, feed.id)
    assert ensure_default_feeds(store, settings.sources.feeds) == []
    assert list_feeds(store) == []


def test_a_429_waits_as_long_as_the_server_asks(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    server.route("/busy", Reply(status=429, headers={"Retry-After": "7200"}))
    server.route(
        "/down", Reply(status=503, headers={"Retry-After": "Mon, 12 Jan 2026 06:10:00 GMT"})
    )
    server.route("/vague", Reply(status=429, headers={"Retry-After": "soon"}))
    busy, down, vague = feed_ids(store, server, "/busy", "/down", "/vague")

    report = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW)

    error = str(rows(report)["busy"]["error"])
    assert "HTTP 429" in error and "asked us to wait 2.0 h" in error
    next_poll = {}
    for feed_id in (busy, down, vague):
        feed = get_feed(store, feed_id)
        assert feed is not None
        next_poll[feed_id] = feed.next_poll_at
    assert next_poll[busy] == NOW + timedelta(hours=2)
    # A shorter request than our own backoff does not bring the next try forward.
    assert next_poll[down] == NOW + backoff(settings.sources.poll_interval, 1)
    assert "asked us to wait 10 min" in str(rows(report)["down"]["error"])
    assert next_poll[vague] == NOW + backoff(settings.sources.poll_interval, 1)
    assert "asked us" not in str(rows(report)["vague"]["error"])
