"""The DOI in what a person pastes: a DOI, `doi:…`, a doi.org link or a preprint's URL
(bioRxiv, medRxiv, arXiv: `preprint_key` also reads arXiv ids and links).

One parser for every edge (the CLI's `match --doi`, Slack's `match`, the web's match form
and `POST /api/match`), so a link that works in one works in all. `pasted_ids` reads every
DOI, arXiv id and ORCID iD out of a pasted list (the profile modal, `profiles create`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    doi = _VERSION_SUFFIX.sub("", doi) if doi.startswith(OPENRXIV_PREFIXES) else doi
    return doi if is_path_safe(doi) else None


def is_path_safe(doi: str) -> bool:
    """No `.`/`..` segments, backslashes or escapes: a DOI put in an API URL's path stays
    one DOI (`10.1101/../../admin` must not reach `/admin` on the API host)."""
    segments = doi.split("/")
    return all(s not in ("", ".", "..") for s in segments) and not any(c in doi for c in "\\%")


def preprint_key(text: str) -> str | None:
    """The id a preprint is stored under, from what a person pastes: `arxiv:<id>` for an
    arXiv link or id, else the bare DOI (`doi_from_text`)."""
    match = _ARXIV.search(text)
    if match is not None:
        return f"arxiv:{match.group(1).lower()}"
    return doi_from_text(text)


_DOIS = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/[^\s\"<>,;]+", re.I)
_ORCID = re.compile(r"\b(\d{4}-\d{4}-\d{4}-\d{3}[\dX])\b", re.IGNORECASE)
# a new-style arXiv id with or without its prefix (pasted lists hold bare ids too)
_BARE_ARXIV = re.compile(
    r"(?:arxiv:\s*|arxiv\.org/(?:abs|pdf|html)/)?\b(\d{4}\.\d{4,5})(?:v\d+)?\b", re.IGNORECASE
)


def orcid_from_text(text: str) -> str | None:
    """The ORCID iD in `text` (`0000-0002-1825-0097`, an orcid.org link) if its check
    digit is right (ISO 7064 11,2), else None."""
    match = _ORCID.search(text)
    if match is None:
        return None
    orcid = match.group(1).upper()
    total = 0
    for digit in orcid.replace("-", "")[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return orcid if orcid[-1] == ("X" if check == 10 else str(check)) else None


@dataclass(frozen=True)
class PastedIds:
    dois: tuple[str, ...] = ()
    arxiv_ids: tuple[str, ...] = ()
    orcids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.dois or self.arxiv_ids or self.orcids)


def pasted_ids(text: str) -> PastedIds:
    """Every DOI, arXiv id (`2401.01234`, `arXiv:…`, abs links) and ORCID iD in `text`,
    each once, in order. DOIs are taken out first, so their digits are not read as ids."""
    dois, arxiv = [], []
    for m in _DOIS.finditer(text):
        key = preprint_key(m.group(0))  # arXiv's DataCite DOIs name an arXiv id
        if key and key.startswith("arxiv:"):
            arxiv.append(key.removeprefix("arxiv:"))
        elif key:
            dois.append(key)
    rest = _DOIS.sub(" ", text)
    orcids = [o for m in _ORCID.finditer(rest) if (o := orcid_from_text(m.group(1)))]
    rest = _ORCID.sub(" ", rest)
    arxiv += [m.group(1) for m in _BARE_ARXIV.finditer(rest)]
    return PastedIds(*(tuple(dict.fromkeys(found)) for found in (dois, arxiv, orcids)))
