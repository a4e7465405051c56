"""Feed bytes -> `ParsedFeed`: feedparser does the XML, we decide what kind of feed it is.

The kind comes from the content (namespaces, ids, channel metadata), never from the host, so a
mirror or a proxy URL of a bioRxiv or arXiv feed is still read as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.feeds.normalise import (
    arxiv_atom_entry,
    arxiv_rss_entry,
    biorxiv_entry,
    bounded,
    generic_entry,
)
from bot.feeds.parsed import ARXIV_ATOM, ARXIV_RSS, BIORXIV_RDF, GENERIC, ParsedFeed
from bot.feeds.text import clean_text
from bot.records.preprint import Preprint

ARXIV_NAMESPACE = "http://arxiv.org/schemas/atom"
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])",
    re.IGNORECASE | re.DOTALL,
)
_SUBJECT_COLLECTION = re.compile(r"^(bio|med)rxiv subject collection:\s*(.*)$", re.IGNORECASE)
_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")

NOT_A_FEED_HTML = (
    "the URL returned an HTML web page, not an RSS/Atom feed; "
    "check the feed URL (open it in a browser and look for its RSS link)"
)

EntryReader = Callable[[Mapping[str, Any]], Preprint | None]


# raw C0 controls are never legal XML; a character reference to one (or to a surrogate, or
# past U+10FFFF) makes feedparser's fallback parser raise, which would lose the whole feed
_RAW_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _allowed_ref(match: re.Match[bytes]) -> bytes:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    legal = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF
    return match.group() if legal and code not in (0xFFFE, 0xFFFF) else b"&#xFFFD;"


def xml_safe(body: bytes) -> bytes:
    """The feed without characters XML forbids (raw controls, references to surrogates)."""
    if body.startswith(_UTF16_BOMS):
        return body
    return _CHAR_REF.sub(_allowed_ref, _RAW_CONTROLS.sub(b"", body))


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(body[:2048].lstrip(b"\xef\xbb\xbf")))


_ITEM_START = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")


def cap_items(body: bytes, max_items: int | None) -> tuple[bytes, int]:
    """The body cut before its (max_items+1)-th item, and how many items were cut.

    feedparser builds a dict per item; cutting before parsing keeps a feed of 265,000 tiny
    items (under the byte cap) from taking gigabytes. The loose parser reads the cut body.
    """
    if max_items is None:
        return body, 0
    starts = _ITEM_START.finditer(body)
    cut_at = next((m.start() for i, m in enumerate(starts) if i == max_items), None)
    if cut_at is None:
        return body, 0
    dropped = 1 + sum(1 for _ in starts)
    return body[:cut_at], dropped


def parse_feed(
    body: bytes, content_type: str | None, feed_url: str, today: date,
    max_items: int | None = None,
) -> ParsedFeed:  # fmt: skip
    """Parse and normalise one feed body (its first `max_items` items); problems are
    described, never raised."""
    if looks_like_html(body):
        return ParsedFeed(kind=GENERIC, title=None, preprints=(), problem=NOT_A_FEED_HTML)
    body, dropped = cap_items(xml_safe(body), max_items)
    headers = {"content-type": content_type} if content_type else {}
    # feedparser's HTML sanitizer reads `$n<k$` as a tag and eats maths; we only ever keep
    # plain text, and clean_text drops scripts itself
    parsed = feedparser.parse(
        body, response_headers=headers, resolve_relative_uris=False, sanitize_html=False
    )
    title = clean_text(str(parsed.feed.get("title") or "")) or None
    kind = detect_kind(parsed)
    problem = _whole_feed_problem(parsed)
    if problem:
        return ParsedFeed(kind=kind, title=title, preprints=(), problem=problem)
    read = _entry_reader(kind, parsed, feed_url, today)
    preprints = [bounded(read(entry)) for entry in parsed.entries]
    kept = tuple(p for p in preprints if p is not None)
    skipped = len(preprints) - len(kept)
    warnings = _warnings(parsed, skipped)
    if dropped:
        warnings += (
            f"{dropped} items past the first {max_items} were not read (RXRADAR_MAX_FEED_ITEMS)",
        )
    return ParsedFeed(kind, title, kept, skipped=skipped + dropped, warnings=warnings)


def detect_kind(parsed: Any) -> str:
    version = str(parsed.get("version") or "")
    entries = parsed.get("entries") or []
    rdf = version.startswith("rss09") or version == "rss10"
    if rdf and biorxiv_server(parsed) is not None:
        return BIORXIV_RDF
    namespaces = set((parsed.get("namespaces") or {}).values())
    arxiv_ids = any(str(e.get("id") or "").lower().startswith("oai:arxiv.org:") for e in entries)
    announced = any(e.get("arxiv_announce_type") for e in entries)
    if ARXIV_NAMESPACE in namespaces or arxiv_ids or announced:
        return ARXIV_ATOM if version.startswith("atom") else ARXIV_RSS
    return GENERIC


def biorxiv_server(parsed: Any) -> str | None:
    """`biorxiv` or `medrxiv` when the channel or its items say so, else None."""
    feed = parsed.get("feed") or {}
    hints = [str(feed.get("prism_publicationname") or ""), str(feed.get("title") or "")]
    for entry in (parsed.get("entries") or [])[:5]:
        if str(entry.get("dc_identifier") or "").lower().startswith("doi:"):
            hints.append(urlsplit(str(entry.get("link") or "").strip()).netloc)
    for hint in hints:
        lowered = hint.lower()
        for server in ("medrxiv", "biorxiv"):
            if server in lowered:
                return server
    return None


def subject_category(feed_title: str | None) -> str | None:
    """`neuroscience` from `bioRxiv Subject Collection: Neuroscience` (none for `All`)."""
    match = _SUBJECT_COLLECTION.match(feed_title or "")
    subject = match.group(2).strip().lower() if match else ""
    return subject if subject and subject != "all" else None


def _entry_reader(kind: str, parsed: Any, feed_url: str, today: date) -> EntryReader:
    if kind == BIORXIV_RDF:
        server = biorxiv_server(parsed) or "biorxiv"
        category = subject_category(str(parsed.feed.get("title") or ""))
        return lambda entry: biorxiv_entry(entry, server, category, today)
    if kind == ARXIV_RSS:
        return lambda entry: arxiv_rss_entry(entry, today)
    if kind == ARXIV_ATOM:
        return lambda entry: arxiv_atom_entry(entry, today)
    host = (urlsplit(feed_url).hostname or "unknown").lower()
    return lambda entry: generic_entry(entry, host, today)


def _exception_name(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return type(exc).__name__ if exc is not None else ""


def _describe(exc: Any) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _whole_feed_problem(parsed: Any) -> str | None:
    if parsed.get("entries"):
        return None
    version = str(parsed.get("version") or "")
    exc = parsed.get("bozo_exception")
    if parsed.get("bozo") and _exception_name(parsed) not in _HARMLESS:
        return (
            f"the response is not a readable feed: the XML is malformed ({_describe(exc)}); "
            "check the feed URL, or ask the publisher to fix the feed"
        )
    if not parsed.get("feed") and not version:
        return "the response body was empty; check the feed URL, or wait for the server to recover"
    if not version:
        return (
            "the response is not an RSS or Atom feed (no channel or feed element found); "
            "check the feed URL"
        )
    return None  # a valid feed with no items: arXiv on weekends, not an error


def _warnings(parsed: Any, skipped: int) -> tuple[str, ...]:
    notes: list[str] = []
    exc = parsed.get("bozo_exception")
    if parsed.get("bozo") and _exception_name(parsed) == "CharacterEncodingOverride":
        encoding = parsed.get("encoding") or "another encoding"
        notes.append(f"the feed's declared encoding was wrong; read it as {encoding}")
    elif parsed.get("bozo") and _exception_name(parsed) not in _HARMLESS:
        notes.append(f"the feed XML is malformed ({_describe(exc)}); usable entries were kept")
    if skipped:
        entries = "entry" if skipped == 1 else "entries"
        notes.append(f"{skipped} {entries} skipped: no title or no usable id")
    return tuple(notes)
