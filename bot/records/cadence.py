"""When digests are due: slots in the subscriber's own time zone, DST-correct.

A slot is a local wall-clock time ("08:00 Europe/London") on a local date, converted to
UTC only at the end, so a weekly 08:00 digest stays at 08:00 local across a DST change
and each local date yields exactly one slot. The period key is the slot's local date:
it names the digest uniquely per subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from bot.records.rules import INSTANT, WEEKDAYS, Cadence, zone


@dataclass(frozen=True)
class Slot:
    at: datetime  # UTC instant
    period: str  # local date, ISO format


def _slot_on(cadence: Cadence, day: date) -> Slot | None:
    if cadence.kind == "weekly" and WEEKDAYS[day.weekday()] != cadence.day:
        return None
    hour, minute = (int(part) for part in cadence.time.split(":"))
    # fold=0: an ambiguous local time means its first occurrence; a time inside a spring
    # gap resolves to the instant just after the gap, so no date ever loses its slot
    local = datetime.combine(day, clock(hour, minute), tzinfo=zone(cadence.tz))
    return Slot(at=local.astimezone(UTC), period=day.isoformat())


def slot_at_or_before(cadence: Cadence, when: datetime) -> Slot:
    """The latest slot at or before `when` (an aware datetime)."""
    local_day = when.astimezone(zone(cadence.tz)).date()
    for back in range(9):
        slot = _slot_on(cadence, local_day - timedelta(days=back))
        if slot is not None and slot.at <= when:
            return slot
    raise AssertionError("a weekly cadence always has a slot within nine days")


def next_slot_after(cadence: Cadence, when: datetime) -> Slot:
    """The earliest slot strictly after `when`."""
    local_day = when.astimezone(zone(cadence.tz)).date()
    for ahead in range(9):
        slot = _slot_on(cadence, local_day + timedelta(days=ahead))
        if slot is not None and slot.at > when:
            return slot
    raise AssertionError("a weekly cadence always has a slot within nine days")


def due_slot(cadence: Cadence, created_at: datetime, now: datetime) -> Slot | None:
    """The slot whose digest is due at `now`, if any.

    The first digest is the first slot after the subscription was created; a digest is
    due from its slot until the next slot, so any run in between may send it (once).
    """
    if cadence.kind == INSTANT:
        return None  # alerts are sent as preprints are scored (`bot.delivery.alerts`)
    slot = slot_at_or_before(cadence, now)
    return slot if slot.at > created_at else None
