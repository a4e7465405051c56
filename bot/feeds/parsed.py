"""What one feed body yielded, and the kinds of feed rxradar recognises by their content."""

from __future__ import annotations

from dataclasses import dataclass

from bot.records.preprint import Preprint

# What a feed turned out to be, detected from its content (never from its host name).
BIORXIV_RDF = "biorxiv-rdf"
ARXIV_RSS = "arxiv-rss"
ARXIV_ATOM = "arxiv-atom"
GENERIC = "generic"


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed body yielded. `problem` is set when the body as a whole is unusable."""

    kind: str
    title: str | None
    preprints: tuple[Preprint, ...]
    skipped: int = 0
    problem: str | None = None
    warnings: tuple[str, ...] = ()
