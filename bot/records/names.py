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


# A published version's DOI names its journal for many physics publishers: the registrant's
# own code (APS "PhysRevD", Elsevier "j.physletb", OUP "mnras", EPJ "epjc") or the journal's
# ISSN (IOP, AAS, EDP, World Scientific, Elsevier before 2000). Each pattern's groups, joined,
# are the journal's code; a known code reads as the journal-ref spelling, so a label from a DOI
# and one from a journal-ref agree. AIP's "10.1063/1.2779138" and Chicago's "10.1086/518646"
# name no journal: None.
_DOI_JOURNAL = [
    re.compile(p)
    for p in (
        r"^10\.1103/(physrev[a-z]*|revmodphys|prx[a-z]*)\.",
        r"^10\.1016/(j\.[a-z]+)\.",
        r"^10\.1016/(s\d{4}-\d{3}[\dx])\(",
        r"^10\.(1088|3847|1051|1209)/(\d{4}-\d{3}[\dx])[/.-]",
        r"^10\.(1093)/([a-z]+)/",
        r"^10\.1007/(jhep)\d",
        r"^10\.1007/(s\d{5})-",
        r"^10\.1140/(epj[a-z]+)/",
        r"^10\.(1142|1017)/(s\d{7}[\dx])",
        r"^10\.1111/(j\.\d{4}-\d{3}[\dx])\.",
        r"^10\.1038/(s41\d{3})-",
        r"^10\.1038/(nature|nphys|ncomms|nphoton|nmat|nnano)\d",
        r"^10\.1143/([a-z]+)\.",
        r"^10\.1364/([a-z]+)\.",
        r"^10\.22331/(q)-",
        r"^10\.21468/(scipost[a-z]+)\.",
    )
]
_DOI_NAMES = {
    **{f"physrev{s}": f"Phys. Rev. {s.upper()}" for s in "abcdex"},
    "physrevlett": "Phys. Rev. Lett.",
    "physrevresearch": "Phys. Rev. Research",
    "physrevapplied": "Phys. Rev. Applied",
    "revmodphys": "Rev. Mod. Phys.",
    "prxquantum": "PRX Quantum",
    "j.physletb": "Phys. Lett. B", "s0370-2693": "Phys. Lett. B",
    "j.physleta": "Phys. Lett. A", "s0375-9601": "Phys. Lett. A",
    "j.nuclphysb": "Nucl. Phys. B", "s0550-3213": "Nucl. Phys. B",
    "j.nuclphysa": "Nucl. Phys. A",
    "j.physa": "Physica A",
    "j.aop": "Annals Phys.",
    "j.physrep": "Phys. Rept.",
    "jhep": "JHEP", "1088 1126-6708": "JHEP",
    "epjc": "Eur. Phys. J. C",
    "1051 0004-6361": "Astron. Astrophys.",
    "1093 mnras": "Mon. Not. Roy. Astron. Soc.", "j.1365-2966": "Mon. Not. Roy. Astron. Soc.",
    "3847 1538-4357": "Astrophys. J.", "1088 0004-637x": "Astrophys. J.",
    "3847 2041-8205": "Astrophys. J. Lett.", "3847 2041-8213": "Astrophys. J. Lett.",
    "1088 2041-8205": "Astrophys. J. Lett.",
    "3847 1538-3881": "Astron. J.", "1088 0004-6256": "Astron. J.",
    "3847 0067-0049": "Astrophys. J. Suppl.", "1088 0067-0049": "Astrophys. J. Suppl.",
    "1088 1475-7516": "JCAP",
    "1088 1367-2630": "New J. Phys.",
    "1088 1751-8113": "J. Phys. A", "1088 1751-8121": "J. Phys. A",
    "1088 0305-4470": "J. Phys. A",
    "1088 0264-9381": "Class. Quant. Grav.", "1088 1361-6382": "Class. Quant. Grav.",
    "1088 0953-8984": "J. Phys. Condens. Matter", "1088 1361-648x": "J. Phys. Condens. Matter",
    "1088 0953-4075": "J. Phys. B", "1088 1361-6455": "J. Phys. B",
    "1088 1742-6596": "J. Phys. Conf. Ser.",
    "1209 0295-5075": "Europhys. Lett.",
    "s0217751x": "Int. J. Mod. Phys. A", "s02177323": "Mod. Phys. Lett. A",
    "s00220": "Commun. Math. Phys.", "s10773": "Int. J. Theor. Phys.",
    "ptp": "Prog. Theor. Phys.",
    "nature": "Nature", "s41586": "Nature", "nphys": "Nature Phys.", "s41567": "Nature Phys.",
    "ncomms": "Nature Commun.", "s41467": "Nature Commun.",
    "q": "Quantum", "scipostphys": "SciPost Phys.",
}  # fmt: skip


def journal_from_doi(doi: str) -> str | None:
    """The journal a published version's DOI names, spelled as journal-refs spell it (a
    publisher's code when it is not among the known ones), or None when the DOI does not say.

    >>> journal_from_doi("doi:10.1103/PhysRevD.76.052005")
    'Phys. Rev. D'
    >>> journal_from_doi("10.1063/1.2779138") is None
    True
    """
    text = doi.strip().casefold().removeprefix("https://doi.org/").removeprefix("doi:")
    for pattern in _DOI_JOURNAL:
        found = pattern.match(text)
        if found:
            code = " ".join(found.groups())
            return _DOI_NAMES.get(code) or _DOI_NAMES.get(found.groups()[-1]) or f"doi {code}"
    return None
