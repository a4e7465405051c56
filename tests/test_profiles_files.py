"""Reading papers from JSONL, CSV, BibTeX and RIS files, and reporting bad rows clearly."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from bot.profiles.files import PaperFileError, read_papers
from bot.records.paper import FIELD_MAX, fitted_categories
from tests.conftest import shared_data


def _write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_it_reads_jsonl_and_keeps_the_optional_fields(tmp_path: Path) -> None:
    row = {
        "id": "10.1101/001",
        "title": " A  title ",
        "abstract": "An abstract.",
        "journal": "Genes &amp; Development",
        "category": "genetics",
        "server": "biorxiv",
        "posted_date": "2015-02-20",
        "published_doi": "10.1/x",
        "authors": "Doe, J.",
    }
    (paper,) = read_papers(_write_jsonl(tmp_path / "p.jsonl", [row]))
    assert paper.title == "A title"
    assert paper.journal == "Genes & Development"
    assert paper.id == "10.1101/001"
    assert paper.posted_date == date(2015, 2, 20)
    assert paper.published_doi == "10.1/x"
    assert paper.extra == {"authors": "Doe, J."}


def test_it_reads_gzipped_jsonl_and_unlabelled_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"title": "T", "abstract": "A", "journal": None}) + "\n\n")
    (paper,) = read_papers(path)
    assert paper.journal is None


def test_broken_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"title": "T", "abstract": "A"}\n{"title": "U", \n', encoding="utf-8")
    with pytest.raises(PaperFileError, match=r"p\.jsonl:2: broken JSON"):
        list(read_papers(path))


def test_a_missing_abstract_names_the_file_and_line(tmp_path: Path) -> None:
    rows = [{"title": "T", "abstract": "A"}, {"title": "No text", "abstract": "  "}]
    with pytest.raises(PaperFileError, match=r"p\.jsonl:2: missing abstract for 'No text'"):
        list(read_papers(_write_jsonl(tmp_path / "p.jsonl", rows)))


def test_bad_rows_can_be_skipped_and_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"title": "T", "abstract": "A"}\nnot json\n[1]\n{"abstract": "A"}\n')
    problems: list[PaperFileError] = []
    papers = list(read_papers(path, skip_bad_rows=True, problems=problems))
    assert [p.title for p in papers] == ["T"]
    assert [p.line for p in problems] == [2, 3, 4]


def test_it_reads_csv_with_quoted_multiline_abstracts(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        'Title,Abstract,Journal,DOI\nOne,"Line one\nline two",PLOS ONE,10.1/a\nTwo,,Genetics,\n',
        encoding="utf-8",
    )
    with pytest.raises(PaperFileError, match=r"p\.csv:4: missing abstract for 'Two'"):
        list(read_papers(path))
    first = next(iter(read_papers(path)))
    assert (first.abstract, first.journal, first.doi) == ("Line one line two", "PLOS ONE", "10.1/a")


def test_a_csv_without_a_title_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("name,text\na,b\n", encoding="utf-8")
    with pytest.raises(PaperFileError, match="no 'title' column"):
        list(read_papers(path))


def test_it_reads_bibtex_with_latex_accents_strings_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(
        "% exported\n@string{j = {Genes}}\n"
        "@article{a1,\n  title = {The {CRISPR} screen of M\\\"uller's lab},\n"
        '  author = {M{\\"u}ller, Hans and Smith, J.},\n  journal = {Genes \\& Development},\n'
        '  year = 2020, doi = {10.1/abc},\n  abstract = "We {show} that x."\n}\n'
        "@comment{ignored {nested}}\n"
        '@misc(a2, title="Second", abstract={Two} # " parts", date={2021-02-03})\n',
        encoding="utf-8",
    )
    first, second = read_papers(path)
    assert first.title == "The CRISPR screen of Müller's lab"
    assert first.journal == "Genes & Development"
    assert first.extra["authors"] == ["Müller, Hans", "Smith, J."]
    assert (first.doi, first.abstract) == ("10.1/abc", "We show that x.")
    assert (second.abstract, second.posted_date) == ("Two parts", date(2021, 2, 3))


def test_broken_bibtex_names_the_line_of_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@article{a,\n title = {T},\n abstract = {open\n", encoding="utf-8")
    with pytest.raises(PaperFileError, match=r"refs\.bib:3: broken BibTeX: unbalanced"):
        list(read_papers(path))


def test_it_reads_ris_with_wrapped_lines(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text(
        "TY  - JOUR\nTI  - A title\nAU  - Doe, J.\nAU  - Roe, R.\nAB  - First part\n"
        "  continued here\nJO  - PLoS ONE\nDO  - 10.2/xyz\nPY  - 2020/03/15/\nER  - \n\n"
        "TY  - JOUR\nT1  - No abstract\nER  - \n",
        encoding="utf-8",
    )
    with pytest.raises(PaperFileError, match=r"refs\.ris:12: missing abstract"):
        list(read_papers(path))
    paper = next(iter(read_papers(path)))
    assert paper.abstract == "First part continued here"
    assert paper.extra["authors"] == ["Doe, J.", "Roe, R."]
    assert (paper.journal, paper.posted_date) == ("PLoS ONE", date(2020, 3, 15))


def test_an_unknown_file_type_says_which_types_work(tmp_path: Path) -> None:
    path = tmp_path / "refs.docx"
    path.write_bytes(b"x")
    with pytest.raises(PaperFileError, match="unknown file type; use JSONL"):
        list(read_papers(path))


def test_the_shared_labelled_preprints_load_as_they_are() -> None:
    path = shared_data("biorxiv_2013_2016_journal_labels/preprints.jsonl.gz")
    papers = list(read_papers(path))
    assert len(papers) == 4179
    assert sum(1 for p in papers if p.journal) == 2923
    assert all(p.id and p.id.startswith("10.1101/") for p in papers)


def test_a_230_character_cross_listed_category_list_keeps_its_leading_categories(
    tmp_path: Path,
) -> None:
    categories = (  # as arXiv lists a cross-listed paper's categories
        "Mathematical Physics (math-ph); Mathematics - Mathematical Physics (math.MP); Quantum "
        "Physics (quant-ph); High Energy Physics - Theory (hep-th); Exactly Solvable and "
        "Integrable Systems (nlin.SI); Quantum Gases (cond-mat.quant-gas)"
    )
    assert len(categories) == 230
    row = {"title": "Spin chains", "abstract": "Exactly solved.", "category": categories}
    (paper,) = read_papers(_write_jsonl(tmp_path / "p.jsonl", [row]))  # was: PaperFileError
    assert paper.category == "; ".join(categories.split("; ")[:5])


def test_a_category_list_is_cut_only_between_whole_categories() -> None:
    assert fitted_categories("q-bio.NC, " * 30) == ", ".join(["q-bio.NC"] * 20)
    assert fitted_categories("hep-th math-ph cs.LG math " * 10) == " ".join(
        ("hep-th math-ph cs.LG math " * 8).split()[:30]
    )
    assert fitted_categories(" cell biology ") == "cell biology"
    assert fitted_categories("cell biology " * 20) is None  # spaces in words separate nothing
    assert fitted_categories("x" * 201 + "; math-ph") is None  # the first one is garbage
    assert fitted_categories("x" * 150, longest=100) is None


def test_a_category_is_measured_as_written_not_as_a_journal_key(tmp_path: Path) -> None:
    # "&" is "and" in a journal's key (235 characters here); a category has no key: 197 fit
    category = " & ".join(["Ecology"] * 20)
    assert len(category) == 197
    row = {"title": "Niches", "abstract": "Of ecology.", "category": category}
    (paper,) = read_papers(_write_jsonl(tmp_path / "p.jsonl", [row]))  # was: PaperFileError
    assert paper.category == category


def test_the_shared_arxiv_records_are_all_read_none_refused_for_its_categories() -> None:
    path = shared_data("arxiv_journal_ref_samples/records.jsonl.gz")
    problems: list[PaperFileError] = []
    papers = list(read_papers(path, skip_bad_rows=True, problems=problems))
    assert [p for p in problems if "category" in p.problem] == []  # were 7 cross-listings
    assert len(papers) == 3280
    assert all(len(p.category or "") <= FIELD_MAX["category"] for p in papers)


def test_a_row_without_any_journal_field_is_refused_when_journals_are_required(
    tmp_path: Path,
) -> None:
    rows = [
        {"title": "T", "abstract": "A", "journal": "Genetics"},
        {"title": "U", "abstract": "B", "journal": None},  # unlabelled: fine
        {"title": "V", "abstract": "C"},  # no journal field at all
    ]
    path = _write_jsonl(tmp_path / "p.jsonl", rows)
    with pytest.raises(PaperFileError, match=r"p\.jsonl:3: no 'journal' field.*--profile NAME"):
        list(read_papers(path, require_journal=True))
    assert len(list(read_papers(path))) == 3


def test_an_empty_journal_cell_is_unlabelled_but_a_missing_column_is_refused(
    tmp_path: Path,
) -> None:
    with_column = tmp_path / "a.csv"
    with_column.write_text("title,abstract,journal\nT,A,\n", encoding="utf-8")
    (paper,) = read_papers(with_column, require_journal=True)
    assert paper.journal is None
    without = tmp_path / "b.csv"
    without.write_text("title,abstract\nT,A\n", encoding="utf-8")
    with pytest.raises(PaperFileError, match=r"b\.csv:2: no 'journal' field"):
        list(read_papers(without, require_journal=True))
