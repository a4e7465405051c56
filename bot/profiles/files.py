"""Read papers from files: JSONL (optionally gzipped), CSV/TSV, BibTeX and RIS.

Every reader turns its rows into `Paper` records and reports a bad row as
`PaperFileError` naming the file and line, so a user can fix it. Rows whose journal is
empty are still papers (unlabelled preprints in the shared data); callers decide what to
do with them.
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from bot.profiles.citations import CitationSyntaxError, read_bibtex_rows, read_ris_rows
from bot.profiles.text import clean_flattened_markup, safe_text
from bot.records.names import clean_name, journal_key
from bot.records.paper import FIELD_MAX, Paper, fitted_categories

log = logging.getLogger(__name__)

# Fields that map onto Paper attributes; everything else present in a row goes to `extra`.
_KNOWN = ("title", "abstract", "journal", "id", "doi", "published_doi", "category", "server")
_DATE_FIELDS = ("posted_date", "date", "preprint_date")
FORMATS = "JSONL (.jsonl, .jsonl.gz), CSV (.csv, .csv.gz), TSV (.tsv), BibTeX (.bib) or RIS (.ris)"


# The longest line any import file may have (the longest in the shared data is 37,128):
# read in pieces of this size, so a small gzip of one huge line never fills memory.
MAX_LINE_CHARS = 1_000_000

_NO_JOURNAL = (
    "no 'journal' field; give each paper's journal (empty or null when unknown), "
    "or import the file as a custom profile with --profile NAME"
)


class PaperFileError(ValueError):
    """A file or one of its rows cannot be read; the message names the file:line and the fix."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class RawRow:
    """One row as a reader found it, before validation."""

    line: int
    fields: Mapping[str, Any]
    problem: str | None = None  # set when the row could not even be parsed


RowReader = Callable[[Path, Iterable[str]], Iterator[RawRow]]


def file_format(path: Path) -> str:
    """'jsonl', 'csv', 'tsv', 'bibtex' or 'ris', judged by the file name."""
    name = path.name.lower().removesuffix(".gz")
    for suffixes, kind in (
        ((".jsonl", ".ndjson", ".json"), "jsonl"),
        ((".csv",), "csv"),
        ((".tsv", ".tab"), "tsv"),
        ((".bib", ".bibtex"), "bibtex"),
        ((".ris",), "ris"),
    ):
        if name.endswith(suffixes):
            return kind
    raise PaperFileError(path, 0, f"unknown file type; use {FORMATS}")


def read_papers(
    path: Path,
    *,
    skip_bad_rows: bool = False,
    problems: list[PaperFileError] | None = None,
    require_journal: bool = False,
) -> Iterator[Paper]:
    """Yield every paper in `path`.

    A bad row (no title, no abstract, broken JSON; with `require_journal`, no journal field
    at all) raises `PaperFileError`, or with `skip_bad_rows` is logged (debug), appended to
    `problems` (when given) and skipped. A journal field that is empty or null is fine: the
    paper is unlabelled.
    """
    reader = _READERS[file_format(path)]
    for row in _raw_rows(path, reader):
        try:
            if require_journal and row.problem is None and "journal" not in row.fields:
                raise PaperFileError(path, row.line, _NO_JOURNAL)
            yield paper_from_fields(path, row)
        except PaperFileError as exc:
            if not skip_bad_rows:
                raise
            log.debug("skipping %s", exc)  # the caller summarises `problems`
            if problems is not None:
                problems.append(exc)


def _raw_rows(path: Path, reader: RowReader) -> Iterator[RawRow]:
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            yield from reader(path, _capped_lines(path, handle))
    except FileNotFoundError:
        raise PaperFileError(path, 0, "no such file; check the path") from None
    except UnicodeDecodeError as exc:
        raise PaperFileError(path, 0, f"not UTF-8 text ({exc.reason}); re-save as UTF-8") from None
    except (gzip.BadGzipFile, EOFError) as exc:
        raise PaperFileError(path, 0, f"broken gzip file ({exc})") from None


def _capped_lines(path: Path, handle: IO[str]) -> Iterator[str]:
    """The file's lines, each read at most `MAX_LINE_CHARS` at a time (longer: refused)."""
    number = 0
    while line := handle.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line.rstrip("\r\n")) > MAX_LINE_CHARS:
            raise PaperFileError(
                path, number, f"line longer than {MAX_LINE_CHARS:,} characters (not a paper file)"
            )
        yield line


def _jsonl_rows(path: Path, handle: Iterable[str]) -> Iterator[RawRow]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRow(number, {}, f"broken JSON ({exc.msg}, column {exc.colno}); fix the line")
            continue
        except RecursionError:
            yield RawRow(number, {}, "JSON nested too deeply; each line is one flat object")
            continue
        except ValueError as exc:  # an integer of more than 4,300 digits
            yield RawRow(number, {}, f"unreadable JSON value ({exc}); fix the line")
            continue
        if not isinstance(value, dict):
            yield RawRow(number, {}, "each line must be a JSON object {...}")
            continue
        yield RawRow(number, value)


