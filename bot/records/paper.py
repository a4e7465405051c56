"""The record type that moves papers between profile readers, the model and evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
