"""Plain text out of feed markup: tags stripped, entities decoded, whitespace collapsed.

Also author-list splitting, because bioRxiv writes `Kukla, D., Crampton, A.` (two people,
four commas) while arXiv writes `Alice Smith, Bob Jones`.
"""

from __future__ import annotations

import html
import re

from bot.profiles.text import clean_flattened_markup


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Inline tags join their text to the neighbours ("H<sub>2</sub>O" stays "H2O"); every other
# tag is a word boundary ("</p><p>" must not glue two sentences together).
_INLINE = _words(
    "a abbr b bdi bdo big cite code del dfn em font i ins italic kbd mark q s samp sc small "
    "span strike strong sub sup tt u var bold underline monospace overline"
)
_BLOCK = _words(
    "address article aside blockquote body br caption center col colgroup dd details div dl "
    "dt embed figcaption figure footer h1 h2 h3 h4 h5 h6 head header hr html img label li "
    "link main math meta nav ol p param pre section source summary table tbody td tfoot th "
    "thead title tr ul wbr"
)
# A `<` starts a tag only when a known element (or a namespaced one: jats:p, mml:mi) with
# well-formed attributes follows, so abstracts keep their maths: "$n<k$ and $m>2$".
_TAG = re.compile(
    r"<(?P<close>/)?(?P<name>[A-Za-z][\w.-]*(?::[A-Za-z][\w.-]*)?)"
    r"(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*\s*/?>"
)
_NOT_TEXT = re.compile(r"<!--.*?(?:-->|$)|<!\[CDATA\[|\]\]>|<![A-Za-z][^>]*>|<\?[^>]*\?>", re.S)
# Elements whose content is never text a reader should see.
_DROPPED = re.compile(
    r"<(script|style|noscript|template|iframe|object|svg)\b[^>]*>.*?(?:</\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
# Markup that survived one pass because it was entity-escaped (`&lt;i&gt;`) gets another.
_ESCAPED_MARKUP = re.compile(
    r"(?:<|&lt;)\s*/?\s*(?:script|style|p|br|div|span|i|b|em|strong|sub|sup|a|ul|ol|li|h\d|"
    r"(?:jats|mml):[a-z-]+)\b[^<>]*?(?:>|&gt;)",
    re.IGNORECASE,
)
_SCRIPT_TEXT = re.compile(
    r"(?:<|&lt;)\s*script\b.*?(?:(?:<|&lt;)\s*/\s*script\s*(?:>|&gt;)|$)",
    re.IGNORECASE | re.DOTALL,
)


def _is_element(name: str) -> bool:
    lowered = name.lower()
    return ":" in lowered or lowered in _INLINE or lowered in _BLOCK


def _strip_once(markup: str) -> str:
    text = _DROPPED.sub(" ", _NOT_TEXT.sub(" ", markup))
    parts: list[str] = []
    position = 0
    for tag in _TAG.finditer(text):
        if not _is_element(tag.group("name")):
            continue  # `<k and m>` in an abstract is text, not a tag
        parts.append(html.unescape(text[position : tag.start()]))
        local = tag.group("name").rsplit(":", 1)[-1].lower()  # jats:italic -> italic
        parts.append("" if local in _INLINE else " ")
        position = tag.end()
    parts.append(html.unescape(text[position:]))
    return "".join(parts)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())  # str.split() also splits on NBSP and other Unicode spaces


def clean_text(markup: str | None) -> str:
    """Plain text from HTML/JATS or already-plain text; nothing of a <script> survives."""
    text = markup or ""
    for _ in range(3):
        text = _strip_once(text)
        if not _ESCAPED_MARKUP.search(text):
            break
    return collapse_whitespace(clean_flattened_markup(_SCRIPT_TEXT.sub(" ", text)))


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