def _delimited_rows(path: Path, handle: Iterable[str], delimiter: str) -> Iterator[RawRow]:
    csv.field_size_limit(MAX_LINE_CHARS)
    # strict: an unterminated quote is an error, not a field holding the rest of the file
    reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
    start = 1
    try:
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        if "title" not in headers:
            raise PaperFileError(path, 1, "no 'title' column; the header needs title and abstract")
        reader.fieldnames = headers
        start = reader.line_num + 1
        for row in reader:
            # an empty journal cell is kept: it means "unlabelled", not "no journal column"
            fields = {
                k: v
                for k, v in row.items()
                if k is not None and (v not in (None, "") or k == "journal")
            }
            yield RawRow(start, fields)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PaperFileError(
            path, start, f'broken CSV ({exc}); is a quote (") left open in this row?'
        ) from None


def _csv_rows(path: Path, handle: Iterable[str]) -> Iterator[RawRow]:
    return _delimited_rows(path, handle, ",")


def _tsv_rows(path: Path, handle: Iterable[str]) -> Iterator[RawRow]:
    return _delimited_rows(path, handle, "\t")


def _bibtex_rows(path: Path, handle: Iterable[str]) -> Iterator[RawRow]:
    try:
        for line, fields in read_bibtex_rows("".join(handle)):
            yield RawRow(line, fields)
    except CitationSyntaxError as exc:
        raise PaperFileError(path, exc.line, f"broken BibTeX: {exc.problem}") from None


def _ris_rows(path: Path, handle: Iterable[str]) -> Iterator[RawRow]:
    try:
        for line, fields in read_ris_rows(handle):
            yield RawRow(line, fields)
    except CitationSyntaxError as exc:
        raise PaperFileError(path, exc.line, f"broken RIS: {exc.problem}") from None


_READERS: dict[str, RowReader] = {
    "jsonl": _jsonl_rows,
    "csv": _csv_rows,
    "tsv": _tsv_rows,
    "bibtex": _bibtex_rows,
    "ris": _ris_rows,
}


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    text = " ".join(clean_flattened_markup(safe_text(str(value))).split())
    return text or None


def _safe_value(value: Any) -> Any:
    """`value` with every string in it `safe_text` (no NUL, escapes or lone surrogates)."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, list):
        return [_safe_value(v) for v in value]
    if isinstance(value, dict):
        return {safe_text(str(k)): _safe_value(v) for k, v in value.items()}
    return value


def _check_lengths(path: Path, row: RawRow, values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if not value:
            continue
        longest = FIELD_MAX[name]
        # A journal is stored under its key too (profiles.key), which can be the longer one
        # ("&" is "and"); no other field has a key.
        length = max(len(value), len(journal_key(value))) if name == "journal" else len(value)
        if length > longest:
            raise PaperFileError(
                path, row.line, f"{name} is {len(value):,} characters; at most {longest} fit"
            )


def _posted_date(fields: Mapping[str, Any]) -> date | None:
    for name in _DATE_FIELDS:
        raw = _text(fields, name)
        if raw:
            try:
                return date.fromisoformat(raw[:10])
            except ValueError:
                continue
    return None


def paper_from_fields(path: Path, row: RawRow) -> Paper:
    """Validate one raw row into a Paper (title and abstract are required)."""
    if row.problem:
        raise PaperFileError(path, row.line, row.problem)
    fields = row.fields
    title = _text(fields, "title")
    abstract = _text(fields, "abstract")
    if not title:
        raise PaperFileError(path, row.line, "missing title; every paper needs a title")
    if not abstract:
        raise PaperFileError(
            path, row.line, f"missing abstract for {title[:60]!r}; add it or drop the row"
        )
    journal = _text(fields, "journal")
    short = {name: _text(fields, name) for name in ("doi", "published_doi", "category", "server")}
    if short["category"]:
        # A long cross-listing keeps its leading categories; one category that long is refused.
        short["category"] = fitted_categories(short["category"]) or short["category"]
    _check_lengths(path, row, {"journal": journal, **short})
    extra = {
        safe_text(str(k)): _safe_value(v)
        for k, v in fields.items()
        if k not in _KNOWN and k not in _DATE_FIELDS and v not in (None, "", [])
    }
    return Paper(
        title=title,
        abstract=abstract,
        journal=clean_name(journal) if journal else None,
        id=_text(fields, "id") or short["doi"],
        doi=short["doi"],
        published_doi=short["published_doi"],
        category=short["category"],
        server=short["server"],
        posted_date=_posted_date(fields),
        extra=extra,
    )
