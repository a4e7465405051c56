"""Records as plain JSON-ready data, one way for every `--json` and API answer."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any


def plain_value(value: Any) -> Any:
    """Dates as ISO text, tuples as lists, nested records as dicts; the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain_value(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return plain(value)
    return value


def plain(
    record: Any,
    *,
    only: Collection[str] | None = None,
    names: Mapping[str, str] | None = None,
    strip_prefix: str = "",
) -> dict[str, Any]:
    """A dataclass record's fields in declaration order, as JSON-ready values.

    `only` keeps some fields, `names` renames some, `strip_prefix` drops a prefix such as
    the `n_` of counters (`n_added` -> `added`).
    """
    names = names or {}
    out: dict[str, Any] = {}
    for field in fields(record):
        if only is not None and field.name not in only:
            continue
        name = names.get(field.name) or field.name.removeprefix(strip_prefix)
        out[name] = plain_value(getattr(record, field.name))
    return out
