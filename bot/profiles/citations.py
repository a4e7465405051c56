"""BibTeX and RIS: the export formats of reference managers (Zotero, Mendeley, EndNote).

Both readers yield `(line, fields)` with our field names (title, abstract, journal, doi,
date, authors, year); `bot.profiles.files` validates them into `Paper` records.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any


class CitationSyntaxError(ValueError):
    """The file is not well-formed BibTeX/RIS at `line`."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


# ---------------------------------------------------------------- BibTeX

_SKIPPED_BLOCKS = {"comment", "preamble", "string"}
_BIB_FIELDS = {
    "title": "title",
    "abstract": "abstract",
    "journal": "journal",
    "journaltitle": "journal",
    "booktitle": "journal",
    "doi": "doi",
    "date": "date",
    "year": "year",
    "author": "authors",
    "eprint": "eprint",
    "url": "url",
    "keywords": "keywords",
}
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
}
_ACCENT = re.compile(r"\\([\"'`^~=.]|[cuvH](?=[{\s]))\s*\{?\s*([A-Za-z])\}?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")


def latex_to_text(value: str) -> str:
    """Plain text from a BibTeX value: accents composed, commands and braces dropped."""
    text = _ACCENT.sub(lambda m: m.group(2) + _ACCENTS[m.group(1)], value)
    text = _ESCAPED.sub(lambda m: m.group(1), text)
    text = _COMMAND.sub("", text)
    text = text.replace("{", "").replace("}", "").replace("~", " ")
    return " ".join(unicodedata.normalize("NFC", text).split())


class _BibScanner:
    """A cursor over BibTeX text; entries are `@type{key, name = value, ...}`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, chars: str) -> str:
        self.skip_space()
        found = self.peek()
        if not found or found not in chars:
            shown = repr(found) if found else "end of file"
            raise CitationSyntaxError(self.line(), f"expected {chars[0]!r}, found {shown}")
        self.pos += 1
        return found

    def word(self) -> str:
        self.skip_space()
        match = re.compile(r"[^\s,={}()\"#]+").match(self.text, self.pos)
        if not match:
            raise CitationSyntaxError(self.line(), "expected a name")
        self.pos = match.end()
        return match.group(0)

    def balanced(self, open_: str, close: str) -> str:
        """Text up to the `close` matching an already consumed `open_`."""
        depth, start = 1, self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                self.pos += 1
            elif char == open_:
                depth += 1
            elif char == close:
                depth -= 1
                if depth == 0:
                    return self.text[start : self.pos - 1]
        raise CitationSyntaxError(self.line(start), f"unbalanced {open_!r}: missing {close!r}")

    def quoted(self) -> str:
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth == 0:
                return self.text[start : self.pos - 1]
        raise CitationSyntaxError(self.line(start), 'unterminated "..." value')

    def value(self) -> str:
        parts = []
        while True:
            self.skip_space()
            opener = self.peek()
            if opener in ("{", '"'):
                self.pos += 1
                parts.append(self.balanced("{", "}") if opener == "{" else self.quoted())
            else:
                parts.append(self.word())  # a number or an @string macro name
            self.skip_space()
            if self.peek() != "#":
                return "".join(parts)
            self.pos += 1

    def fields(self, close: str) -> dict[str, str]:
        found: dict[str, str] = {}
        while True:
            self.skip_space()
            if self.peek() == close:
                self.pos += 1
                return found
            name = self.word().lower()
            self.expect("=")
            found[name] = self.value()
            self.skip_space()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != close:
                raise CitationSyntaxError(self.line(), f"expected ',' or {close!r} after {name}")


def _bib_entry(scanner: _BibScanner) -> dict[str, str] | None:
    kind = scanner.word().lower()
    opener = scanner.expect("{(")
    close = "}" if opener == "{" else ")"
    if kind in _SKIPPED_BLOCKS:
        scanner.balanced(opener, close)
        return None
    scanner.word()  # the citation key
    scanner.skip_space()
    if scanner.peek() == ",":
        scanner.pos += 1
    return scanner.fields(close)


def _bib_fields(raw: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in raw.items():
        ours = _BIB_FIELDS.get(name)
        if ours and ours not in fields:
            fields[ours] = latex_to_text(value)
    if "authors" in fields:
        fields["authors"] = [a.strip() for a in fields["authors"].split(" and ") if a.strip()]
    return fields


def read_bibtex_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line of the '@', fields) for each entry; text outside entries is ignored."""
    scanner = _BibScanner(text)
    while (at := text.find("@", scanner.pos)) >= 0:
        scanner.pos = at + 1
        line = scanner.line(at)
        entry = _bib_entry(scanner)
        if entry is not None:
            yield line, _bib_fields(entry)


# ---------------------------------------------------------------- RIS

_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_RIS_FIELDS = {
    "TI": "title",
    "T1": "title",
    "AB": "abstract",
    "N2": "abstract",
    "JF": "journal",
    "JO": "journal",
    "T2": "journal",
    "JA": "journal",
    "DO": "doi",
    "DA": "date",
    "PY": "year",
    "Y1": "year",
    "UR": "url",
}
_RIS_LISTS = {"AU": "authors", "A1": "authors", "KW": "keywords"}


def _ris_date(value: str) -> str | None:
    """RIS dates look like 2020/03/15/ or 2020///; keep full dates only, as ISO."""
    parts = [p for p in value.strip().split("/") if p]
    if len(parts) >= 3 and all(p.isdigit() for p in parts[:3]):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return None


def _ris_record(lines: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for tag, value in lines:
        if tag in _RIS_LISTS:
            fields.setdefault(_RIS_LISTS[tag], []).append(value)
        elif tag in _RIS_FIELDS and _RIS_FIELDS[tag] not in fields:
            fields[_RIS_FIELDS[tag]] = value
    for key in ("date", "year"):
        if key in fields and (iso := _ris_date(fields[key])):
            fields["date"] = iso
    if "year" in fields:
        fields["year"] = fields["year"].split("/")[0]
    return fields


def read_ris_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line of 'TY  -', fields) for each record between TY and ER."""
    record: list[tuple[str, str]] | None = None
    start = 0
    first_text, any_record = 0, False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        first_text = first_text or (number if line.strip() else 0)
        match = _RIS_LINE.match(line)
        if match is None:
            if record and line.strip():  # a wrapped value continues the previous tag
                tag, value = record[-1]
                record[-1] = (tag, f"{value} {line.strip()}")
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if record is not None:
                raise CitationSyntaxError(number, "new record (TY) before the last one ended (ER)")
            record, start, any_record = [], number, True
        elif tag == "ER":
            if record is None:
                raise CitationSyntaxError(number, "ER without a TY starting the record")
            yield start, _ris_record(record)
            record = None
        elif record is not None:
            record.append((tag, value))
    if record is not None:
        raise CitationSyntaxError(start, "record started (TY) but never ended (ER)")
    if first_text and not any_record:
        raise CitationSyntaxError(first_text, "no record (TY  - … ER  -) in the file; is it RIS?")
