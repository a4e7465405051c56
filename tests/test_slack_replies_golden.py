"""Every Slack reply a user can get, as one golden file (`tests/golden/slack_replies.json`).

Each command goes through the real app (signed request, acknowledgement, then the answer
on its `response_url`); dates, times and the model version are replaced by placeholders,
because the harness dates its preprints relative to today. After an intended change:

    RXRADAR_UPDATE_GOLDEN=1 python -m pytest tests/test_slack_replies_golden.py
    git diff tests/golden/slack_replies.json
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.matching.train import train_from_store
from bot.records.paper import Paper
from bot.store.profiles import import_papers
from bot.store.scores import active_model_version
from tests.peers.smtp import SmtpPeer
from tests.peers.web import slash_body
from tests.slack_support import Harness, sqlite_harness_factory  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

GOLDEN = Path(__file__).parent / "golden" / "slack_replies.json"
VOCABULARY = {
    "Nucleic Acids Research": "rna dna polymerase transcription helicase ribosome splicing",
    "Nature Methods": "microscopy imaging probe fluorescence resolution pipeline segmentation",
    "eLife": "neuron synapse cortex spike hippocampus dendrite plasticity",
}
NEURO = "Spike timing in hippocampus neuron dendrite synapse plasticity of the cortex"
COMMANDS = (
    "help",
    "help top",
    "",
    "frobnicate eLife",
    "journals nucleic",
    "journals genome",
    "journals zzzzqqq",
    "top nucleic acids research 30",
    "top Nucleic Acids Resarch",
    "top eLife 30",
    "top",
    f"match {NEURO}",
    "match hi",
    "match lorem ipsum dolor sit amet",
    "match https://arxiv.org/abs/2401.01234v2",
    "match",
    "subscribe Nature Methods weekly mon 08:00 top 5",
    "subscribe Genome Research",
    "subscribe eLife 25:00",
    "list",
    "unsubscribe Nature Methods",
    "unsubscribe eLife",
    "link eLife",
    "email ada@example.org Genome Research",
    "email bob@example.org Genome Research",  # over RXRADAR_SLACK_EMAILS_PER_REQUESTER
    "outcomes",
    "outcomes Nucleic Acids Research",
    "subscribe eLife instant min 30% max 3 a day quiet 22:00-07:00",
    "subscribe eLife instant",
    "profile",
    "profile add eLife",
    "profile show eLife",
    "profile show Nobody Lab",
    "profile delete eLife",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?")


@pytest.fixture
def h(
    sqlite_harness_factory: Callable[..., Harness],  # noqa: F811
    request: pytest.FixtureRequest,
) -> Harness:
    """Genome Research has 3 papers: below the 5 the model is trained with."""
    smtp = SmtpPeer().__enter__()
    request.addfinalizer(lambda: smtp.__exit__(None, None, None))
    harness = sqlite_harness_factory(
        RXRADAR_SMTP_HOST="127.0.0.1",
        RXRADAR_SMTP_PORT=str(smtp.port),
        RXRADAR_SMTP_SECURITY="none",
        RXRADAR_SLACK_EMAILS_PER_REQUESTER="1/1h",
    )
    rng = random.Random(3)
    words = {**VOCABULARY, "Genome Research": "genome assembly sequencing variant haplotype"}
    papers = [
        Paper(
            title=" ".join(rng.choice(vocab.split()) for _ in range(4)),
            abstract=" ".join(rng.choice(vocab.split()) for _ in range(12)) + ".",
            journal=journal,
        )
        for journal, vocab in words.items()
        for _ in range(3 if journal == "Genome Research" else 12)
    ]
    import_papers(harness.store, papers, source="test")
    train_from_store(harness.store, harness.settings.model, min_papers=5)
    return harness


def _reply(h: Harness, number: int, text: str) -> Any:
    """The acknowledgement's own answer, or else the first message on the response_url."""
    name = f"r{number}"
    response = h.post(slash_body(text, h.api.response_url(name)))
    assert response.status_code == 200
    if response.content and response.json().get("blocks"):
        return response.json()
    return h.answer(name)


def _stable(reply: Any, version: str) -> Any:
    text = json.dumps(reply, ensure_ascii=False).replace(version, "MODEL")
    return json.loads(_DATE.sub("DATE", text))


def test_every_slack_reply_matches_the_golden_file(h: Harness) -> None:
    with h.store.session() as session:
        active = active_model_version(session)
    assert active is not None
    version = active.id
    replies = {text or "(empty)": _stable(_reply(h, n, text), version)
               for n, text in enumerate(COMMANDS)}  # fmt: skip
    actual = json.dumps(replies, ensure_ascii=False, indent=2) + "\n"
    if os.environ.get("RXRADAR_UPDATE_GOLDEN"):
        GOLDEN.write_text(actual, encoding="utf-8")
    assert actual == GOLDEN.read_text(encoding="utf-8"), "slack_replies.json changed; see docstring"


def test_no_reply_repeats_a_phrase_on_one_line() -> None:
    """`24× the average preprint the average preprint` was shown on every line."""
    replies = GOLDEN.read_text(encoding="utf-8")
    assert "the average preprint the average preprint" not in replies
    for line in re.findall(r'"text": "([^"]*)"', replies):
        for part in line.split("\\n"):
            pieces = [p.strip() for p in part.split(" · ")]
            assert len(pieces) == len(set(pieces)), part
