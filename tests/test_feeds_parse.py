"""Parsing and normalising feed bodies of the real shapes (no network, no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.feeds.catalogue import UnknownSource, resolve_source
from bot.feeds.normalise import api_record, normalise_doi, parse_arxiv_id
from bot.feeds.parse import parse_feed
from bot.feeds.parsed import ARXIV_ATOM, ARXIV_RSS, BIORXIV_RDF, GENERIC, ParsedFeed
from bot.feeds.text import clean_text, split_authors
from bot.records.preprint import Preprint
from tests.conftest import shared_data

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
TODAY = date(2026, 1, 9)


def parse(
    name: str, content_type: str | None = None, url: str = "http://feeds.test/f"
) -> ParsedFeed:
    return parse_feed((FIXTURES / name).read_bytes(), content_type, url, TODAY)


def by_id(parsed: ParsedFeed) -> dict[str, Preprint]:
    return {p.id: p for p in parsed.preprints}


@pytest.mark.parametrize(
    ("raw", "people"),
    [
        (" Kukla, D., Crampton, A., Wood, D., Khetani, S. ", 4),
        ("Garcia-Lopez, M. J., O'Neil, P., van der Berg, A. B., Smith, J.-P.", 4),
        ("Alice Smith, Bob Jones, Chen Wei", 3),
        ("Alice Smith, Bob Jones, and Wei Li", 3),
        ("Alice Smith and Bob Jones", 2),
        ("Smith, J.; Doe, J. A.; Li, W.", 3),
        ("Smith, J., Jr., Li, W.", 2),
        ("Zhang, W.", 1),
        ("", 0),
    ],
)
def test_it_splits_author_lists_into_people(raw: str, people: int) -> None:
    assert len(split_authors(raw)) == people


def test_it_keeps_surname_and_initials_together() -> None:
    assert split_authors("Kukla, D., Crampton, A.") == ("Kukla, D.", "Crampton, A.")
    assert split_authors("Smith, J.-P., Li, W.") == ("Smith, J.-P.", "Li, W.")


def test_it_makes_plain_text_from_markup() -> None:
    markup = (
        "<p>H<sub>2</sub>O &amp; CO<sub>2</sub></p>"
        "<p>in   <jats:italic>vivo</jats:italic>&#160;data</p>"
    )
    assert clean_text(markup) == "H2O & CO2 in vivo data"


@pytest.mark.parametrize(
    "markup",
    [
        "Before.<script>steal(document.cookie)</script> After.",
        "Before. &lt;script&gt;steal(document.cookie)&lt;/script&gt; After.",
        "Before. &amp;lt;script&amp;gt;steal(document.cookie)&amp;lt;/script&amp;gt; After.",
        "Before.<SCRIPT type='text/javascript'>steal(document.cookie)</SCRIPT> After.",
    ],
)
def test_nothing_of_a_script_survives(markup: str) -> None:
    text = clean_text(markup)
    assert text == "Before. After."


def test_it_reads_biorxiv_rdf_items() -> None:
    parsed = parse("biorxiv_neuroscience.rdf", "application/rdf+xml")
    assert parsed.kind == BIORXIV_RDF and parsed.problem is None
    old = by_id(parsed)["10.1101/857789"]
    assert old.title.startswith("Microscale Collagen") and old.title == old.title.strip()
    assert old.authors == ("Kukla, D.", "Crampton, A.", "Wood, D.", "Khetani, S.")
    assert old.posted == date(2019, 11, 29) and old.version == 1
    assert old.server == "biorxiv" and old.categories == ("neuroscience",)
    assert old.url == "https://www.biorxiv.org/content/10.1101/857789v1"


def test_it_cleans_biorxiv_titles_and_abstracts() -> None:
    preprints = by_id(parse("biorxiv_neuroscience.rdf"))
    replay = preprints["10.1101/2024.01.15.578123"]
    assert (
        replay.title
        == "Hippocampal replay of novel routes & place-cell remapping in freely moving mice"
    )
    assert replay.abstract == (
        "Place cells in the hippocampus (CA1) replay trajectories during sharp-wave ripples. "
        "We recorded 1,200 neurons & found that replay of novel routes predicts later "
        "performance (p < 0.01)."
    )
    decisions = preprints["10.1101/2024.01.16.578200"]
    assert (
        decisions.abstract
        == "We studied decisions. Neurons in area LIP encode accumulated evidence."
    )
    assert "cookie" not in decisions.abstract


def test_it_skips_and_counts_items_without_a_title() -> None:
    parsed = parse("biorxiv_neuroscience.rdf")
    assert parsed.skipped == 1 and len(parsed.preprints) == 3
    assert "10.1101/2024.01.16.578201" not in by_id(parsed)
    assert parsed.warnings == ("1 entry skipped: no title or no usable id",)


def test_it_reads_medrxiv_with_the_new_doi_prefix() -> None:
    parsed = parse("medrxiv_all.rdf", "text/xml")
    preprints = by_id(parsed)
    assert parsed.kind == BIORXIV_RDF
    assert set(preprints) == {
        "10.64898/2026.04.01.26349955",
        "10.64898/2026.03.16.26348547",
        "10.1101/2025.12.30.25343210",
    }
    second = preprints["10.64898/2026.03.16.26348547"]
    assert second.server == "medrxiv" and second.version == 2
    assert second.categories == ()  # the `All` collection names no subject
    assert "[->]" in preprints["10.64898/2026.04.01.26349955"].abstract


def test_it_reads_all_four_arxiv_announce_types() -> None:
    parsed = parse("arxiv_cs_lg.xml")
    assert parsed.kind == ARXIV_RSS
    types = {p.id: (p.announce_type, p.version) for p in parsed.preprints}
    assert types == {
        "arxiv:2401.01234": ("new", 1),
        "arxiv:2401.05555": ("cross", 1),
        "arxiv:2312.09999": ("replace", 3),
        "arxiv:2310.00042": ("replace-cross", 2),
    }


def test_it_removes_the_arxiv_announce_prefix_and_keeps_the_doi_aside() -> None:
    preprints = by_id(parse("arxiv_cs_lg.xml"))
    first = preprints["arxiv:2401.01234"]
    assert first.abstract.startswith("We propose a graph neural network")
    assert first.authors == ("Alice Smith", "Bob Jones", "Chen Wei")
    assert first.categories == ("cs.LG", "q-bio.QM")
    replaced = preprints["arxiv:2312.09999"]
    assert replaced.doi == "10.1000/jml.2024.001" and replaced.arxiv_id == "2312.09999"
    assert replaced.journal_ref == "J. Mach. Learn. 12 (2024) 1-20"


def test_an_empty_arxiv_weekend_feed_is_not_a_problem() -> None:
    parsed = parse("arxiv_weekend.xml")
    assert parsed.kind == ARXIV_RSS
    assert parsed.preprints == () and parsed.problem is None and parsed.warnings == ()


def test_an_html_page_is_a_problem_that_says_so() -> None:
    parsed = parse("not_a_feed.html", "text/html; charset=utf-8")
    assert parsed.preprints == ()
    assert parsed.problem is not None and "HTML web page, not an RSS/Atom feed" in parsed.problem


def test_malformed_xml_without_entries_is_a_problem_naming_the_xml_error() -> None:
    parsed = parse("malformed.xml")
    assert parsed.problem is not None
    assert "malformed" in parsed.problem and "not well-formed" in parsed.problem


def test_an_empty_body_is_a_problem() -> None:
    parsed = parse_feed(b"", None, "http://feeds.test/f", TODAY)
    assert parsed.problem is not None and "empty" in parsed.problem


def test_a_wrong_declared_encoding_is_read_anyway_with_a_warning() -> None:
    parsed = parse("wrong_encoding.rdf", "application/rdf+xml")
    first = by_id(parsed)["10.1101/857789"]
    assert first.title.startswith("Microscale Collagène")
    assert first.authors[0] == "Kükla, D."
    assert any("encoding" in warning for warning in parsed.warnings)


def test_it_reads_generic_feeds_by_doi_guid_or_content() -> None:
    parsed = parse("journal_toc.xml", url="https://journals.example.org/jes/rss")
    assert parsed.kind == GENERIC and parsed.skipped == 1
    ids = [p.id for p in parsed.preprints]
    assert ids[0] == "10.5555/jes.2026.0001"
    assert ids[1] == "journals.example.org:jes-article-2"
    assert ids[2].startswith("journals.example.org:")
    assert {p.server for p in parsed.preprints} == {"journals.example.org"}
    assert parsed.preprints[0].authors == ("Ana Pereira", "Tom Baker")
    assert parsed.preprints[0].abstract == "Abstract with markup."
    assert parsed.preprints[2].posted == TODAY  # no date in the item: the day we saw it


def test_the_kind_comes_from_the_content_not_the_host() -> None:
    body = (FIXTURES / "biorxiv_neuroscience.rdf").read_bytes()
    parsed = parse_feed(body, None, "https://mirror.example.net/whatever.xml", TODAY)
    assert parsed.kind == BIORXIV_RDF and parsed.preprints[0].server == "biorxiv"


def test_it_reads_real_arxiv_api_atom_responses() -> None:
    path = shared_data("feed_fixtures/arxiv_api_atom/2021_id_list=1111.2011v2.xml")
    parsed = parse_feed(path.read_bytes(), "application/atom+xml", "http://export.test/api", TODAY)
    assert parsed.kind == ARXIV_ATOM and parsed.problem is None
    (paper,) = parsed.preprints
    assert paper.id == "arxiv:1111.2011" and paper.version == 2
    assert paper.doi == "10.1103/physrevb.85.115117"
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.posted == date(2011, 11, 8) and paper.updated == date(2012, 4, 2)
    assert paper.categories[0] == "cond-mat.str-el"
    assert "\n" not in paper.abstract and paper.abstract.startswith("Theoretical description")


def test_every_captured_arxiv_api_response_parses() -> None:
    folder = shared_data("feed_fixtures/arxiv_api_atom")
    for path in sorted(folder.glob("*.xml")):
        parsed = parse_feed(
            path.read_bytes(), "application/atom+xml", "http://export.test/api", TODAY
        )
        assert parsed.problem is None, path.name
        for paper in parsed.preprints:
            assert paper.id.startswith("arxiv:") and paper.title and paper.version >= 1, path.name
            assert paper.authors and all(paper.authors), path.name


def test_arxiv_api_error_entries_and_old_style_ids() -> None:
    folder = shared_data("feed_fixtures/arxiv_api_atom")
    error = parse_feed(
        (folder / "2026_id_abc_s0_m100_b79c8dcf6bc3.xml").read_bytes(), None, "http://a/", TODAY
    )
    assert error.preprints == () and error.skipped == 1
    old = parse_feed(
        (folder / "2026_id_astro-ph_0601001_s0_m100_3150dca9dc76.xml").read_bytes(),
        None,
        "http://a/",
        TODAY,
    )
    assert [p.id for p in old.preprints] == ["arxiv:astro-ph/0601001"]
    empty = parse_feed(
        (folder / "2026_id_0000.0000_s0_m100_8b51d9633a68.xml").read_bytes(),
        None,
        "http://a/",
        TODAY,
    )
    assert empty.preprints == () and empty.problem is None


def test_it_normalises_identifiers() -> None:
    assert normalise_doi("doi:10.1101/2024.01.15.578123") == "10.1101/2024.01.15.578123"
    assert normalise_doi("https://doi.org/10.1038/S41586-024-0001") == "10.1038/s41586-024-0001"
    assert normalise_doi("no doi here") is None
    assert parse_arxiv_id("oai:arXiv.org:2401.01234v2") == ("2401.01234", 2)
    assert parse_arxiv_id("https://arxiv.org/abs/2401.01234") == ("2401.01234", None)
    assert parse_arxiv_id("http://arxiv.org/abs/quant-ph/0201082v1") == ("quant-ph/0201082", 1)
    assert parse_arxiv_id("https://arxiv.org/api/errors#incorrect_id_format_for_abc") is None


def test_it_reads_details_api_records() -> None:
    record = {
        "doi": "10.1101/2026.02.01.612345",
        "title": "A <i>title</i>",
        "authors": "Smith, J.; Doe, J. A.",
        "date": "2026-02-03",
        "version": "2",
        "category": "cell biology",
        "abstract": "Text &amp; more.",
        "published": "NA",
        "server": "bioRxiv",
    }
    paper = api_record(record, "biorxiv")
    assert paper is not None
    assert (paper.id, paper.version, paper.title) == ("10.1101/2026.02.01.612345", 2, "A title")
    assert paper.authors == ("Smith, J.", "Doe, J. A.") and paper.abstract == "Text & more."
    assert paper.url == "https://www.biorxiv.org/content/10.1101/2026.02.01.612345v2"
    assert paper.published_doi is None and paper.categories == ("cell biology",)
    assert api_record({**record, "doi": ""}, "biorxiv") is None


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("biorxiv:neuroscience", "https://connect.biorxiv.org/biorxiv_xml/neuroscience"),
        ("biorxiv:all", "https://connect.biorxiv.org/biorxiv_xml/all"),
        ("bioRxiv:Cell Biology", "https://connect.biorxiv.org/biorxiv_xml/cell_biology"),
        ("medrxiv:all", "https://connect.medrxiv.org/medrxiv_xml/all"),
        (
            "medrxiv:infectious_diseases",
            "https://connect.medrxiv.org/medrxiv_xml/infectious_diseases",
        ),
        ("arxiv:q-bio.QM+cs.LG", "https://rss.arxiv.org/rss/q-bio.QM+cs.LG"),
        ("arxiv:math", "https://rss.arxiv.org/rss/math"),
        ("https://journals.example.org/rss", "https://journals.example.org/rss"),
    ],
)
def test_the_catalogue_resolves_names_to_urls(name: str, url: str) -> None:
    assert resolve_source(name).url == url


@pytest.mark.parametrize(
    "name", ["biorxiv:astrology", "arxiv:made.UP", "arxiv:", "neuroscience", "ftp://x"]
)
def test_the_catalogue_rejects_unknown_names_with_the_choices(name: str) -> None:
    with pytest.raises(UnknownSource, match=r"biorxiv|arXiv|arxiv"):
        resolve_source(name)


def test_entries_too_long_to_store_are_skipped() -> None:
    long_guid = "urn:x:" + "a" * 400  # a generic id this long becomes a hash, so it is kept
    huge_doi = "10.5555/" + "b" * 400
    body = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>Kept</title><guid isPermaLink="false">{long_guid}</guid></item>
    <item><title>Dropped</title><link>https://doi.org/{huge_doi}</link></item>
    </channel></rss>""".encode()
    parsed = parse_feed(body, None, "https://journals.example.org/rss", TODAY)
    assert [p.title for p in parsed.preprints] == ["Kept"] and parsed.skipped == 1
    assert len(parsed.preprints[0].id) <= 300


def test_maths_in_arxiv_titles_and_abstracts_survives() -> None:
    body = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0"><channel>
<title>math.CO updates on arXiv.org</title>
<item><title>Bounds for $n&lt;k$ and $m&gt;2$</title>
<link>https://arxiv.org/abs/2401.00002</link>
<description>arXiv:2401.00002v1 Announce Type: new
Abstract: We show for $n&lt;k$ and $m&gt;2$ that $a&lt;b$ holds,
with H&lt;sub&gt;2&lt;/sub&gt;O.</description>
<guid isPermaLink="false">oai:arXiv.org:2401.00002v1</guid>
<arxiv:announce_type>new</arxiv:announce_type></item></channel></rss>"""
    (paper,) = parse_feed(body, None, "https://rss.arxiv.org/rss/math.CO", TODAY).preprints
    assert paper.title == "Bounds for $n<k$ and $m>2$"
    assert paper.abstract == "We show for $n<k$ and $m>2$ that $a<b$ holds, with H2O."
