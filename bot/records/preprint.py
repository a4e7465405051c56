"""A preprint as a source described it: one version, cleaned, with its canonical identity."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Preprint:
    """One preprint version as a source described it, cleaned and with a canonical identity.

    `id` is the bare lower-case DOI, or `arxiv:<id>` for arXiv items (their DOI, when they
    have one, is kept in `doi`). `posted` is the first version's date when the source knows
    it, else this entry's date; `updated` is this version's date.
    """

    id: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    server: str
    posted: date
    updated: date
    doi: str | None = None
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    url: str | None = None
    announce_type: str | None = None  # arXiv RSS: new, cross, replace, replace-cross
    journal_ref: str | None = None
    published_doi: str | None = None

    @property
    def content_hash(self) -> str:
        """Changes only when what a reader (or the scoring model) sees changes."""
        material = json.dumps([self.title, self.abstract, list(self.authors)], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()
