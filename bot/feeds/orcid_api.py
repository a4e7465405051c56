"""The public ORCID API: a researcher's works (titles and identifiers, no abstracts).

`GET {base}/{orcid}/works` answers one group per work, each group holding the summaries
that sources (Crossref, the researcher, …) gave for it; the first summary with a title
names the work, and the group's external ids say where to find its abstract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.feeds.fetch import Fetcher, FetchError
from bot.records.doi import doi_from_text, orcid_from_text


@dataclass(frozen=True)
class OrcidWork:
    title: str
    doi: str | None = None
    arxiv_id: str | None = None
    year: int | None = None


def _ids(group: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    ids = (group.get("external-ids") or {}).get("external-id") or []
    for item in ids if isinstance(ids, list) else []:
        kind = str((item or {}).get("external-id-type") or "").lower()
        value = str((item or {}).get("external-id-value") or "").strip()
        if kind and value:
            found.setdefault(kind, value)
    return found


def _title(summary: Mapping[str, Any]) -> str:
    title = ((summary.get("title") or {}).get("title") or {}).get("value")
    return " ".join(str(title or "").split())


def _year(summary: Mapping[str, Any]) -> int | None:
    value = (((summary.get("publication-date") or {}).get("year")) or {}).get("value")
    return int(str(value)) if str(value or "").isdigit() else None


def work_from_group(group: Mapping[str, Any]) -> OrcidWork | None:
    """One ORCID work group as an `OrcidWork`; None when no summary has a title."""
    summaries = [s for s in group.get("work-summary") or [] if isinstance(s, dict)]
    named = next((s for s in summaries if _title(s)), None)
    if named is None:
        return None
    ids = _ids(group)
    for summary in summaries:
        for kind, value in _ids(summary).items():
            ids.setdefault(kind, value)
    doi = doi_from_text(ids["doi"]) if "doi" in ids else None
    arxiv = ids.get("arxiv", "").removeprefix("arXiv:").removeprefix("arxiv:") or None
    return OrcidWork(_title(named), doi, arxiv, _year(named))


class OrcidApi:
    def __init__(self, fetcher: Fetcher, base_url: str) -> None:
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")

    def works(self, orcid: str) -> tuple[OrcidWork, ...]:
        """Every work on the record, in the record's order; FetchError when unknown."""
        checked = orcid_from_text(orcid)
        if checked is None:
            raise FetchError(f"{orcid!r} is not an ORCID iD (e.g. 0000-0002-1825-0097)")
        try:
            payload = self.fetcher.get_json(f"{self.base_url}/{checked}/works", "ORCID")
        except FetchError as exc:
            if exc.status == 404:
                raise FetchError(f"ORCID has no record {checked}; check the iD", 404) from exc
            raise
        groups = payload.get("group") if isinstance(payload, dict) else None
        works = (work_from_group(g) for g in groups or [] if isinstance(g, dict))
        return tuple(w for w in works if w is not None)
