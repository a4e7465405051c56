"""One record of the bioRxiv/medRxiv `pubs` API as a `Paper` of the journal that published it.

`pubs` lists preprints that were later published, with the journal: the text a journal
accepted, the best data for its profile.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.profiles.text import strip_markup
from bot.records.paper import Paper, fitted_categories


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None or str(value).strip() in ("", "NA") else str(value).strip()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def paper_from_pubs(record: Mapping[str, Any], server: str) -> Paper | None:
    """A `pubs` record as a Paper; None when it lacks a journal, title or abstract."""
    journal = html.unescape(_text(record, "published_journal"))  # "X &amp; Y" is "X & Y"
    title = strip_markup(_text(record, "preprint_title"))
    abstract = strip_markup(_text(record, "preprint_abstract"))
    if not (journal and title and abstract):
        return None
    doi = _text(record, "preprint_doi") or None
    extra = {
        k: _text(record, f"preprint_{k}" if k == "authors" else k)
        for k in ("authors", "published_date")
    }
    return Paper(
        title=title,
        abstract=abstract,
        journal=" ".join(journal.split()),
        id=doi,
        doi=doi,
        published_doi=_text(record, "published_doi") or None,
        category=fitted_categories(_text(record, "preprint_category")) or None,
        server=_text(record, "server") or server,
        posted_date=_date(_text(record, "preprint_date")),
        extra={k: v for k, v in extra.items() if v},
    )
