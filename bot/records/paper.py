"""The record type that moves papers between profile readers, the model and evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The longest value each short field of a paper may hold: the database columns are this
# wide (bot.store.profile_models), and an import refuses a longer one with its file:line.
FIELD_MAX = {"journal": 300, "doi": 300, "published_doi": 300, "category": 200, "server": 100}


@dataclass(frozen=True)
class Paper:
    """A paper's text plus, for training/evaluation data, the journal it appeared in."""

    title: str
    abstract: str
    journal: str | None = None  # display name as given in the source
    id: str | None = None  # preprint DOI / arXiv id when known
    doi: str | None = None
    published_doi: str | None = None
    category: str | None = None
    server: str | None = None
    posted_date: date | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def text(self) -> str:
        """What the model reads: title and abstract."""
        return f"{self.title}. {self.abstract}".strip()
