"""Journal-name normalisation: every spelling of one journal is one key."""

from __future__ import annotations

import pytest

from bot.records.names import (
    abbreviates,
    clean_name,
    display_name,
    journal_key,
    merge_abbreviations,
    reference_key,
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("PLoS ONE", "PLOS ONE"),
        ("PLOS ONE", "Plos One"),
        ("X &amp; Y", "X & Y"),
        ("Genes & Development", "genes and development"),
        ("Genes &amp;amp; Development", "Genes & Development"),
        ("The Journal Of Physical Chemistry. B", "The Journal of Physical Chemistry B"),
        ("The ISME Journal", "isme journal"),
        ("Alzheimers & Dementia", "alzheimer's and dementia"),
        ("PNAS", "proceedings of the national academy of sciences of the united states of america"),
        ("BMC_Bioinformatics", "BMC Bioinformatics"),
        ("Aging_(Albany_NY)", "Aging"),
        ("Journal of the Royal Society Interface", "Journal of The Royal Society Interface"),
        ("Frontiers in Microbiology", "Frontiers  in\tMicrobiology "),
        ("Revista Española", "Revista Espanola"),
    ],
)
def test_spellings_of_one_journal_share_a_key(first: str, second: str) -> None:
    assert journal_key(first) == journal_key(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("PLOS Genetics", "PLOS Computational Biology"),
        ("Genetics", "Genes"),
        ("Philosophical Transactions B", "Philosophical Transactions A"),
        ("Journal of Theoretical Biology", "Theoretical Biology"),
    ],
)
def test_different_journals_keep_different_keys(first: str, second: str) -> None:
    assert journal_key(first) != journal_key(second)


def test_a_leading_the_inside_the_name_is_kept() -> None:
    assert journal_key("Frontiers in Ecology and the Environment") == (
        "frontiers in ecology and the environment"
    )


def test_clean_name_unescapes_entities_and_collapses_whitespace() -> None:
    assert clean_name("  Ecology &amp;  Evolution\n") == "Ecology & Evolution"


def test_display_name_prefers_the_most_common_then_the_tidiest_spelling() -> None:
    assert display_name(["PLOS ONE", "PLoS ONE", "PLOS ONE"]) == "PLOS ONE"
    assert display_name(["molecular ecology", "Molecular Ecology"]) == "Molecular Ecology"
    assert display_name(["PLOS ONE", "PLoS ONE", "Plos One"]) == "PLOS ONE"
    assert display_name(["The ISME Journal", "ISME Journal"]) == "ISME Journal"
    assert display_name(["X &amp; Y", "X & Y"]) == "X & Y"


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        ("PLoS Comp Biol", "PLOS Computational Biology", True),
        ("Proc Natl Acad Sci", "Proceedings of the National Academy of Sciences", True),
        ("Mol Biol Evol", "Molecular Biology and Evolution", True),
        ("Nat Genet", "Nature Genetics", True),
        ("PLoS Biol", "PLOS Computational Biology", False),
        ("Genet", "Nature Genetics", False),
        ("Cell", "Cell Reports", False),
    ],
)
def test_abbreviations_match_word_by_word(short: str, full: str, expected: bool) -> None:
    assert abbreviates(short, full) is expected


def test_arxiv_journal_ref_spellings_are_one_journal() -> None:
    """arXiv journal-refs write a journal several ways (issue 17); before the merge
    "Phys. Rev. A" and "Physical Review A" were two journals in `rxradar eval`."""
    spellings = [
        "Phys. Rev. A",
        "Phys.Rev.A",
        "Physical Review A",
        "PHYSICAL REVIEW A",
        "Phys. Rev. A.",
        "Phys.Rev.D",
        "Phys. Rev. D",
        "J. Phys. A: Math. Theor.",
        "J.Phys.A",
        "Journal of Physics A: Mathematical and Theoretical, Volume",
        "Physics Letters A, Vol.",
        "Phys.Lett.A",
    ]
    merged = merge_abbreviations(spellings)
    assert len({merged[s] for s in spellings[:5]}) == 1
    assert merged["Phys.Rev.D"] == merged["Phys. Rev. D"] != merged["Phys. Rev. A"]
    assert merged["J. Phys. A: Math. Theor."] == merged["J.Phys.A"]
    assert (
        merged["Journal of Physics A: Mathematical and Theoretical, Volume"] == (merged["J.Phys.A"])
    )
    assert merged["Physics Letters A, Vol."] == merged["Phys.Lett.A"]


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Genes", "Genetics"),  # not abbreviated: no dot
        ("Cell", "Cells"),
        ("J. Phys. A", "J. Phys. B"),
        ("Journal of Physics: Condensed Matter", "Journal of Physics: Conference Series"),
    ],
)
def test_different_journals_stay_apart_when_merging(short: str, full: str) -> None:
    merged = merge_abbreviations([short, full])
    assert merged[short] != merged[full]


def test_an_abbreviation_that_fits_two_journals_is_left_alone() -> None:
    merged = merge_abbreviations(["Phys. Rev.", "Physical Review", "Physics Reviews"])
    assert merged["Phys. Rev."] == reference_key("Phys. Rev.")
