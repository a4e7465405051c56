"""When digests are due: slots in the subscriber's own time zone, DST-correct.

A slot is a local wall-clock time ("08:00 Europe/London") on a local date, converted to
UTC only at the end, so a weekly 08:00 digest stays at 08:00 local across a DST change
and each local date yields exactly one slot. The period key is the slot's local date:
it names the digest uniquely per subscription.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = ("daily", "weekly")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class CadenceError(ValueError):
    """A cadence setting is invalid; the message says what is accepted."""


@dataclass(frozen=True)
class Cadence:
    kind: str = "weekly"  # daily | weekly
    day: str = "mon"  # weekday for weekly digests
    at: str = "08:00"  # local wall-clock time, HH:MM
    tz: str = "UTC"  # IANA time zone name

    def __post_init__(self) -> None:
        if self.kind not in CADENCES:
            raise CadenceError(f"cadence {self.kind!r} is not one of: daily, weekly")
        if self.day not in WEEKDAYS:
            raise CadenceError(f"day {self.day!r} is not one of: {', '.join(WEEKDAYS)}")
        if not _TIME.match(self.at):
            raise CadenceError(f"time {self.at!r} is not a 24-hour HH:MM time such as 08:00")
        zone(self.tz)


@dataclass(frozen=True)
class Slot:
    at: datetime  # UTC instant
    period: str  # local date, ISO format


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CadenceError(
            f"time zone {name!r} is unknown: use an IANA name such as Europe/London"
        ) from None


def parse_weekday(value: str) -> str:
    """Accept 'mon', 'Monday', 'MON'; return the three-letter form."""
    short = value.strip().lower()[:3]
    if short not in WEEKDAYS:
        raise CadenceError(f"day {value!r} is not a weekday (mon, tue, … sun)")
    return short


def normalise_time(value: str) -> str:
    match = _TIME.match(value.strip())
    if not match:
        raise CadenceError(f"time {value!r} is not a 24-hour HH:MM time such as 08:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _slot_on(cadence: Cadence, day: date) -> Slot | None:
    if cadence.kind == "weekly" and WEEKDAYS[day.weekday()] != cadence.day:
        return None
    hour, minute = (int(part) for part in cadence.at.split(":"))
    # fold=0: an ambiguous local time means its first occurrence; a time inside a spring
    # gap resolves to the instant just after the gap, so no date ever loses its slot
    local = datetime.combine(day, time(hour, minute), tzinfo=zone(cadence.tz))
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
    slot = slot_at_or_before(cadence, now)
    return slot if slot.at > created_at else None
