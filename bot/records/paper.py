"""The record type that moves papers between profile readers, the model and evaluation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.records.names import journal_from_doi

# The longest value each short field of a paper may hold: the database columns are this
# wide (bot.store.profile_models), and an import refuses a longer one with its file:line
# (except a list of categories, which keeps what fits: see `fitted_categories`).
FIELD_MAX = {"journal": 300, "doi": 300, "published_doi": 300, "category": 200, "server": 100}

# What separates the categories of a list, tried in this order: "math-ph; math.MP; ..." and
# "Quantum Physics (quant-ph); ..." (arXiv), "q-bio.NC, cs.LG", "a | b". A space separates
# only arXiv codes ("hep-th math-ph cs.LG"): bioRxiv's "cell biology" is one category.
_LIST_SEPARATORS = (";", ",", "|")
_ARXIV_CODE = re.compile(r"[a-z]+-[a-z]+(?:\.[A-Za-z-]+)?|[a-z]+\.[A-Za-z-]+")
_BARE_ARCHIVES = frozenset("cs econ eess math nlin physics stat".split())


def _arxiv_codes(text: str) -> bool:
    return all(_ARXIV_CODE.fullmatch(t) or t in _BARE_ARCHIVES for t in text.split())


def fitted_categories(text: str, longest: int = FIELD_MAX["category"]) -> str | None:
    """`text` when it fits `longest`; else its leading whole categories that fit, as written.

    A cross-listed paper's list of categories can be longer than the column: its first
    categories (the primary one comes first) are kept rather than the paper lost. None when
    even the first category is longer than `longest`: that is no category but garbage.
    """
    text = text.strip()
    if len(text) <= longest:
        return text
    separator = next((s for s in _LIST_SEPARATORS if s in text), None)
    if separator is None:
        if not _arxiv_codes(text):
            return None
        separator = " "
    # Cut just before a separator: the longest prefix of whole categories that fits.
    end = text.rfind(separator, 0, longest + 1)
    while end > 0:
        kept = text[:end].rstrip(separator + " ")
        if kept and len(kept) <= longest:
            return kept
        end = text.rfind(separator, 0, end)
    return None


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


def with_published_journal(paper: Paper) -> Paper:
    """The paper labelled by the journal its published version's DOI names
    (`journal_from_doi`: `10.1103/PhysRevD…` is Phys. Rev. D), or as it is when it has no such
    DOI or the DOI names no journal. For sets whose journal field is sparse or misspelt (the
    arXiv journal-ref: "Rhysical Review A"), while the DOI is exact."""
    named = journal_from_doi(paper.published_doi) if paper.published_doi else None
    return replace(paper, journal=named) if named and named != paper.journal else paper
