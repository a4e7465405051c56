"""Plain text out of feed markup: tags stripped, entities decoded, whitespace collapsed.

Also author-list splitting, because bioRxiv writes `Kukla, D., Crampton, A.` (two people,
four commas) while arXiv writes `Alice Smith, Bob Jones`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Inline tags join their text to the neighbours ("H<sub>2</sub>O" stays "H2O"); every other
# tag is a word boundary ("</p><p>" must not glue two sentences together).
_INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "italic",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "sc",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "tt",
        "u",
        "var",
        "bold",
        "underline",
        "monospace",
        "overline",
    ]
)
# Their content is never text a reader should see.
_DROPPED = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg"})
# Markup that survived one pass because it was entity-escaped (`&lt;i&gt;`) gets a second.
_ESCAPED_MARKUP = re.compile(
    r"(?:<|&lt;)\s*/?\s*(?:script|style|p|br|div|span|i|b|em|strong|sub|sup|a|ul|ol|li|h\d|"
    r"(?:jats|mml):[a-z-]+)\b[^>]*>",
    re.IGNORECASE,
)
_SCRIPT_TEXT = re.compile(
    r"(?:<|&lt;)\s*script\b.*?(?:(?:<|&lt;)\s*/\s*script\s*(?:>|&gt;)|$)", re.IGNORECASE | re.DOTALL
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    @staticmethod
    def _local(tag: str) -> str:
        return tag.rsplit(":", 1)[-1].lower()  # jats:italic -> italic

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = self._local(tag)
        if name in _DROPPED:
            self._dropping += 1
        elif name not in _INLINE:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._local(tag) not in _INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        name = self._local(tag)
        if name in _DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif name not in _INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def _strip_once(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())  # str.split() also splits on NBSP and other Unicode spaces


def clean_text(markup: str | None) -> str:
    """Plain text from HTML/JATS or already-plain text; nothing of a <script> survives."""
    text = markup or ""
    for _ in range(3):
        text = _strip_once(text)
        if not _ESCAPED_MARKUP.search(text):
            break
    return collapse_whitespace(_SCRIPT_TEXT.sub(" ", text))


# One initial: "D", "D.", "Ch." (with a dot when lower-case follows); joined by spaces/hyphens.
_INITIALS = re.compile(r"^(?:(?:[A-Z]\.?|[A-Z][a-z]{1,2}\.)[\s-]*)+$")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_AND = re.compile(r"(?:^|\s+)and\s+", re.IGNORECASE)


def _is_initials(token: str) -> bool:
    return bool(_INITIALS.match(token))


def _merge_initials(tokens: list[str]) -> list[str]:
    """Rejoin `Surname`, `Initials` pairs that a comma split apart."""
    people: list[str] = []
    for token in tokens:
        suffix = token.lower() in _SUFFIXES
        if people and (suffix or (_is_initials(token) and "," not in people[-1])):
            people[-1] = f"{people[-1]}, {token}"
        else:
            people.append(token)
    return people


def _comma_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for piece in text.split(","):
        # "A Smith and B Jones" / ", and C Lee": "and" separates people too
        tokens.extend(part.strip() for part in _AND.split(piece.strip()))
    return [token for token in tokens if token]


def split_authors(raw: str | None) -> tuple[str, ...]:
    """One string per person from `Kukla, D., Crampton, A.`, `A Smith, B Jones` or `X; Y`."""
    text = clean_text(raw)
    if not text:
        return ()
    if ";" in text:
        return tuple(part.strip() for part in text.split(";") if part.strip())
    return tuple(_merge_initials(_comma_tokens(text)))


def author_names(names: list[str]) -> tuple[str, ...]:
    """Authors from a feed's author elements: one element may still hold the whole list."""
    cleaned = [clean_text(name) for name in names]
    cleaned = [name for name in cleaned if name]
    if len(cleaned) == 1:
        return split_authors(cleaned[0])
    return tuple(cleaned)
