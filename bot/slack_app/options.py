"""Subscription options as typed after a journal name (pure).

`weekly mon 08:00 Europe/London top 10 min 99%` → the raw values of the settings it names
(`{"cadence": "weekly", "day": "mon", …}`), which `bot.records.rules.parse_rules` turns
into `DigestRules` exactly as it does for the CLI's options. A word that is not an option
raises `NotAnOption` (the journal name goes on).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.records.rules import INSTANT, DigestRules, RulesError, is_weekday, parse_rules

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%?$")
_SHARE = re.compile(r"^(\d+(?:\.\d+)?)%$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}$")
_FILLERS = {"at", "every", "on", "in"}


class CommandError(ValueError):
    """The text could not be understood; the message says what to type instead."""


class NotAnOption(Exception):
    """A token is not an option word: the journal name extends further."""


def option_values(words: Sequence[str]) -> dict[str, str]:
    """The settings the words name, as raw text; raises NotAnOption at a non-option word."""
    values: dict[str, str] = {}
    i = 0
    while i < len(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        i += _option(words[i].rstrip(","), nxt, values)
    return values


def _option(raw: str, nxt: str | None, values: dict[str, str]) -> int:
    """Read one option into `values`; return how many words it used."""
    word = raw.lower()
    if word in _FILLERS:
        return 1
    if word in {"weekly", "daily", "instant"}:
        values["cadence"] = word
        return 1
    if is_weekday(word):
        values["day"] = word
        return 1
    if _CLOCK.match(word):
        values["time"] = word
        return 1
    if word in {"tz", "timezone"} and nxt is not None:
        values["tz"] = nxt
        return 2
    if "/" in word or word == "utc":
        values["tz"] = raw
        return 1
    if word == "top" and nxt is not None and nxt.isdigit():
        values["top"] = nxt
        return 2
    if word == "top" and nxt is not None and _SHARE.match(nxt):
        values["top_share"] = nxt  # "top 0.5%": the best 0.5% of the window
        return 2
    if word == "min" and nxt is not None and _PERCENT.match(nxt):
        values["min"] = nxt
        return 2
    if word == "max" and nxt is not None and nxt.isdigit():
        values["max_per_day"] = nxt
        return 2
    if word in {"per", "day", "a"} and "max_per_day" in values:
        return 1  # "max 3 per day", "max 3 a day"
    if word == "quiet" and nxt is not None:
        values["quiet"] = nxt
        return 2
    raise NotAnOption(word)


def _settings(values: dict[str, str]) -> dict[str, str]:
    """The words' values under `parse_rules`' names.

    `min X` is a percentile for digests ("min 99%": the top 1%) but, for instant alerts,
    the match score itself ("instant min 30%": a 30% match), as alerts are read one by
    one; `top X%` is the share of the window for both."""
    settings = {k: v for k, v in values.items() if k not in {"min", "top_share"}}
    if "min" in values:
        instant = values.get("cadence") == INSTANT
        settings["min_probability" if instant else "min_percentile"] = values["min"]
    if "top_share" in values:
        share = float(values["top_share"].rstrip("%"))
        if not 0 < share < 100:
            raise CommandError(f"top {values['top_share']}: give a share between 0% and 100%.")
        settings["min_percentile"] = f"{100 - share:g}"
    return settings


def rules_from_words(words: Sequence[str], tz: str = "UTC") -> DigestRules:
    """The rules the option words ask for; the time zone defaults to `tz` (the caller's)."""
    values = _settings(option_values(words))
    values.setdefault("tz", tz)
    try:
        return parse_rules(values)
    except RulesError as exc:
        raise CommandError(f"{exc}.") from None


def check_words(words: Sequence[str]) -> None:
    """Raise CommandError now for a bad value, so the acknowledgement can say so."""
    rules_from_words(words)
