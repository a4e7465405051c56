"""Subscription options as typed after a journal name (pure).

`weekly mon 08:00 Europe/London top 10 min 99%` → `Options(...)`. A word that is not an
option raises `NotAnOption` (the journal name goes on); a bad value raises `CommandError`
saying what is accepted.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from bot.digest.cadence import CadenceError, normalise_time, parse_weekday, zone

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?$")
_WEEKDAY_WORDS = {
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs",
    "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
}  # fmt: skip
_FILLERS = {"at", "every", "on", "in"}


class CommandError(ValueError):
    """The text could not be understood; the message says what to type instead."""


@dataclass(frozen=True)
class Options:
    """Subscription options given in the command; None means "use the default"."""

    cadence: str | None = None
    day: str | None = None
    time: str | None = None
    tz: str | None = None
    top: int | None = None
    min_percentile: float | None = None


class NotAnOption(Exception):
    """A token is not an option word: the journal name extends further."""


def parse_options(words: list[str]) -> Options:
    """`weekly mon 08:00 Europe/London top 10 min 99%` → Options; bad values raise."""
    values: dict[str, object] = {}
    i = 0
    while i < len(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        i += _option(words[i].rstrip(","), nxt, values)
    return Options(**values)  # type: ignore[arg-type]


def _option(raw: str, nxt: str | None, values: dict[str, object]) -> int:
    """Read one option into `values`; return how many words it used."""
    word = raw.lower()
    if word in _FILLERS:
        return 1
    if word in {"weekly", "daily"}:
        return _set(values, "cadence", word, 1)
    if word in _WEEKDAY_WORDS:
        values.setdefault("cadence", "weekly")
        return _set(values, "day", parse_weekday(word), 1)
    if re.match(r"^\d{1,2}:\d{2}$", word):
        return _set(values, "time", _time(word), 1)
    if word in {"tz", "timezone"} and nxt is not None:
        return _set(values, "tz", _tz(nxt), 2)
    if "/" in word or word == "utc":
        return _set(values, "tz", _tz(raw), 1)
    if word == "top" and nxt is not None and nxt.isdigit():
        return _set(values, "top", _top(nxt), 2)
    if word == "min" and nxt is not None and _PERCENT.match(nxt):
        return _set(values, "min_percentile", _percent(nxt), 2)
    raise NotAnOption(word)


def _set(values: dict[str, object], key: str, value: object, used: int) -> int:
    values[key] = value
    return used


def _time(word: str) -> str:
    try:
        return normalise_time(word)
    except CadenceError as exc:
        raise CommandError(f"{exc}: e.g. `mon 08:00`.") from None


def _tz(word: str) -> str:
    if word.lower() == "utc":
        return "UTC"
    try:
        zone(word)
        return word
    except CadenceError as exc:
        # people type "europe/london"; IANA names are case-sensitive on disk
        name = _zones_by_lower_name().get(word.lower())
        if name is None:
            raise CommandError(f"{exc} (or America/New_York).") from None
        return name


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _top(word: str) -> int:
    value = int(word)
    if not 1 <= value <= 100:
        raise CommandError(f"top {word}: choose between 1 and 100, e.g. `top 10`.")
    return value


def _percent(word: str) -> float:
    value = float(word.rstrip("%"))
    if not 0 < value < 100:
        raise CommandError(
            f"min {word}: give a percentile between 0 and 100, e.g. `min 99%` "
            "keeps the top 1% of preprints."
        )
    return value


def options_text(options: Options) -> str:
    """Options as they would be typed: `weekly mon 08:00 Europe/London top 10 min 99%`."""
    parts = [options.cadence or "", options.day or "", options.time or ""]
    parts.append(f"tz {options.tz}" if options.tz else "")
    parts.append(f"top {options.top}" if options.top is not None else "")
    if options.min_percentile is not None:
        parts.append(f"min {options.min_percentile:g}%")
    return " ".join(p for p in parts if p)
