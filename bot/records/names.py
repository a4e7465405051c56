"""Journal names: one normalised key per journal, however a source spells it.

Real sources disagree on case (`PLoS ONE`, `PLOS ONE`, `Plos One`), escape `&` as
`&amp;` (the bioRxiv `pubs` API), write `&` or `and` (Scopus titles), keep or drop a
leading "The" and punctuation (`The Journal Of Physical Chemistry. B`), and sometimes use
an abbreviation. The rules below were read off the bioRxiv/Scopus/NLM crosswalk; they are
code, not data, so nothing outside the package is read at runtime.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Spellings that no character rule can join: a key on the left is read as the one on the
# right. Keys here are already normalised by the rules in `_base_key`.
_SYNONYMS: dict[str, str] = {
    "pnas": "proceedings of the national academy of sciences",
    "proc natl acad sci u s a": "proceedings of the national academy of sciences",
    "proceedings of the national academy of sciences of the united states of america": (
        "proceedings of the national academy of sciences"
    ),
    "proceedings of the national academy of sciences of the usa": (
        "proceedings of the national academy of sciences"
    ),
    "plosone": "plos one",
}

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LEADING_THE = re.compile(r"^the\s+")
# NLM titles add a place to tell namesakes apart: "Aging (Albany NY)", "Science (New York,
# N.Y.)"; every other source writes the bare title.
_TRAILING_PLACE = re.compile(r"\s*\([^()]*\)\s*$")


def _base_key(name: str) -> str:
    text = html.unescape(html.unescape(name))  # some sources escape twice (&amp;amp;)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("_", " ")
    text = _TRAILING_PLACE.sub("", text)
    text = _APOSTROPHES.sub("", text)  # "Alzheimer's" and "Alzheimers" are one word
    text = text.replace("&", " and ").replace("+", " and ")
    text = _NON_WORD.sub(" ", text).strip()
    return _LEADING_THE.sub("", text)


def journal_key(name: str) -> str:
    """The normalised key that makes every spelling of one journal compare equal.

    >>> journal_key("The Journal Of Physical Chemistry. B")
    'journal of physical chemistry b'
    >>> journal_key("Genes &amp; Development") == journal_key("Genes and Development")
    True
    """
    key = _base_key(name)
    return _SYNONYMS.get(key, key)


# Short words that title-casing tools capitalise but journals do not ("The Journal Of
# Biological Chemistry" in the bioRxiv data). Not "a": "Proceedings … Society A" is a series.
_SMALL_WORDS = frozenset("of and the in for on at to with from by de la du des et und".split())


def _small_word(word: str, first: bool) -> str:
    if not first and word.lower() in _SMALL_WORDS and word == word.capitalize():
        return word.lower()  # "Of" → "of"; "OF" (a name in capitals) stays
    return word


def clean_name(name: str) -> str:
    """A spelling fit for display: entities unescaped, whitespace collapsed, "Of" → "of"."""
    words = html.unescape(html.unescape(name)).split()
    return " ".join(_small_word(word, i == 0) for i, word in enumerate(words))


def _display_rank(name: str) -> tuple[int, int]:
    # Among equally common spellings prefer one with capitals ("PLOS ONE" is a real name, so
    # SHOUTING is not penalised), then one without a leading "The"; else the first seen.
    return int(name != name.lower()), int(not name.lower().startswith("the "))


def display_name(spellings: Iterable[str]) -> str:
    """The spelling to show for a journal: the most common one, ties broken by tidiness."""
    counts = Counter(clean_name(s) for s in spellings if s and s.strip())
    if not counts:
        raise ValueError("display_name needs at least one non-empty spelling")
    return max(counts, key=lambda s: (counts[s], _display_rank(s)))


_FILLER = {"of", "the", "and", "in", "for", "on", "de", "la"}


def _subsequence(short: str, word: str) -> bool:
    letters = iter(word)
    return all(ch in letters for ch in short)


def abbreviates(query: str, name: str) -> bool:
    """Whether `query` is an abbreviation of `name`, word by word.

    Each query word must start like its journal word and keep its letters in order
    ("PLoS Comp Biol" → PLOS Computational Biology, "Proc Natl Acad Sci" → Proceedings of
    the National Academy of Sciences); filler words may be left out.
    """
    short = [w for w in journal_key(query).split() if w not in _FILLER]
    full = [w for w in _base_key(name).split() if w not in _FILLER]
    if not short or len(short) != len(full):
        return False
    return all(s[0] == f[0] and _subsequence(s, f) for s, f in zip(short, full, strict=True))


# arXiv journal-refs abbreviate freely: "Phys.Rev.D", "Phys. Rev. D", "Physical Review D",
# "PHYSICAL REVIEW D", "J. Phys. A: Math. Theor." (the section's later subtitle) are one
# journal. A word abbreviated in such a reference ends with a dot; only those words may be
# read as the start of a longer word, so "Genes" never becomes "Genetics" nor "Cell" "Cells".
_DOTTED_WORD = re.compile(r"([^\W\d_]+)\.")
# "J. Phys. A: Math. Theor.": a one-letter section, then a colon and a subtitle.
_SECTION_SUBTITLE = re.compile(r"^(.*\b[A-Za-z])\s*:.*$")
# What a cut-off reference leaves after the name: "Physics Letters A, Vol.", "…, v."
_TRAILING_VOLUME = re.compile(r"[\s,;]+(?:vol|volume|v|no)\.?\s*$", re.IGNORECASE)


def reference_key(name: str) -> str:
    """`journal_key` of a journal-ref spelling, a trailing "vol." and a section's
    subtitle left out."""
    text = _TRAILING_VOLUME.sub("", clean_name(name))
    return journal_key(_SECTION_SUBTITLE.sub(r"\1", text))


def _content_words(key: str) -> list[str]:
    return [word for word in key.split() if word not in _FILLER]


def _dotted(name: str) -> set[str]:
    return {journal_key(word) for word in _DOTTED_WORD.findall(clean_name(name))}


def _expands(short: str, full: str, dotted: set[str]) -> bool:
    """Whether the words of key `short` are those of `full`, dotted ones possibly cut."""
    a, b = _content_words(short), _content_words(full)
    if len(a) != len(b) or a == b:
        return False
    return all(s == f or (s in dotted and abbreviates(s, f)) for s, f in zip(a, b, strict=True))


def merge_abbreviations(names: Iterable[str]) -> dict[str, str]:
    """Each spelling's journal: `reference_key`, with an abbreviated key read as the one
    longer key among `names` it abbreviates (left alone when it fits none or several).

    >>> merged = merge_abbreviations(["Phys.Rev.Lett.", "Physical Review Letters"])
    >>> merged["Phys.Rev.Lett."] == merged["Physical Review Letters"]
    True
    """
    spellings = {name for name in names if name and name.strip()}
    keys = {name: reference_key(name) for name in spellings}
    by_length: dict[int, set[str]] = {}
    for key in set(keys.values()):
        by_length.setdefault(len(_content_words(key)), set()).add(key)
    out: dict[str, str] = {}
    for name, key in keys.items():
        dotted = _dotted(name)
        longer = [
            full
            for full in by_length.get(len(_content_words(key)), set())
            if dotted and len(full) > len(key) and _expands(key, full, dotted)
        ]
        out[name] = longer[0] if len(longer) == 1 else key
    return out
