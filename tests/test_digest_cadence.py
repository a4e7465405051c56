"""When digests are due: local wall-clock slots, DST-correct, one per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.records.cadence import due_slot, next_slot_after, slot_at_or_before
from bot.records.rules import Cadence, RulesError

LONDON_WEEKLY = Cadence("weekly", "mon", "08:00", "Europe/London")


def _hourly(start: datetime, end: datetime) -> list[datetime]:
    times, t = [], start
    while t <= end:
        times.append(t)
        t += timedelta(minutes=20)
    return times


def test_a_weekly_london_digest_fires_once_per_period_across_the_october_change() -> None:
    created = datetime(2026, 10, 10, 12, tzinfo=UTC)
    # BST ends on Sunday 25 October 2026: 08:00 local is 07:00 UTC before, 08:00 UTC after
    runs = _hourly(datetime(2026, 10, 11, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))

    sent: dict[str, datetime] = {}
    for now in runs:
        slot = due_slot(LONDON_WEEKLY, created, now)
        if slot is not None and slot.period not in sent:
            sent[slot.period] = now

    assert sorted(sent) == ["2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"]
    assert sent["2026-10-19"] == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert sent["2026-10-26"] == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_the_first_digest_is_the_first_slot_after_creation() -> None:
    created = datetime(2026, 10, 26, 8, 30, tzinfo=UTC)  # just after Monday's slot

    assert due_slot(LONDON_WEEKLY, created, created + timedelta(hours=1)) is None
    assert next_slot_after(LONDON_WEEKLY, created).at == datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_a_digest_stays_due_until_the_next_slot() -> None:
    created = datetime(2026, 10, 1, tzinfo=UTC)
    late = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # Sunday night, the slot was Monday

    slot = due_slot(LONDON_WEEKLY, created, late)

    assert slot is not None and slot.period == "2026-10-26"


def test_daily_slots_in_new_york_follow_the_november_change() -> None:
    daily = Cadence("daily", "mon", "07:30", "America/New_York")
    before = slot_at_or_before(daily, datetime(2026, 10, 31, 12, tzinfo=UTC))
    after = slot_at_or_before(daily, datetime(2026, 11, 2, 13, tzinfo=UTC))

    assert before.at == datetime(2026, 10, 31, 11, 30, tzinfo=UTC)  # EDT, UTC-4
    assert after.at == datetime(2026, 11, 2, 12, 30, tzinfo=UTC)  # EST, UTC-5


def test_a_time_inside_the_spring_gap_still_gets_a_slot_that_day() -> None:
    early = Cadence("daily", "mon", "01:30", "Europe/London")  # 29 March 2026 skips 01:00-02:00

    slot = slot_at_or_before(early, datetime(2026, 3, 29, 12, tzinfo=UTC))

    assert slot.period == "2026-03-29"
    assert slot.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "day", "at", "tz"),
    [
        ("hourly", "mon", "08:00", "UTC"),
        ("weekly", "someday", "08:00", "UTC"),
        ("weekly", "mon", "8am", "UTC"),
        ("weekly", "mon", "08:00", "Mars/Olympus"),
    ],
)
def test_bad_cadences_say_what_is_accepted(kind: str, day: str, at: str, tz: str) -> None:
    with pytest.raises(RulesError):
        Cadence(kind, day, at, tz)
