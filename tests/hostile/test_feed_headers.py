"""Hostile feed servers: a Retry-After no integer or date type can hold must not stop polling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.feeds.fetch import RETRY_AFTER_CAP, retry_after
from bot.ingest.poll import poll_feeds
from bot.store import Store
from bot.store.feeds import add_feed, get_feed
from bot.store.preprints import list_preprints
from tests.peers.http import LocalServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
RDF = {"Content-Type": "application/rdf+xml; charset=utf-8"}
HOSTILE = ["99999999999999", "9" * 5000, "Mon, 12 Jan 9999 06:10:00 GMT", "٣٣", "1e9"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        {
            "RXRADAR_DATA_DIR": str(tmp_path),
            "RXRADAR_DATABASE_URL": database_url,
            "RXRADAR_HOST_DELAY": "0",
            "RXRADAR_HTTP_TIMEOUT": "2",
        }
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_retry_after_is_capped_or_ignored_never_raised(value: str) -> None:
    wait = retry_after({"Retry-After": value}, NOW)
    assert wait is None or timedelta(0) <= wait <= RETRY_AFTER_CAP


def test_a_huge_retry_after_is_capped_at_a_day() -> None:
    assert retry_after({"Retry-After": "99999999999999"}, NOW) == timedelta(days=1)


@pytest.mark.parametrize("value", HOSTILE[:2])
def test_a_feed_with_a_huge_retry_after_backs_off_while_the_good_feed_lands(
    store: Store, settings: Settings, server: LocalServer, value: str
) -> None:
    feed_xml = (FIXTURES / "biorxiv_neuroscience.rdf").read_bytes()
    server.route("/good", Reply(body=feed_xml, headers=RDF))
    server.route("/evil", Reply(status=429, headers={"Retry-After": value}))
    good = add_feed(store, server.url("/good")).id
    evil = add_feed(store, server.url("/evil")).id

    for every in (False, True):  # the hostile feed must not crash this poll, nor the next
        report = poll_feeds(store, settings.http, settings.sources.poll_interval, every, NOW)

    errors = {result.feed_id: result.error for result in report.results}
    assert errors[good] is None
    assert "wait 24.0 h" in str(errors[evil])
    assert list_preprints(store)
    feed = get_feed(store, evil)
    assert feed is not None and feed.next_poll_at is not None
    assert feed.next_poll_at.replace(tzinfo=UTC) <= NOW + timedelta(days=1)
