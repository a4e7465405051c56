"""feedparser entries and API records -> `Preprint` records with canonical identities.

feedparser dicts stop here: nothing outside `bot.feeds` sees them.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.feeds.text import author_names, clean_text, split_authors
from bot.profiles.text import safe_text
from bot.records.preprint import Preprint

_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"'<>?#]+)", re.IGNORECASE)
_ARXIV_ID = re.compile(
    r"(?:oai:arxiv\.org:|arxiv\.org/(?:abs|pdf)/|arxiv:|^)\s*"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v(?P<version>\d+))?",
    re.IGNORECASE,
)
_VERSION_IN_PATH = re.compile(r"v(\d+)(?:[?#/.]|$)")
_BIORXIV_SHORT = re.compile(r"/content/short/(\d{6,})v\d+")
_ANNOUNCE_PREFIX = re.compile(
    r"^\s*arXiv:\S+\s+Announce\s+Type:\s*\S+\s*(?:Abstract:\s*)?", re.IGNORECASE
)
_ANNOUNCE_ID = re.compile(r"arXiv:(\S+)\s+Announce", re.IGNORECASE)
MAX_ID_LENGTH = 300  # the widths of the preprints table's columns
MAX_URL_LENGTH = 2000
MAX_SERVER_LENGTH = 100
MAX_VERSION = 1000  # real servers stop at a few dozen; larger numbers are hostile or broken
ARXIV_API_URL = re.compile(r"arxiv\.org/api/errors", re.IGNORECASE)


def bounded(preprint: Preprint | None) -> Preprint | None:
    """Fit the storage columns and sane values: an id too long to store, or a version out of
    range, makes the item unusable (skipped); a long URL is dropped; text is `safe_text`."""
    if preprint is None:
        return None
    preprint = _safe_fields(preprint)
    if len(preprint.id) > MAX_ID_LENGTH or not 1 <= preprint.version <= MAX_VERSION:
        return None
    if preprint.doi and len(preprint.doi) > MAX_ID_LENGTH:
        return None
    url = preprint.url if preprint.url and len(preprint.url) <= MAX_URL_LENGTH else None
    if url and urlsplit(url).scheme.lower() not in ("http", "https"):
        url = None  # javascript:, data:, file: ... are never a preprint's page
    return replace(preprint, url=url, server=preprint.server[:MAX_SERVER_LENGTH])


def _safe_fields(preprint: Preprint) -> Preprint:
    """Every text field of a record through `safe_text` (one poison item never fails a feed)."""
    changes: dict[str, Any] = {}
    for name, value in vars(preprint).items():
        if isinstance(value, str):
            changes[name] = safe_text(value)
        elif isinstance(value, tuple):
            changes[name] = tuple(safe_text(v) if isinstance(v, str) else v for v in value)
    return replace(preprint, **changes)


def normalise_doi(value: str | None) -> str | None:
    """The bare lower-case DOI inside `doi:10.1101/x`, `https://doi.org/10.1101/x`, ..."""
    match = _DOI.search(value or "")
    return match.group(1).rstrip(".,;").lower() if match else None


def parse_arxiv_id(value: str | None) -> tuple[str, int | None] | None:
    """(`2401.01234`, 2) from `oai:arXiv.org:2401.01234v2`, an abs URL, or `arXiv:...`."""
    text = (value or "").strip()
    if not text or ARXIV_API_URL.search(text):
        return None
    match = _ARXIV_ID.search(text)
    if not match:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def _date(parsed: Any) -> date | None:
    if isinstance(parsed, time.struct_time):
        return datetime(*parsed[:6], tzinfo=UTC).date()
    return None


def _entry_date(entry: Mapping[str, Any], *keys: str) -> date | None:
    for key in keys:
        found = _date(entry.get(key))
        if found:
            return found
    return None


def _authors(entry: Mapping[str, Any]) -> tuple[str, ...]:
    names = [str(a.get("name") or "") for a in entry.get("authors") or [] if isinstance(a, dict)]
    if not any(names) and entry.get("author"):
        names = [str(entry["author"])]
    return author_names(names)


def _tags(entry: Mapping[str, Any]) -> tuple[str, ...]:
    terms = [clean_text(str(tag.get("term") or "")) for tag in entry.get("tags") or []]
    return tuple(dict.fromkeys(term for term in terms if term))


def _link(entry: Mapping[str, Any]) -> str | None:
    link = str(entry.get("link") or "").strip()
    return link or None


def _title(entry: Mapping[str, Any]) -> str:
    return clean_text(str(entry.get("title") or ""))


def _rxiv_preprint(
    doi: str, version: int, title: str, abstract: str, authors: tuple[str, ...], server: str,
    day: date, category: str | None,
) -> Preprint:  # fmt: skip
    """A bioRxiv/medRxiv preprint version (one date: the feed and API give only that)."""
    return Preprint(
        id=doi, version=version, title=title, abstract=abstract, authors=authors,
        server=server, posted=day, updated=day, doi=doi,
        categories=(category,) if category else (),
        url=f"https://www.{server}.org/content/{doi}v{version}",
    )  # fmt: skip


def biorxiv_entry(
    entry: Mapping[str, Any], server: str, category: str | None, today: date
) -> Preprint | None:
    """A bioRxiv/medRxiv RDF item; None when it has no title or no DOI."""
    title = _title(entry)
    link = _link(entry)
    doi = normalise_doi(str(entry.get("dc_identifier") or "")) or normalise_doi(link)
    short = _BIORXIV_SHORT.search(link or "")
    if doi is None and short and server == "biorxiv":
        doi = f"10.1101/{short.group(1)}"  # old bioRxiv ids are the DOI suffix
    if not title or doi is None:
        return None
    found = _VERSION_IN_PATH.search(urlsplit(link or "").path)
    version = int(found.group(1)) if found else 1
    day = _entry_date(entry, "updated_parsed", "published_parsed") or today
    abstract = clean_text(str(entry.get("summary") or ""))
    return _rxiv_preprint(doi, version, title, abstract, _authors(entry), server, day, category)


def arxiv_rss_entry(entry: Mapping[str, Any], today: date) -> Preprint | None:
    """An rss.arxiv.org item (new / cross / replace / replace-cross)."""
    title = _title(entry)
    summary = str(entry.get("summary") or "")
    found = parse_arxiv_id(str(entry.get("id") or "")) or _announced_id(summary)
    found = found or parse_arxiv_id(_link(entry))
    if not title or found is None:
        return None
    arxiv_id, version = found
    day = _entry_date(entry, "published_parsed", "updated_parsed") or today
    return Preprint(
        id=f"arxiv:{arxiv_id}",
        version=version or _announced_version(summary) or 1,
        title=title,
        abstract=clean_text(_ANNOUNCE_PREFIX.sub("", clean_text(summary))),
        authors=_authors(entry),
        server="arxiv",
        posted=day,
        updated=day,
        doi=normalise_doi(str(entry.get("arxiv_doi") or "")),
        arxiv_id=arxiv_id,
        categories=_tags(entry),
        url=_link(entry) or f"https://arxiv.org/abs/{arxiv_id}",
        announce_type=str(entry.get("arxiv_announce_type") or "").strip().lower() or None,
        journal_ref=clean_text(str(entry.get("arxiv_journal_reference") or "")) or None,
    )


def _announced_id(summary: str) -> tuple[str, int | None] | None:
    """The id in the description's `arXiv:2401.01234v2 Announce Type: ...` prefix."""
    match = _ANNOUNCE_ID.search(summary)
    return parse_arxiv_id(match.group(1)) if match else None


