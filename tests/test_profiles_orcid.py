"""`profiles create NAME --orcid …`: a researcher's works through local ORCID, bioRxiv,
Crossref and arXiv peers, paced, resumable, with works lacking an abstract reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.ingest.profile_fill import fill_profile, open_sources, orcid_works
from bot.store import Store
from bot.store.profiles import Suggestions, find_profile
from tests.peers.http import LocalServer
from tests.peers.works import Works

ORCID = "0000-0002-1825-0097"


def world() -> Works:
    works = Works()
    works.orcid[ORCID] = [
        {"title": "A bioRxiv preprint", "doi": "10.1101/2024.01.01.000001"},
        {"title": "A journal article", "doi": "10.1038/s0001"},
        {"title": "An article without an abstract", "doi": "10.1038/s0002"},
        {"title": "An arXiv paper", "arxiv": "arXiv:2401.00001"},
        {"title": "A book chapter with no identifier"},
        {"title": "A DOI nobody knows", "doi": "10.1038/s0003"},
    ]
    works.biorxiv["10.1101/2024.01.01.000001"] = ("Zebrafish fin regeneration",
                                                   "Fins regrow after amputation.")  # fmt: skip
    works.crossref["10.1038/s0001"] = ("Heart regeneration", "Zebrafish hearts regrow too.")
    works.crossref["10.1038/s0002"] = ("An article without an abstract", "")
    works.arxiv["2401.00001"] = ("Models of regrowth", "A model of tissue regeneration.")
    return works


def test_create_from_an_orcid_id_adds_the_works_with_abstracts_and_reports_the_rest(
    env: dict[str, str], server: LocalServer, store: Store
) -> None:
    works = world()
    works.serve(server)
    env = {**env, **works.env(server)}
    result = CliRunner().invoke(
        app, ["profiles", "create", "Regen lab", "--orcid", ORCID, "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["orcid"]
    assert (report["works"], report["added"], report["without_abstract"]) == (6, 3, 3)
    assert report["without_abstract_titles"] == [
        "An article without an abstract", "A book chapter with no identifier",
        "A DOI nobody knows",
    ]  # fmt: skip
    assert (report["papers"], report["needed"]) == (3, 5)
    assert "Regen lab has 3 usable papers (with title and abstract); it needs at least 5" in (
        result.stderr
    )
    found = find_profile(store, "Regen lab")
    assert not isinstance(found, Suggestions) and found.team is None  # CLI: global
    assert len(server.requests_to(f"/orcid/{ORCID}/works")) == 1


def test_a_bad_orcid_id_says_what_one_looks_like(env: dict[str, str], store: Store) -> None:
    result = CliRunner().invoke(
        app, ["profiles", "create", "X", "--orcid", "0000-0002-1825-0098"], env=env
    )
    assert result.exit_code != 0
    shown = " ".join(result.output.split())
    assert "is not an ORCID iD: write 16 digits like 0000-0002-1825-0097" in shown
    assert isinstance(find_profile(store, "X"), Suggestions)  # nothing was created


def test_an_interrupted_fill_resumes_at_the_next_work(
    env: dict[str, str], server: LocalServer, store: Store
) -> None:
    works = world()
    works.serve(server)
    settings = load_settings({**env, **works.env(server)})

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with open_sources(settings) as sources:
        wanted = orcid_works(sources, ORCID)
        with pytest.raises(KeyboardInterrupt):
            fill_profile(store, sources, "Regen lab", wanted, source="orcid",
                         progress=stop_after_two)  # fmt: skip
        crossref_before = len(server.requests_to("/crossref/works/10.1038/s0001"))
        report = fill_profile(store, sources, "Regen lab", wanted, source="orcid")
    assert report.resumed_from == 2
    assert (report.n_added, report.n_papers) == (1, 3)  # the arXiv paper; two came before
    assert len(server.requests_to("/crossref/works/10.1038/s0001")) == crossref_before


def test_pasted_identifiers_are_read_once_each(tmp_path: Path) -> None:
    from bot.records.doi import pasted_ids

    text = (
        "10.1101/2024.01.02.573902v2, https://doi.org/10.1038/S41586-020-2649-2\n"
        "arXiv:2401.01234v3 https://arxiv.org/abs/2312.00001 2401.01234\n"
        "https://orcid.org/0000-0002-1825-0097 0000-0002-1825-0098"
    )
    ids = pasted_ids(text)
    assert ids.dois == ("10.1101/2024.01.02.573902", "10.1038/s41586-020-2649-2")
    assert ids.arxiv_ids == ("2401.01234", "2312.00001")
    assert ids.orcids == ("0000-0002-1825-0097",)  # the second fails its check digit
