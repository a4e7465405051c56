"""What happened to a preprint after it was posted: the journal that published it, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Publication:
    """A preprint's published version as a source (pubs API, Crossref) reported it."""

    preprint_id: str  # our canonical id (the lower-case preprint DOI)
    published_doi: str | None
    journal: str  # display name as the source spelled it
    published_date: date | None
    source: str  # biorxiv-pubs, medrxiv-pubs or crossref


@dataclass(frozen=True)
class Outcome:
    """A stored publication, with the journal resolved to our profile."""

    preprint_id: str
    published_doi: str | None
    journal: str  # the profile's display name
    profile_id: int | None
    published_date: date | None
    source: str
