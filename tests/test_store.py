from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.store import Store
from bot.store.models import Feed, PreprintRow


def test_times_come_back_in_utc_with_tzinfo(store: Store) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as session:
        session.add(Feed(url="http://example.org/feed", next_poll_at=moment))
    with store.session() as session:
        feed = session.scalars(select(Feed)).one()
    assert feed.next_poll_at == moment
    assert feed.next_poll_at is not None and feed.next_poll_at.tzinfo == UTC
    assert feed.created_at.tzinfo == UTC


def test_json_columns_round_trip_lists(store: Store) -> None:
    with store.session() as session:
        session.add(
            PreprintRow(
                id="10.1101/2024.01.15.578123",
                title="T",
                authors=["Kukla, D.", "Crampton, A."],
                categories=["bioengineering"],
                server="biorxiv",
                posted=date(2024, 1, 15),
                updated=date(2024, 1, 15),
                content_hash="x",
            )
        )
    with store.session() as session:
        preprint = session.get(PreprintRow, "10.1101/2024.01.15.578123")
    assert preprint is not None
    assert preprint.authors == ["Kukla, D.", "Crampton, A."]
    assert preprint.categories == ["bioengineering"]