def _announced_version(summary: str) -> int | None:
    found = _announced_id(summary)
    return found[1] if found else None


def arxiv_atom_entry(entry: Mapping[str, Any], today: date) -> Preprint | None:
    """An export.arxiv.org API entry; the API's error entries have no arXiv id and are skipped."""
    title = _title(entry)
    found = parse_arxiv_id(str(entry.get("id") or "")) or parse_arxiv_id(_link(entry))
    if not title or found is None:
        return None
    arxiv_id, version = found
    updated = _entry_date(entry, "updated_parsed", "published_parsed") or today
    posted = _entry_date(entry, "published_parsed") or updated
    primary = entry.get("arxiv_primary_category") or {}
    categories = _tags(entry)
    if isinstance(primary, dict) and primary.get("term"):
        categories = tuple(dict.fromkeys((str(primary["term"]), *categories)))
    return Preprint(
        id=f"arxiv:{arxiv_id}",
        version=version or 1,
        title=title,
        abstract=clean_text(str(entry.get("summary") or "")),
        authors=_authors(entry),
        server="arxiv",
        posted=min(posted, updated),
        updated=updated,
        doi=normalise_doi(str(entry.get("arxiv_doi") or "")),
        arxiv_id=arxiv_id,
        categories=categories,
        url=f"https://arxiv.org/abs/{arxiv_id}",
        journal_ref=clean_text(str(entry.get("arxiv_journal_ref") or "")) or None,
    )


