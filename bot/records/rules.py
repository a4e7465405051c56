"""What a subscription wants: `DigestRules` (when, how many, which) and its `Cadence`.

This is the one place where the defaults ("weekly, Monday 08:00 UTC, top 10") and the
bounds of every setting are written. Every edge (the CLI's options, Slack's option words,
the web form, the store's rows) hands the raw text of the settings it was given to
`parse_rules`, so the same text gives the same rules, or the same error, everywhere.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = ("daily", "weekly", "instant")
INSTANT = "instant"  # one alert per new preprint past the threshold, as soon as it is scored
TOP_RANGE = (1, 100)
MAX_PER_DAY_RANGE = (1, 100)  # instant alerts per subscription and local day
DEFAULT_MAX_PER_DAY = 5
LOOKBACK_RANGE = (1, 365)
LIST_FIELDS = ("keywords", "exclude", "servers", "categories")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")
_QUIET = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


class RulesError(ValueError):
    """A digest setting is invalid; the message says what is accepted."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RulesError(
            f"time zone {name!r} is unknown: use an IANA name such as Europe/London"
        ) from None


@dataclass(frozen=True)
class Cadence:
    """When digests are due: a local wall-clock time, daily or on one weekday."""

    kind: str = "weekly"  # daily | weekly
    day: str = "mon"  # weekday of weekly digests
    time: str = "08:00"  # local time, HH:MM
    tz: str = "UTC"  # IANA time zone

    def __post_init__(self) -> None:
        if self.kind not in CADENCES:
            raise RulesError(f"cadence {self.kind!r} is not one of: {', '.join(CADENCES)}")
        if self.day not in WEEKDAYS:
            raise RulesError(f"day {self.day!r} is not one of: {', '.join(WEEKDAYS)}")
        if not _TIME.match(self.time):
            raise RulesError(f"time {self.time!r} is not a 24-hour HH:MM time such as 08:00")
        zone(self.tz)

    def describe(self) -> str:
        """`weekly on Mon at 08:00 (Europe/London)`."""
        if self.kind == INSTANT:
            return f"instant alerts ({self.tz})"
        when = f"daily at {self.time}" if self.kind == "daily" else (
            f"weekly on {self.day.capitalize()} at {self.time}"
        )  # fmt: skip
        return f"{when} ({self.tz})"


@dataclass(frozen=True)
class DigestRules:
    """Cadence, cut and filters of one subscription; invalid values cannot be built."""

    cadence: Cadence = field(default_factory=Cadence)
    top: int | None = 10  # at most this many preprints per followed journal (None: no limit)
    min_percentile: float | None = None  # 0–100: 99 keeps the top 1% of the window
    min_probability: float | None = None  # 0–1
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    lookback_days: int = 7  # how far back the first digest reaches
    max_per_day: int = DEFAULT_MAX_PER_DAY  # instant: alerts a local day, the rest rolled up
    quiet: str | None = None  # instant: "22:00-07:00" local, alerts held until it ends

    def __post_init__(self) -> None:
        if self.top is not None:
            _check_range("top", self.top, *TOP_RANGE)
        if self.min_percentile is not None and not 0 < self.min_percentile < 100:
            raise RulesError(_PERCENTILE_HINT.format(value=f"{self.min_percentile:g}"))
        if self.min_probability is not None and not 0 < self.min_probability < 1:
            raise RulesError(_PROBABILITY_HINT.format(value=f"{self.min_probability:g}"))
        _check_range("lookback days", self.lookback_days, *LOOKBACK_RANGE)
        _check_range("max per day", self.max_per_day, *MAX_PER_DAY_RANGE)
        if self.quiet is not None:
            parse_quiet(self.quiet)
        if self.instant and self.min_percentile is None and self.min_probability is None:
            raise RulesError(
                "instant alerts need a threshold: add e.g. `min 30%` (a 30% match) or "
                "`top 0.5%` (the best 0.5% of preprints), or both"
            )

    @property
    def instant(self) -> bool:
        return self.cadence.kind == INSTANT

    @property
    def quiet_hours(self) -> tuple[str, str] | None:
        """(start, end) local times of the quiet hours, if any."""
        return parse_quiet(self.quiet) if self.quiet else None

    def describe(self) -> str:
        """`weekly on Mon at 08:00 (UTC), top 10, only the top 1%`."""
        if self.instant:
            return self._describe_instant()
        cut = [f"top {self.top}"] if self.top is not None else []
        if self.min_percentile is not None:
            cut.append(f"only the top {100 - self.min_percentile:g}%")
        if self.min_probability is not None:
            cut.append(f"at least {self.min_probability * 100:g}% match")
        return f"{self.cadence.describe()}, {', '.join(cut) or 'everything'}"

    def _describe_instant(self) -> str:
        """`instant alerts (UTC) at least 30% match, at most 5 a day, quiet 22:00–07:00`."""
        cut = []
        if self.min_probability is not None:
            cut.append(f"at least {self.min_probability * 100:g}% match")
        if self.min_percentile is not None:
            cut.append(f"only the top {100 - self.min_percentile:g}%")
        cut.append(f"at most {self.max_per_day} a day")
        if self.quiet_hours:
            cut.append("quiet {}–{}".format(*self.quiet_hours))
        return f"{self.cadence.describe()}, {', '.join(cut)}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        cadence = data.pop("cadence")
        kind = cadence.pop("kind")
        lists = {name: list(getattr(self, name)) for name in LIST_FIELDS}
        return {"cadence": kind, **cadence, **data, **lists}


