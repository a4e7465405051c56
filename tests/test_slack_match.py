"""`match DOI|URL|TEXT` against a small model trained on synthetic journal profiles."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest

from bot.matching.train import train_from_store
from bot.records.paper import Paper
from bot.store.profiles import import_papers
from tests.peers.http import Reply
from tests.slack_support import PREPRINTS, Harness, harness_factory  # noqa: F401

VOCABULARY = {
    "Nucleic Acids Research": "rna dna polymerase transcription helicase ribosome splicing",
    "Nature Methods": "microscopy imaging probe fluorescence resolution pipeline segmentation",
    "eLife": "neuron synapse cortex spike hippocampus dendrite plasticity",
    "Genome Research": "genome assembly sequencing variant haplotype chromosome alignment",
}
NEURO_TEXT = "Spike timing in hippocampus neuron dendrite synapse plasticity of the cortex"
UNKNOWN_DOI = "10.1101/2026.02.01.777777"


def _words(rng: random.Random, journal: str, n: int) -> str:
    return " ".join(rng.choice(VOCABULARY[journal].split()) for _ in range(n))


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    harness = harness_factory()
    rng = random.Random(3)
    papers = [
        Paper(title=_words(rng, j, 4), abstract=_words(rng, j, 12) + ".", journal=j)
        for j in VOCABULARY
        for _ in range(12)
    ]
    import_papers(harness.store, papers, source="test")
    train_from_store(harness.store, harness.settings.model, min_papers=5)
    return harness


def _text(message: dict) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False)


def _first_journal(message: dict) -> str:
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return next(t for t in texts if t.startswith("1."))


def test_match_text_ranks_the_journal_that_fits(h: Harness) -> None:
    h.command(f"match {NEURO_TEXT}")
    answer = h.answer()
    assert "Journals that best fit the text you pasted" in _text(answer)
    assert _first_journal(answer).startswith("1. *eLife*")


def test_match_a_stored_doi_uses_its_title(h: Harness) -> None:
    h.command(f"match https://doi.org/{PREPRINTS[0].doi}")
    assert "Journals that best fit *Mapping RNA &lt;structure&gt; &amp; function" in _text(
        h.answer()
    )


def test_match_an_unknown_doi_fetches_it_from_the_biorxiv_api(h: Harness) -> None:
    record = {
        "doi": UNKNOWN_DOI, "title": "Haplotype-resolved genome assembly", "version": "2",
        "abstract": "genome assembly sequencing variant haplotype chromosome alignment",
        "authors": "Doe, J.; Roe, R.", "date": "2026-02-01", "category": "genomics",
    }  # fmt: skip
    h.biorxiv.route(f"/biorxiv/details/biorxiv/{UNKNOWN_DOI}/na/json",
              Reply(body=json.dumps({"collection": [record]})))  # fmt: skip
    h.command(f"match https://www.biorxiv.org/content/{UNKNOWN_DOI}v2")
    assert f"Looking up {UNKNOWN_DOI}" in _text(h.answer(count=1))
    answer = h.answer(count=2)
    assert "Journals that best fit *Haplotype-resolved genome assembly*" in _text(answer)
    assert _first_journal(answer).startswith("1. *Genome Research*")


def test_match_a_doi_nobody_knows_says_what_to_paste_instead(h: Harness) -> None:
    empty = Reply(body=json.dumps({"collection": [], "messages": [{"status": "no posts found"}]}))
    h.biorxiv.route("/biorxiv/details/", empty)
    h.command("match 10.1101/0000.00.00.000000")
    answer = h.answer(count=2)
    assert "not a bioRxiv or medRxiv preprint I can find" in _text(answer)
    assert "/preprints match TITLE AND ABSTRACT" in _text(answer)
