"""A feed of very many tiny items (under the byte cap) is read only up to the item cap."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_settings
from bot.ingest.poll import poll_feeds
from bot.store import Store
from bot.store.feeds import add_feed
from bot.store.preprints import list_preprints
from tests.peers.http import LocalServer, Reply

NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)


def flood(items: int) -> bytes:
    item = "<item><title>t{0}</title><link>http://x.test/{0}</link></item>"
    body = "".join(item.format(i) for i in range(items))
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
    return f"{head}{body}</channel></rss>".encode()


def test_items_past_the_cap_are_counted_as_skipped_and_not_read(
    store: Store, tmp_path: Path, database_url: str, server: LocalServer
) -> None:
    settings = load_settings(
        {
            "RXRADAR_DATA_DIR": str(tmp_path),
            "RXRADAR_DATABASE_URL": database_url,
            "RXRADAR_HOST_DELAY": "0",
            "RXRADAR_MAX_FEED_ITEMS": "50",
        }
    )
    server.route("/flood", Reply(body=flood(80), headers={"Content-Type": "application/rss+xml"}))
    add_feed(store, server.url("/flood"))

    (result,) = poll_feeds(store, settings.http, settings.sources.poll_interval, now=NOW).results

    assert (result.new, result.skipped) == (50, 30)
    assert len(list_preprints(store)) == 50
    assert {p.title for p in list_preprints(store)} == {f"t{i}" for i in range(50)}


def test_the_item_cap_defaults_to_5000(tmp_path: Path) -> None:
    assert load_settings({"RXRADAR_DATA_DIR": str(tmp_path)}).http.max_items == 5000
