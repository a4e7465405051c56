"""Hostile feed items: poison text is cleaned or skipped alone, and no feed can rewrite
another source's preprint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.feeds.authority import authoritative
from bot.ingest.poll import poll_feeds
from bot.store import Store
from bot.store.feeds import add_feed
from bot.store.preprints import get_preprints, list_preprints
from tests.peers.http import LocalServer, Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


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


def item(n: int, title: str, version: int = 1, description: str = "An abstract.") -> str:
    return f"""<item><title>{title}</title>
      <link>https://arxiv.org/abs/2401.{n:05d}</link>
      <description>arXiv:2401.{n:05d}v{version} Announce Type: new
Abstract: {description}</description>
      <guid isPermaLink="false">oai:arXiv.org:2401.{n:05d}v{version}</guid>
      <pubDate>Mon, 15 Jan 2024 00:00:00 -0500</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:creator>Alice Smith</dc:creator></item>"""


def arxiv_feed(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>"
        f"<description>cs.LG</description>{''.join(items)}</channel></rss>"
    ).encode()


def poll(store: Store, settings: Settings, now: datetime = NOW) -> dict[str, dict[str, object]]:
    report = poll_feeds(store, settings.http, settings.sources.poll_interval, True, now)
    return {r.feed.rsplit("/", 1)[-1]: r.to_json() for r in report.results}


def test_poison_items_are_cleaned_or_skipped_and_never_blank_the_feed(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    body = arxiv_feed(
        item(1, "A lone surrogate &#xD800; in the title"),
        item(2, "A NUL", description="before\x00after and an escape \x1b[2J"),
        item(3, "A version no column can hold", version=10**12),
        item(4, "A good neighbour"),
    )
    server.route("/feed", Reply(body=body, headers=RSS))
    add_feed(store, server.url("/feed"))

    row = poll(store, settings)["feed"]

    assert row["error"] is None and (row["new"], row["skipped"]) == (3, 1)
    stored = {p.id: p for p in list_preprints(store)}
    assert set(stored) == {"arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00004"}
    assert "\ufffd" in stored["arxiv:2401.00001"].title
    assert "\x00" not in stored["arxiv:2401.00002"].abstract
    assert "\x1b" not in stored["arxiv:2401.00002"].abstract


def test_another_feed_cannot_rewrite_a_stored_preprint_with_a_higher_version(
    store: Store, settings: Settings, server: LocalServer
) -> None:
    first = Reply(body=(FIXTURES / "arxiv_cs_lg.xml").read_bytes(), headers=RSS)
    server.route("/cs.LG", first)
    add_feed(store, server.url("/cs.LG"))
    poll(store, settings)
    hostile = arxiv_feed(item(1234, "Buy cheap watches", version=99, description="spam"))
    server.route("/evil", Reply(body=hostile, headers=RSS))
    add_feed(store, server.url("/evil"))

    rows = poll(store, settings, NOW + timedelta(hours=1))

    assert rows["evil"]["updated"] == 0
    (paper,) = get_preprints(store, ["arxiv:2401.01234"])
    assert paper.version == 1 and paper.title.startswith("Graph Neural Networks")
    next_day = (FIXTURES / "arxiv_cs_lg_next_day.xml").read_bytes()
    server.route("/cs.LG", Reply(body=next_day, headers=RSS))
    poll(store, settings, NOW + timedelta(days=1))
    (paper,) = get_preprints(store, ["arxiv:2401.01234"])
    assert paper.version == 2 and "data leak" in paper.abstract  # the real feed still can


def test_only_the_servers_own_hosts_speak_for_their_ids() -> None:
    assert authoritative("https://rss.arxiv.org/rss/cs.LG", "arxiv:2401.01234")
    assert authoritative("https://connect.biorxiv.org/biorxiv_xml/all", "10.1101/2024.01.01.1")
    assert not authoritative("https://evil.example/rss", "arxiv:2401.01234")
    assert not authoritative("https://rss.arxiv.org/rss/cs.LG", "10.1101/2024.01.01.1")


def test_a_record_the_database_refuses_is_skipped_alone(store: Store) -> None:
    from dataclasses import replace

    from bot.store.preprints import upsert_preprints
    from tests.slack_support import preprint

    good = preprint(1, "A good neighbour")
    bad = replace(preprint(2, "NUL\x00 straight into the store"), id="10.1101/bad")

    result = upsert_preprints(store, [bad, good], None, NOW)

    assert good.id in result.new
    assert len(result.new) + result.skipped == 2  # PostgreSQL refuses NUL; SQLite keeps it


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"])
def test_an_item_link_that_is_not_http_is_never_kept_as_a_link(link: str) -> None:
    from bot.digest.build import web_link
    from bot.feeds.parse import parse_feed

    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
        f"<item><title>A paper</title><link>{link}</link><guid>g1</guid></item></channel></rss>"
    ).encode()
    (parsed,) = parse_feed(body, None, "https://feeds.example.org/f", NOW.date()).preprints
    assert parsed.url is None
    assert web_link(link) == "" and web_link("https://x.org/p") == "https://x.org/p"
