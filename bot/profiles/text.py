"""Plain text from the markup APIs put in titles and abstracts (JATS XML, HTML, entities)."""

from __future__ import annotations

from html.parser import HTMLParser

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
    return " ".join("".join(collector.parts).split())
