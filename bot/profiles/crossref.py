"""Crossref works as `Paper` records: a journal's own recent papers with their abstracts.

Abstracts are JATS XML; we keep their text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.profiles.text import strip_markup
from bot.records.paper import Paper, fitted_categories

_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dX])$")


class IssnError(ValueError):
    """Not an ISSN; the message shows the form to write."""


def normalise_issn(raw: str) -> str:
    match = _ISSN.match(raw.strip().upper())
    if not match:
        raise IssnError(f"{raw!r} is not an ISSN; use the form 1234-567X")
    return f"{match.group(1)}-{match.group(2)}"


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _issued(item: Mapping[str, Any]) -> date | None:
    parts = ((item.get("issued") or {}).get("date-parts") or [[None]])[0]
    if len(parts) >= 3 and all(isinstance(p, int) for p in parts[:3]):
        try:
            return date(parts[0], parts[1], parts[2])
        except ValueError:
            return None
    return None


def paper_from_work(item: Mapping[str, Any]) -> Paper | None:
    """A Crossref work as a Paper; None without a title or abstract."""
    title = strip_markup(_first(item.get("title")))
    abstract = strip_markup(str(item.get("abstract") or ""))
    if not (title and abstract):
        return None
    doi = str(item.get("DOI") or "").lower() or None
    issued = _issued(item)
    return Paper(
        title=title,
        abstract=abstract,
        journal=strip_markup(_first(item.get("container-title"))) or None,
        id=doi,
        doi=doi,
        published_doi=doi,
        category=fitted_categories(_first(item.get("subject"))) or None,
        posted_date=issued,
        extra={"issns": list(item.get("ISSN") or [])},
    )
