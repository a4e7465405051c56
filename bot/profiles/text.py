"""Plain text from the markup APIs put in titles and abstracts (JATS XML, HTML, entities)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# bioRxiv's exports flatten some JATS markup into letter codes: small capitals become
# `O_SCPLOW…C_SCPLOW` around the upper-cased letters ("AO_SCPLOWBSTRACTC_SCPLOW" is
# "Abstract", "O_SCPLOWPOLYFREQSC_SCPLOW" the R package "polyfreqs"), list items
# `O_LI…C_LI`, figures `O_FIG…C_FIG` with their image links. Underscores also italicise
# in Slack's mrkdwn, so none of it may reach a reader.
_SMALL_CAPS = re.compile(r"O_SC(?:PLOW|PCAP)(.*?)C_SC(?:PLOW|PCAP)", re.DOTALL)
_HEADING = re.compile(r"^\s*\d?\s*AO_SC(?:PLOW|PCAP)BSTRACTC_SC(?:PLOW|PCAP)\s*")  # "Abstract"
_SECTION_TITLE = re.compile(r"O_ST_ABS(.*?)C_ST_ABS", re.DOTALL)  # "Purpose", "Results"…
# a figure's or table's image link up to its caption (M_FIG), and the caption's number
_FIGURE = re.compile(r"O_(FIG|TBL)\b.*?\bM_\1\b|O_FLOATNO.*?C_FLOATNO", re.DOTALL)
_LEFTOVER = re.compile(r"[OC]_(?:LINKSMALLFIG|FLOATNO)|[OCM]_(?:FIG|TBL)\b")


def clean_flattened_markup(text: str) -> str:
    """Text without bioRxiv's flattened-JATS codes (small capitals keep their letters)."""
    if "_" not in text:
        return text
    text = _SMALL_CAPS.sub(lambda m: m.group(1).lower(), _HEADING.sub("", text))
    text = _SECTION_TITLE.sub(lambda m: f" {m.group(1).strip()}: ", text)
    text = _FIGURE.sub(" ", text).replace("C_LIO_LI", " ; ")
    return _LEFTOVER.sub(" ", text.replace("O_LI", " ").replace("C_LI", " "))


# A JATS abstract often opens with <jats:title>Abstract</jats:title>: a heading, not text.
_HEADINGS = {"abstract", "summary", "background", "graphical abstract"}
_BLOCKS = {"p", "jats:p", "jats:sec", "sec", "br", "div", "jats:title", "title", "li"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_title = False
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        if tag in ("jats:title", "title"):
            self._in_title, self._title = True, []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("jats:title", "title") and self._in_title:
            self._in_title = False
            heading = " ".join("".join(self._title).split())
            if heading.casefold() not in _HEADINGS:
                self.parts.append(heading + ". ")
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        (self._title if self._in_title else self.parts).append(data)


def strip_markup(text: str | None) -> str:
    """Tags dropped, entities decoded, whitespace collapsed; headings like 'Abstract' go."""
    if not text:
        return ""
    collector = _TextCollector()
    collector.feed(text)
    collector.close()
    return " ".join(clean_flattened_markup("".join(collector.parts)).split())


# C0/C1 controls (NUL, ESC, ...) and lone surrogates: PostgreSQL refuses NUL, both backends
# refuse surrogates, and terminals act on escape sequences. Tab and newline become spaces.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """Text every store and terminal accepts: controls dropped, lone surrogates replaced."""
    text = _SURROGATES.sub("\ufffd", text)
    return _CONTROLS.sub("", text.replace("\t", " "))
