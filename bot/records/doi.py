"""The DOI in what a person pastes: a DOI, `doi:…`, a doi.org link or a preprint's URL
(bioRxiv, medRxiv, arXiv: `preprint_key` also reads arXiv ids and links).

One parser for every edge (the CLI's `match --doi`, Slack's `match`, the web's match form
and `POST /api/match`), so a link that works in one works in all.
"""

from __future__ import annotations

import re

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"v\d+$")
_PAGE_SUFFIXES = (".full.pdf", ".full", ".abstract", ".article-info", ".article-metrics")
# bioRxiv/medRxiv (openRxiv) DOIs, old and new prefix: their URLs end in a version (…v2)
# that is not part of the DOI
OPENRXIV_PREFIXES = ("10.1101/", "10.64898/")
# arXiv: an abs/pdf/html link, `arXiv:2401.01234v2`, or its DataCite DOI 10.48550/arXiv.…;
# stored preprints are keyed `arxiv:<id>` without the version
_ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|\barxiv:\s*|\b10\.48550/arxiv\.)"
    r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)


def doi_from_text(text: str) -> str | None:
    """The bare lower-case DOI in `text` (an openRxiv URL's version suffix dropped)."""
    match = _DOI.search(text)
    if match is None:
        return None
    doi = match.group(1).rstrip(".,;)").lower()
    doi = re.split(r"[?#]", doi)[0]
    for suffix in _PAGE_SUFFIXES:
        doi = doi.removesuffix(suffix)
    doi = doi.rstrip("/")
    return _VERSION_SUFFIX.sub("", doi) if doi.startswith(OPENRXIV_PREFIXES) else doi


def preprint_key(text: str) -> str | None:
    """The id a preprint is stored under, from what a person pastes: `arxiv:<id>` for an
    arXiv link or id, else the bare DOI (`doi_from_text`)."""
    match = _ARXIV.search(text)
    if match is not None:
        return f"arxiv:{match.group(1).lower()}"
    return doi_from_text(text)
