"""A published version's DOI names its journal (APS, Elsevier, IOP, AAS, EDP, OUP, EPJ, …)."""

from __future__ import annotations

import pytest

from bot.profiles.files import read_papers
from bot.records.names import journal_from_doi, merge_abbreviations
from tests.conftest import shared_data


@pytest.mark.parametrize(
    ("doi", "journal"),
    [
        ("doi:10.1103/PhysRevD.76.052005", "Phys. Rev. D"),
        ("https://doi.org/10.1103/PhysRevLett.99.087402", "Phys. Rev. Lett."),
        ("10.1016/j.physletb.2007.10.051", "Phys. Lett. B"),
        ("10.1016/S0370-2693(02)01234-5", "Phys. Lett. B"),  # Elsevier before 2000: the ISSN
        ("10.1088/1126-6708/2007/05/034", "JHEP"),  # JHEP at IOP, before Springer
        ("10.1007/JHEP05(2016)123", "JHEP"),
        ("10.3847/1538-4357/aa1234", "Astrophys. J."),
        ("10.1051/0004-6361/201526153", "Astron. Astrophys."),
        ("10.1093/mnras/stw1234", "Mon. Not. Roy. Astron. Soc."),
        ("10.1111/j.1365-2966.2007.12345.x", "Mon. Not. Roy. Astron. Soc."),  # at Wiley
        ("10.1140/epjc/s10052-016-4123-4", "Eur. Phys. J. C"),
        ("10.1016/j.jqsrt.2007.01.033", "doi j.jqsrt"),  # a code not named here: still one key
    ],
)
def test_a_doi_that_names_its_journal_reads_as_the_journal_ref_spelling(
    doi: str, journal: str
) -> None:
    assert journal_from_doi(doi) == journal


@pytest.mark.parametrize(
    "doi", ["10.1063/1.2779138", "10.1086/518646", "10.1007/978-3-540-74126-8_23", "", "x"]
)
def test_a_doi_that_names_no_journal_gives_none(doi: str) -> None:
    assert journal_from_doi(doi) is None  # AIP, Chicago, a book chapter, nothing


def test_a_doi_label_and_a_journal_ref_of_one_journal_are_one_key() -> None:
    named = journal_from_doi("10.1103/PhysRevA.75.012345")
    assert named is not None
    keys = merge_abbreviations(["Physical Review A", "Phys.Rev.A", named])
    assert keys["Physical Review A"] == keys["Phys.Rev.A"] == keys[named]


def test_on_the_arxiv_records_doi_labels_agree_with_their_journal_refs() -> None:
    """Of the records with a journal-ref and a DOI naming a known journal, the two agree
    on 536 of 564; the rest are journal-refs the DOI corrects ("PRA", "Rhysical Review
    A", "Phys Rev B") or spelt another way ("Comm. Math. Phys.")."""
    path = shared_data("arxiv_journal_ref_samples/records.jsonl.gz")
    pairs = []
    for paper in read_papers(path, skip_bad_rows=True):
        named = journal_from_doi(paper.published_doi or "")
        if paper.journal and named and not named.startswith("doi "):
            pairs.append((paper.journal, named))
    keys = merge_abbreviations([j for j, _ in pairs] + [d for _, d in pairs])
    agree = sum(keys[j] == keys[d] for j, d in pairs)
    assert len(pairs) > 500 and agree / len(pairs) > 0.93
