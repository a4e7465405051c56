"""`/preprints profile …` through the real app: the modal, its signed view_submission,
and add/show/delete, with ORCID, bioRxiv, Crossref and arXiv as local peers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.store.profiles import Suggestions, find_profile
from tests.peers.http import LocalServer
from tests.peers.waiting import wait_for
from tests.slack_support import SECRET, Harness, harness_factory  # noqa: F401
from tests.test_profiles_orcid import ORCID, world

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def peers() -> Iterator[LocalServer]:
    with LocalServer() as server:
        world().serve(server)
        yield server


@pytest.fixture
def h(harness_factory: Callable[..., Harness], peers: LocalServer) -> Harness:  # noqa: F811
    return harness_factory(RXRADAR_HOST_DELAY="0", **world().env(peers))


def _submission(view: dict[str, Any], text: str, team: str = "T0001") -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "lab"},
        "user": {"id": "U0001", "username": "ada", "team_id": team},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "trigger_id": "4.5.6",
        "view": {
            **view,
            "state": {"values": {"papers": {"text": {"type": "plain_text_input",
                                                      "value": text}}}},
        },
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)})


def _opened_view(h: Harness) -> dict[str, Any]:
    [call] = wait_for(lambda: h.calls("views.open"))
    assert call["trigger_id"] == "1.2.3"
    view = call["view"]
    return json.loads(view) if isinstance(view, str) else view


def _told(h: Harness, count: int = 1) -> str:
    posts = wait_for(lambda: h.calls("chat.postEphemeral")[count - 1 :])
    return str(posts[0]["text"])


def test_the_modal_creates_the_profile_in_this_workspace_only(h: Harness) -> None:
    h.command('profile create "Regen lab"')
    view = _opened_view(h)
    assert view["callback_id"] == "rxradar_profile_create"
    text = f"10.1101/2024.01.01.000001\nhttps://doi.org/10.1038/s0001\n{ORCID}"
    answer = h.post(_submission(view, text))
    assert answer.status_code == 200 and answer.text in ("", "{}")
    told = _told(h)
    assert "Created *Regen lab* (this workspace only)" in told
    # two DOIs, then the ORCID record's six works (two of them the same papers again)
    assert "Of 8 works, 3 were added, 2 were there already and 3 have no abstract" in told
    assert "“A DOI nobody knows”" in told
    assert "Regen lab has 3 usable papers" in told and "needs at least 5" in told
    own = find_profile(h.store, "Regen lab", "T0001")
    assert not isinstance(own, Suggestions)
    assert (own.team, own.created_by, own.n_papers) == ("T0001", "U0001", 3)
    assert isinstance(find_profile(h.store, "Regen lab", "T0002"), Suggestions)
    h.command('subscribe "Regen lab"', team_id="T0002")
    assert "I don't know" in h.answer()["text"]
    h.command('subscribe "Regen lab"')
    assert "Subscribed <#C0001> to *Regen lab*" in h.answer(count=2)["text"]


def test_a_submission_with_nothing_recognisable_keeps_the_modal_open_with_the_error(
    h: Harness,
) -> None:
    h.command("profile create Empty")
    answer = h.post(_submission(_opened_view(h), "my favourite papers"))
    assert answer.json()["response_action"] == "errors"
    assert (
        "I found no DOI, arXiv id, ORCID iD or BibTeX/RIS entry"
        in answer.json()["errors"]["papers"]
    )
    assert isinstance(find_profile(h.store, "Empty", "T0001"), Suggestions)


def test_pasted_bibtex_fills_the_profile(h: Harness) -> None:
    h.command('profile create "Bib lab"')
    bibtex = "\n".join(
        f"@article{{a{i}, title={{Fin regrowth {i}}}, abstract={{How fins regrow, part {i}.}}}}"
        for i in range(5)
    )
    h.post(_submission(_opened_view(h), bibtex))
    told = _told(h)
    assert "Created *Bib lab*" in told and "5 papers" in told
    assert 'Follow it with `/preprints subscribe "Bib lab"`' in told


def test_add_show_and_delete_work_on_the_workspaces_own_profile(h: Harness) -> None:
    h.command('profile create "Regen lab"')
    h.post(_submission(_opened_view(h), "10.1101/2024.01.01.000001"))
    _told(h)
    h.command('profile add "Regen lab" 10.1038/s0001 arXiv:2401.00001')
    assert "Updated *Regen lab*" in h.answer()["text"]
    h.command('profile show "Regen lab"')
    shown = h.answer(count=2)["text"]
    assert "*Regen lab*: 3 papers (this workspace only)" in shown
    assert "• Models of regrowth" in shown and "Not scored yet." in shown
    h.command('profile delete "Regen lab"', team_id="T0002")
    assert "I don't know" in h.answer(count=3)["text"]
    h.command('profile delete "Regen lab"')
    assert "Deleted *Regen lab*" in h.answer(count=4)["text"]
    assert isinstance(find_profile(h.store, "Regen lab", "T0001"), Suggestions)
