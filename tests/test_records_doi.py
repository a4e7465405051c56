"""The one DOI parser every edge uses: what people paste, and the DOI it names."""

from __future__ import annotations

import pytest

from bot.records.doi import doi_from_text


@pytest.mark.parametrize(
    ("pasted", "doi"),
    [
        ("10.1101/2024.01.02.573902", "10.1101/2024.01.02.573902"),
        ("doi:10.1093/NAR/gkad123", "10.1093/nar/gkad123"),
        ("https://doi.org/10.1101/2024.01.02.573902.", "10.1101/2024.01.02.573902"),
        ("https://www.biorxiv.org/content/10.1101/2024.01.02.573902v3.full.pdf",
         "10.1101/2024.01.02.573902"),
        ("https://www.biorxiv.org/content/10.1101/2024.01.02.573902v2?versioned=true",
         "10.1101/2024.01.02.573902"),
        # medRxiv's new (openRxiv) prefix: its URLs carry a version suffix too
        ("https://www.medrxiv.org/content/10.64898/2026.04.01.26349955v1",
         "10.64898/2026.04.01.26349955"),
        ("https://www.medrxiv.org/content/10.64898/2026.04.01.26349955v2.full",
         "10.64898/2026.04.01.26349955"),
        # elsewhere a trailing v<digits> may be part of the DOI
        ("https://doi.org/10.5555/report-v2", "10.5555/report-v2"),
    ],
)  # fmt: skip
def test_it_finds_the_doi_in_what_people_paste(pasted: str, doi: str) -> None:
    assert doi_from_text(pasted) == doi


def test_text_without_a_doi_gives_none() -> None:
    assert doi_from_text("Spike timing in the cortex") is None


@pytest.mark.parametrize(
    ("pasted", "key"),
    [
        ("https://arxiv.org/abs/2401.01234v2", "arxiv:2401.01234"),
        ("https://arxiv.org/pdf/2401.01234", "arxiv:2401.01234"),
        ("arXiv:2401.01234", "arxiv:2401.01234"),
        ("https://doi.org/10.48550/arXiv.2401.01234", "arxiv:2401.01234"),
        ("https://arxiv.org/abs/q-bio/0601001v1", "arxiv:q-bio/0601001"),
        ("https://www.medrxiv.org/content/10.1101/2024.01.02.24300001v1.full",
         "10.1101/2024.01.02.24300001"),
        ("not a link", None),
    ],
)  # fmt: skip
def test_preprint_key_reads_arxiv_links_as_well_as_dois(pasted: str, key: str | None) -> None:
    from bot.records.doi import preprint_key

    assert preprint_key(pasted) == key
