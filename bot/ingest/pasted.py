"""Pasted text → papers in a custom profile: the one path Slack's modal and the web form share.

The text may hold DOIs, arXiv ids, ORCID iDs (`bot.records.doi.pasted_ids`) or BibTeX/RIS
records (read by the profile file reader); identifiers are resolved by `fill_profile`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.ingest.profile_fill import FillReport, fill_profile, open_sources, orcid_works, wanted_from
from bot.profiles.files import PaperFileError, read_papers
from bot.records.doi import PastedIds, pasted_ids
from bot.records.paper import Paper
from bot.store import Store
from bot.store.profiles import import_papers

NOTHING_FOUND = (
    "I found no DOI, arXiv id, ORCID iD or BibTeX/RIS entry here: paste e.g. "
    "10.1101/2024.01.02.573902 or 0000-0002-1825-0097, one or more per line."
)


@dataclass(frozen=True)
class Pasted:
    """What a submission brought: identifiers to resolve and/or citation records."""

    ids: PastedIds
    citations: tuple[Paper, ...] = ()

    @property
    def empty(self) -> bool:
        return self.ids.empty and not self.citations


def _citation_suffix(text: str) -> str | None:
    if "@" in text and "{" in text:
        return ".bib"
    if any(line.startswith("TY  -") for line in text.splitlines()):
        return ".ris"
    return None


def read_pasted(text: str) -> Pasted:
    """The pasted text's identifiers, or its BibTeX/RIS records (through the file reader)."""
    suffix = _citation_suffix(text)
    if suffix is None:
        return Pasted(pasted_ids(text))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"pasted{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            papers = tuple(read_papers(path, skip_bad_rows=True, require_journal=False))
        except PaperFileError:
            papers = ()
    # entries without an abstract may still carry a DOI worth resolving
    return Pasted(pasted_ids(text) if not papers else PastedIds(), papers)


def fill_from_pasted(
    store: Store,
    settings: Settings,
    name: str,
    pasted: Pasted,
    *,
    source: str,
    team: str | None,
    created_by: str | None,
) -> FillReport:
    """Store the pasted citations and resolve the identifiers into the profile `name`.

    Raises `ProfileError` when `name` cannot be a custom profile (e.g. a journal's name).
    """
    if pasted.citations:
        import_papers(store, pasted.citations, source=f"{source}:citations",
                      custom_profile=name, team=team, created_by=created_by)  # fmt: skip
    with open_sources(settings) as sources:
        wanted = wanted_from(pasted.ids)
        for orcid in pasted.ids.orcids:
            wanted.extend(orcid_works(sources, orcid))
        return fill_profile(store, sources, name, wanted, source=source,
                            team=team, created_by=created_by)  # fmt: skip
