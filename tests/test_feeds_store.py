"""Upsert rules for preprints and the feed queries (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.records.preprint import Preprint
from bot.store import Store
from bot.store.feeds import FeedExists, add_feed, get_feed, list_feeds, remove_feed
from bot.store.preprints import (
    changed_since,
    get_preprints,
    list_preprints,
    preprint_versions,
    upsert_preprints,
)

NOW = datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
PAPER = Preprint(
    id="arxiv:2401.01234",
    version=1,
    title="Graph Neural Networks for Protein Structure Quality Assessment",
    abstract="We propose a graph neural network.",
    authors=("Alice Smith", "Bob Jones"),
    server="arxiv",
    posted=date(2024, 1, 15),
    updated=date(2024, 1, 15),
    arxiv_id="2401.01234",
    categories=("cs.LG",),
    url="https://arxiv.org/abs/2401.01234",
    announce_type="new",
)


def test_the_first_sighting_is_new_and_records_version_one(store: Store) -> None:
    result = upsert_preprints(store, [PAPER], now=NOW)
    assert result.new == ("arxiv:2401.01234",) and result.updated == ()
    assert preprint_versions(store, PAPER.id) == [(1, PAPER.content_hash, date(2024, 1, 15))]
    (stored,) = get_preprints(store, [PAPER.id])
    assert stored.first_seen_at == NOW and stored.first_seen_at.tzinfo == UTC


def test_the_same_content_again_changes_nothing(store: Store) -> None:
    upsert_preprints(store, [PAPER], now=NOW)
    again = upsert_preprints(store, [PAPER], now=NOW + timedelta(hours=1))
    assert again.changed_ids == ()
    assert changed_since(store, NOW + timedelta(minutes=1)) == []


def test_a_cross_list_adds_categories_without_counting_as_new(store: Store) -> None:
    upsert_preprints(store, [PAPER], now=NOW)
    cross = replace(PAPER, categories=("q-bio.QM", "cs.LG"), announce_type="cross")
    result = upsert_preprints(store, [cross], now=NOW + timedelta(hours=1))
    assert result.new == () and result.updated == (PAPER.id,)
    (stored,) = get_preprints(store, [PAPER.id])
    assert stored.categories == ("cs.LG", "q-bio.QM") and stored.version == 1
    assert stored.content_hash == PAPER.content_hash  # the text did not change


def test_a_newer_version_replaces_the_text_and_an_older_one_is_ignored(store: Store) -> None:
    upsert_preprints(store, [PAPER], now=NOW)
    v2 = replace(PAPER, version=2, abstract="Revised.", updated=date(2024, 2, 1))
    assert upsert_preprints(store, [v2], now=NOW + timedelta(days=1)).updated == (PAPER.id,)
    assert upsert_preprints(store, [PAPER], now=NOW + timedelta(days=2)).changed_ids == ()
    (stored,) = get_preprints(store, [PAPER.id])
    assert (stored.version, stored.abstract) == (2, "Revised.")
    assert (stored.posted, stored.updated) == (date(2024, 1, 15), date(2024, 2, 1))
    assert [v for v, _, _ in preprint_versions(store, PAPER.id)] == [1, 2]


def test_one_batch_with_two_versions_keeps_the_highest(store: Store) -> None:
    v3 = replace(PAPER, version=3, abstract="Third.")
    result = upsert_preprints(store, [v3, PAPER], now=NOW)
    assert result.new == (PAPER.id,)
    (stored,) = get_preprints(store, [PAPER.id])
    assert stored.version == 3 and stored.abstract == "Third."


def test_the_same_doi_from_two_feeds_is_one_row(store: Store) -> None:
    bio = Preprint(
        id="10.1101/2024.01.15.578123",
        version=1,
        title="Hippocampal replay",
        abstract="Text.",
        authors=("Garcia-Lopez, M. J.",),
        server="biorxiv",
        posted=date(2024, 1, 17),
        updated=date(2024, 1, 17),
        doi="10.1101/2024.01.15.578123",
        categories=("neuroscience",),
    )
    first, second = add_feed(store, "http://a.test/f"), add_feed(store, "http://b.test/f")
    upsert_preprints(store, [bio], first.id, NOW)
    result = upsert_preprints(store, [replace(bio, categories=())], second.id, NOW)
    assert result.changed_ids == ()
    (stored,) = list_preprints(store)
    assert stored.source_feed_id == first.id


def test_many_ids_are_read_in_chunks(store: Store) -> None:
    papers = [
        replace(PAPER, id=f"arxiv:2401.{n:05d}", arxiv_id=f"2401.{n:05d}") for n in range(600)
    ]
    assert len(upsert_preprints(store, papers, now=NOW).new) == 600
    assert len(get_preprints(store, [p.id for p in papers])) == 600
    assert upsert_preprints(store, papers, now=NOW).changed_ids == ()


def test_adding_a_known_feed_says_which_one_it_is(store: Store) -> None:
    feed = add_feed(store, "http://a.test/feed")
    with pytest.raises(FeedExists, match=f"already feed {feed.id}"):
        add_feed(store, "http://a.test/feed")


def test_a_removed_feed_can_be_added_again(store: Store) -> None:
    feed = add_feed(store, "http://a.test/feed")
    assert remove_feed(store, feed.id) is not None
    assert remove_feed(store, feed.id) is None and list_feeds(store) == []
    again = add_feed(store, "http://a.test/feed")
    assert again.id == feed.id and again.enabled
    stored = get_feed(store, feed.id)
    assert stored is not None and stored.disabled_reason is None