_PERCENTILE_HINT = (
    "min percentile {value}: give a percentile between 0 and 100, e.g. 99 (or 99%) keeps "
    "the top 1% of preprints"
)
_PROBABILITY_HINT = "min probability {value}: give a probability between 0 and 1, e.g. 0.05 (or 5%)"


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise RulesError(f"{name} {value}: choose between {low} and {high}")


# ---------------------------------------------------------------- text -> values


_WEEKDAY_NAMES = frozenset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat "
    "saturday sun sunday".split()
)


def parse_weekday(text: str) -> str:
    """'mon', 'Monday', 'THU', 'thurs' -> the three-letter form."""
    word = text.strip().lower()
    if word not in _WEEKDAY_NAMES:
        raise RulesError(f"day {text!r} is not a weekday (mon, tue, … sun)")
    return word[:3]


def is_weekday(text: str) -> bool:
    return text.strip().lower() in _WEEKDAY_NAMES


def parse_time(text: str) -> str:
    """'8:00' -> '08:00'."""
    match = _TIME.match(text.strip())
    if not match:
        raise RulesError(f"time {text!r} is not a 24-hour HH:MM time such as 08:00")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_zone(text: str) -> str:
    """An IANA zone name, any case ('europe/london' -> 'Europe/London')."""
    name = text.strip()
    if name.lower() == "utc":
        return "UTC"
    try:
        zone(name)
        return name
    except RulesError:
        found = _zones_by_lower_name().get(name.lower())
        if found is None:
            raise
        return found


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_quiet(text: str) -> tuple[str, str]:
    """'22:00-7:00' -> ('22:00', '07:00'): quiet hours, local time, may span midnight."""
    match = _QUIET.match(text)
    if not match:
        raise RulesError(f"quiet hours {text!r}: write START-END in 24-hour time, e.g. 22:00-07:00")
    start, end = parse_time(match.group(1)), parse_time(match.group(2))
    if start == end:
        raise RulesError(f"quiet hours {text!r} start and end at the same time: give a span")
    return start, end


def _quiet(text: str) -> str | None:
    if text.strip().lower() in {"", "none", "off"}:
        return None
    return "{}-{}".format(*parse_quiet(text))


def _whole(name: str, text: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise RulesError(f"{name} {text!r} is not a whole number")
    return int(value)


def _share(text: str, hint: str, percent_scale: float) -> float:
    """A number, where a trailing % divides by `percent_scale` (1 for percentiles)."""
    match = _NUMBER.match(text)
    if not match:
        raise RulesError(hint.format(value=repr(text)))
    value = float(match.group(1))
    return value / percent_scale if match.group(2) else value


def _cadence_kind(text: str) -> str:
    kind = text.strip().lower()
    if kind not in CADENCES:
        raise RulesError(f"cadence {text!r} is not one of: {', '.join(CADENCES)}")
    return kind


_CADENCE_PARSERS = {"kind": _cadence_kind, "day": parse_weekday, "time": parse_time,
                    "tz": parse_zone}  # fmt: skip
_SCALAR_PARSERS: dict[str, Any] = {
    "top": lambda text: _whole("top", text),
    "lookback_days": lambda text: _whole("lookback days", text),
    "min_percentile": lambda text: _share(text, _PERCENTILE_HINT, 1.0),
    "min_probability": lambda text: _share(text, _PROBABILITY_HINT, 100.0),
    "max_per_day": lambda text: _whole("max per day", text),
    "quiet": _quiet,
}


def parse_rules(
    given: Mapping[str, str | Sequence[str]], base: DigestRules | None = None
) -> DigestRules:
    """The rules `base` (the defaults) with the settings in `given` applied.

    Keys are `cadence` (daily|weekly|instant), `day`, `time`, `tz`, `top`,
    `min_percentile`, `min_probability`, `lookback_days`, `max_per_day`, `quiet` (text) and
    the filter lists `keywords`, `exclude`, `servers`, `categories`. A weekday given
    without a cadence means weekly.
    """
    rules = base or DigestRules()
    unknown = set(given) - {"cadence", *_CADENCE_PARSERS, *_SCALAR_PARSERS, *LIST_FIELDS}
    if unknown:
        raise RulesError(f"unknown digest setting(s): {', '.join(sorted(unknown))}")
    cadence = {k: _CADENCE_PARSERS[k](str(given[k])) for k in ("day", "time", "tz") if k in given}
    if "cadence" in given:
        cadence["kind"] = _cadence_kind(str(given["cadence"]))
    elif "day" in given:
        cadence["kind"] = "weekly"
    values: dict[str, Any] = {
        k: parse(str(given[k])) for k, parse in _SCALAR_PARSERS.items() if k in given
    }
    values.update({k: _strings(given[k]) for k in LIST_FIELDS if k in given})
    return replace(rules, cadence=replace(rules.cadence, **cadence), **values)


def _strings(value: str | Sequence[str]) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(" ".join(str(item).split()) for item in items if str(item).strip()))


def rules_from_columns(columns: Mapping[str, Any]) -> DigestRules:
    """Rules from stored values (the store's row, field by field, by name)."""
    cadence = Cadence(columns["cadence"], columns["day"], columns["time"], columns["tz"])
    values = {f.name: columns[f.name] for f in fields(DigestRules) if f.name != "cadence"}
    for name in LIST_FIELDS:
        values[name] = tuple(values[name] or ())
    return DigestRules(cadence=cadence, **values)


def rules_columns(rules: DigestRules) -> dict[str, Any]:
    """The inverse of `rules_from_columns`: one value per stored column."""
    c = rules.cadence
    values = {f.name: getattr(rules, f.name) for f in fields(DigestRules) if f.name != "cadence"}
    for name in LIST_FIELDS:
        values[name] = list(values[name])
    return {"cadence": c.kind, "day": c.day, "time": c.time, "tz": c.tz, **values}
