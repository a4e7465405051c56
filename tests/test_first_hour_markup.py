"""bioRxiv's flattened JATS codes (`AO_SCPLOWBSTRACTC_SCPLOW…`, list and figure codes) are
cleaned at ingest: from feeds, the bioRxiv API and imported paper files, tested on the
real abstracts that carry them (`../shared/data`, skipped when absent)."""

from __future__ import annotations

import csv
import gzip
import re
from datetime import date
from pathlib import Path

import pytest

from bot.feeds.normalise import api_record
from bot.feeds.parse import parse_feed
from bot.feeds.text import clean_text
from bot.profiles.files import read_papers
from tests.conftest import shared_data

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CAPTURED = "preprint_published_links/pandemic_preprints_biorxiv_abstracts_2013_2015.csv.gz"
CODES = re.compile(r"[OCM]_(?:SCPLOW|SCPCAP|LI|FIG|TBL|ST_ABS|FLOATNO|LINKSMALLFIG)|_HPS_FORMAT")


def _captured() -> dict[str, str]:
    with gzip.open(shared_data(CAPTURED), "rt", encoding="utf-8") as handle:
        return {row["doi"]: row["abstract"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("AO_SCPLOWBSTRACTC_SCPLOWPredators often consume", "Predators often consume"),
        ("the R package O_SCPLOWPOLYFREQSC_SCPLOW and", "the R package polyfreqs and"),
        ("whose PO_SCPLOWHREDC_SCPLOW score", "whose Phred score"),
        ("DO_SCPLOWATAC_SCPLOW AO_SCPLOWVAILABILITYC_SCPLOW All", "Data Availability All"),
        ("HighlightsO_LIWe model it\nC_LIO_LIStatins differ\nC_LI",
         "Highlights We model it ; Statins differ"),
        ("AbstractO_ST_ABSPurposeC_ST_ABSResearch into", "Abstract Purpose: Research into"),
        ("crash, see Figure 1.\n\nO_FIG O_LINKSMALLFIG WIDTH=200 SRC=\"x.gif\">\n"
         "View larger version (12K):\norg.highwire.dtl.DTLVardef@1f_HPS_FORMAT_FIGEXP  M_FIG "
         "O_FLOATNOFigure 1.C_FLOATNO Moose numbers by year.\n\nC_FIG Around 1950",
         "crash, see Figure 1. Moose numbers by year. Around 1950"),
        ("Snake_case and H_2O stay", "Snake_case and H_2O stay"),
    ],
)  # fmt: skip
def test_flattened_jats_codes_become_plain_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_no_captured_abstract_keeps_a_code() -> None:
    abstracts = _captured()
    carrying = [doi for doi, text in abstracts.items() if CODES.search(text)]
    assert len(carrying) > 50  # the real payload does show them
    left = {doi: CODES.findall(clean_text(abstracts[doi])) for doi in carrying}
    assert {doi: codes for doi, codes in left.items() if codes} == {}
    assert clean_text(abstracts["10.1101/017525"]).startswith("Predators often consume")


def test_a_feed_item_and_an_api_record_are_cleaned_at_ingest() -> None:
    raw = _captured()["10.1101/017525"]
    body = (FIXTURES / "biorxiv_neuroscience.rdf").read_text(encoding="utf-8")
    body = body.replace("Human liver models that are 3-dimensional", raw + " Human liver", 1)
    parsed = parse_feed(body.encode(), None, "http://feeds.test/f", date(2026, 1, 9))
    [item] = [p for p in parsed.preprints if p.id == "10.1101/857789"]
    assert item.abstract.startswith("Predators often consume") and "SCPLOW" not in item.abstract
    record = {"doi": "10.1101/017525", "title": "Prey", "date": "2015-04-01", "version": "1",
              "abstract": raw, "authors": "Doe, J.", "category": "ecology"}  # fmt: skip
    stored = api_record(record, "biorxiv")
    assert stored is not None and stored.abstract.startswith("Predators often consume")


def test_an_imported_paper_file_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text(
        "title,abstract,journal\nPrey,AO_SCPLOWBSTRACTC_SCPLOWPredators eat prey.,Ecology\n",
        encoding="utf-8",
    )
    [paper] = list(read_papers(path))
    assert paper.abstract == "Predators eat prey."
