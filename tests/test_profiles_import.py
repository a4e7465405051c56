"""Importing papers into journal and custom profiles: one journal per spelling, no half-writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.profiles.files import PaperFileError, read_papers
from bot.store import Store
from bot.store.profile_models import Profile, ProfilePaper
from bot.store.profiles import (
    ProfileError,
    ProfileSummary,
    Suggestions,
    find_profile,
    import_papers,
    list_profiles,
    search_profiles,
    training_papers,
)


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _row(n: int, journal: str | None) -> dict[str, object]:
    text = {"title": f"Paper {n}", "abstract": f"Text {n}."}
    return {"id": f"10.1101/{n:06d}", **text, "journal": journal}


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_spellings_of_one_journal_fill_one_profile(store: Store, tmp_path: Path) -> None:
    rows = [
        _row(1, "PLOS ONE"),
        _row(2, "PLoS ONE"),
        _row(3, "Plos One"),
        _row(4, "Genes &amp; Development"),
        _row(5, "Genes & Development"),
        _row(6, None),
    ]
    report = import_papers(store, read_papers(_jsonl(tmp_path / "p.jsonl", rows)), source="t")
    assert (report.n_read, report.n_added, report.n_unlabelled) == (6, 5, 1)
    assert report.n_profiles_created == 2
    with store.session() as session:
        names = {s.name: s.n_papers for s in list_profiles(session)}
    assert names == {"PLOS ONE": 3, "Genes & Development": 2}


def test_importing_the_same_file_twice_adds_nothing_new(store: Store, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "p.jsonl", [_row(1, "Genetics"), _row(2, "Genetics")])
    import_papers(store, read_papers(path), source="t")
    again = import_papers(store, read_papers(path), source="t")
    assert (again.n_added, again.n_duplicates) == (0, 2)
    assert _count(store, ProfilePaper) == 2


def test_a_bad_row_late_in_the_file_leaves_nothing_written(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    good = "".join(json.dumps(_row(n, "Genetics")) + "\n" for n in range(1, 2500))
    path.write_text(good + '{"title": "broken", \n', encoding="utf-8")
    with pytest.raises(PaperFileError, match=r"p\.jsonl:2500: broken JSON"):
        import_papers(store, read_papers(path), source="t")
    assert _count(store, ProfilePaper) == 0
    assert _count(store, Profile) == 0


def test_a_file_without_journals_is_refused_unless_imported_as_custom(
    store: Store, tmp_path: Path
) -> None:
    path = _jsonl(tmp_path / "mine.jsonl", [_row(1, None), _row(2, None)])
    with pytest.raises(ProfileError, match="--profile NAME"):
        import_papers(store, read_papers(path), source="t")
    assert _count(store, Profile) == 0
    report = import_papers(store, read_papers(path), source="t", custom_profile="My Lab")
    assert report.added_per_profile == {"My Lab": 2}
    found = find_profile(store, "my lab")
    assert isinstance(found, ProfileSummary)
    assert (found.kind, found.n_papers) == ("custom", 2)


def test_unknown_names_get_suggestions(store: Store, tmp_path: Path) -> None:
    rows = [_row(1, "PLOS Computational Biology"), _row(2, "PLOS Genetics"), _row(3, "Genetics")]
    import_papers(store, read_papers(_jsonl(tmp_path / "p.jsonl", rows)), source="t")
    assert isinstance(find_profile(store, "PLoS Comp Biol"), ProfileSummary)  # abbreviated
    found = find_profile(store, "PLOS Computatoinal Biology")
    assert isinstance(found, Suggestions)
    assert "PLOS Computational Biology" in found.names
    assert "Did you mean" in found.message()
    with store.session() as session:
        assert [s.name for s in search_profiles(session, "plos")] == [
            "PLOS Computational Biology",
            "PLOS Genetics",
        ]
        assert search_profiles(session, "genetcs")[0].name == "Genetics"


def test_a_misspelt_word_of_a_longer_name_finds_it(store: Store, tmp_path: Path) -> None:
    """A typo in one word ("nerual") of "Journal of Neural Circuits": the whole names are too far
    from it for a suggestion, each of its words is close to one of the name's."""
    rows = [_row(1, "Journal of Neural Circuits"), _row(2, "Plant Cell Letters")]
    import_papers(store, read_papers(_jsonl(tmp_path / "p.jsonl", rows)), source="t")
    with store.session() as session:
        assert [s.name for s in search_profiles(session, "nerual")] == [
            "Journal of Neural Circuits"
        ]
        assert [s.name for s in search_profiles(session, "plnat cel")] == ["Plant Cell Letters"]
        assert search_profiles(session, "zzzz qqqq") == []


def test_training_papers_keep_only_journals_with_enough_papers(
    store: Store, tmp_path: Path
) -> None:
    rows = [_row(n, "Big Journal") for n in range(12)] + [_row(100 + n, "Small") for n in range(3)]
    import_papers(store, read_papers(_jsonl(tmp_path / "p.jsonl", rows)), source="t")
    with store.session() as session:
        papers, labels = training_papers(session, min_papers=10)
    assert len(papers) == 12
    assert set(labels) == {"big journal"}


def test_bibtex_and_ris_files_build_custom_profiles(store: Store, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a, title={One}, abstract={First text}}\n"
        "@article{b, title={Two}, abstract={Second text}, journal={Nature}}\n",
        encoding="utf-8",
    )
    ris = tmp_path / "refs.ris"
    ris.write_text("TY  - JOUR\nTI  - Three\nAB  - Third text\nER  - \n", encoding="utf-8")
    import_papers(store, read_papers(bib), source="bibtex", custom_profile="Lab A")
    import_papers(store, read_papers(ris), source="ris", custom_profile="Lab A")
    found = find_profile(store, "Lab A")
    assert isinstance(found, ProfileSummary)
    assert found.n_papers == 3
    assert isinstance(find_profile(store, "Nature"), Suggestions)  # custom rows stay custom


def test_the_shared_labelled_file_imports_as_it_is(store: Store) -> None:
    from tests.conftest import shared_data

    path = shared_data("biorxiv_2013_2016_journal_labels/preprints.jsonl.gz")
    report = import_papers(store, read_papers(path), source="shared")
    assert report.n_unlabelled == 1256
    assert report.n_added + report.n_duplicates == 2923
    with store.session() as session:
        _, labels = training_papers(session, min_papers=10)
    assert len(set(labels)) >= 50