def _generic_doi(entry: Mapping[str, Any]) -> str | None:
    candidates = [entry.get(k) for k in ("dc_identifier", "prism_doi", "doi", "id")]
    candidates += [link.get("href") for link in entry.get("links") or []]
    for candidate in candidates:
        text = str(candidate or "")
        if text.lower().startswith(("doi:", "10.")) or "doi.org/" in text.lower():
            doi = normalise_doi(text)
            if doi:
                return doi
    return None


def _generic_id(entry: Mapping[str, Any], host: str, title: str, abstract: str) -> str:
    key = str(entry.get("id") or "").strip() or (_link(entry) or "")
    if key and not key.lower().startswith(("http://", "https://")):
        key = f"{host}:{key}"
    if not key or len(key) > MAX_ID_LENGTH:
        digest = hashlib.sha256(f"{key}\n{title}\n{abstract}".encode()).hexdigest()[:32]
        key = f"{host}:{digest}"
    return key


def generic_entry(entry: Mapping[str, Any], host: str, today: date) -> Preprint | None:
    """Best effort for any RSS/Atom item: DOI, else guid/link, else a content hash."""
    title = _title(entry)
    if not title:
        return None
    abstract = clean_text(str(entry.get("summary") or _content(entry)))
    doi = _generic_doi(entry)
    day = _entry_date(entry, "published_parsed", "updated_parsed", "created_parsed") or today
    return Preprint(
        id=doi or _generic_id(entry, host, title, abstract),
        version=1,
        title=title,
        abstract=abstract,
        authors=_authors(entry),
        server=host,
        posted=day,
        updated=day,
        doi=doi,
        categories=_tags(entry),
        url=_link(entry),
    )


def _content(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    return str(contents[0].get("value") or "") if contents else ""


def api_record(record: Mapping[str, Any], server: str) -> Preprint | None:
    """One row of the bioRxiv/medRxiv `details` API (one row per version)."""
    doi = normalise_doi(str(record.get("doi") or ""))
    title = clean_text(str(record.get("title") or ""))
    day = _iso_date(str(record.get("date") or ""))
    if doi is None or not title or day is None:
        return None
    version = str(record.get("version") or "1").strip()
    published = normalise_doi(str(record.get("published") or ""))
    category = clean_text(str(record.get("category") or "")).lower()
    abstract = clean_text(str(record.get("abstract") or ""))
    authors = split_authors(str(record.get("authors") or ""))
    number = int(version) if version.isdigit() else 1
    preprint = _rxiv_preprint(doi, number, title, abstract, authors, server, day, category)
    return replace(preprint, published_doi=published)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
