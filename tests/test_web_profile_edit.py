"""A custom profile's edit form on the web, through its owner's signed link: the link from
Slack's `profile show` and from `rxradar profiles link --edit`, GET that changes nothing,
POST that adds papers through the same resolution as Slack's modal (ORCID, bioRxiv,
Crossref and arXiv as local peers), and links that are forged, expired or for another
purpose answered with a readable 400."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.records.paper import Paper
from bot.store.profiles import ProfileSummary, Suggestions, find_profile, import_papers
from bot.tokens import PROFILE, PROFILE_EDIT, make_token
from tests.peers.http import LocalServer
from tests.slack_support import Harness, harness_factory  # noqa: F401
from tests.test_profiles_orcid import ORCID, world
from tests.web_support import form_value

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TEAM = "T0001"


@pytest.fixture
def peers() -> Iterator[LocalServer]:
    with LocalServer() as server:
        world().serve(server)
        yield server


@pytest.fixture
def h(harness_factory: Callable[..., Harness], peers: LocalServer) -> Harness:  # noqa: F811
    h = harness_factory(RXRADAR_HOST_DELAY="0", **world().env(peers))
    papers = [Paper(title=f"Lab paper {i}", abstract=f"fin regrowth study {i}") for i in range(2)]
    import_papers(h.store, papers, source="test", custom_profile="Regen lab", team=TEAM)
    return h


def _profile(h: Harness) -> ProfileSummary:
    found = find_profile(h.store, "Regen lab", TEAM)
    assert not isinstance(found, Suggestions)
    return found


def _local(h: Harness, link: str) -> str:
    return link.replace("http://rxradar.test", h.server.url("").rstrip("/"))


def _text(page: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def _edit_link_from_slack(h: Harness) -> str:
    h.command("profile show Regen lab")
    text = json.dumps(h.answer()["blocks"])
    found = re.search(r"http://rxradar\.test/profiles/edit/[A-Za-z0-9_\-.]+", text)
    assert found is not None, text
    assert "Add papers on the web" in text and "works for 7 days" in text
    return _local(h, found.group(0))


def test_slack_show_links_to_a_form_whose_post_adds_the_papers(h: Harness) -> None:
    link = _edit_link_from_slack(h)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(link)
        assert page.status_code == 200
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "no-referrer"  # the token stays private
        assert page.headers["Cache-Control"] == "no-store"
        shown = _text(page)
        assert (
            "Regen lab has 2 usable papers (with title and abstract); it needs at least 5"
            in (shown)
            and '<textarea id="papers"' in page.text
        )
        browser.get(link)
        assert _profile(h).n_papers == 2  # GET (a link preview, a scanner) changes nothing
        pasted = f"10.1101/2024.01.01.000001\nhttps://doi.org/10.1038/s0001\n{ORCID}"
        answer = browser.post(link, data={"csrf": form_value(page.text), "papers": pasted})
    assert answer.status_code == 200
    shown = _text(answer)
    # two DOIs, then the ORCID record's six works (two of them the same papers again)
    assert "Of 8 works, 3 were added, 2 were there already and 3 have no abstract" in shown
    assert "A DOI nobody knows" in shown
    assert "Regen lab has 5 papers: enough to be scored" in shown and "needs at least" not in shown
    assert _profile(h).n_papers == 5
    assert isinstance(find_profile(h.store, "Regen lab", "T0002"), Suggestions)


def test_a_post_without_the_form_value_or_with_nothing_recognisable_adds_nothing(
    h: Harness,
) -> None:
    link = _edit_link_from_slack(h)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(link)
        forged = browser.post(link, data={"csrf": "x" * 40, "papers": "10.1038/s0001"})
        assert forged.status_code == 403 and "Form expired" in forged.text
        empty = browser.post(link, data={"csrf": form_value(page.text), "papers": "my lab"})
    assert empty.status_code == 200
    assert "I found no DOI, arXiv id, ORCID iD or BibTeX/RIS entry here" in _text(empty)
    assert "my lab</textarea>" in empty.text  # what was pasted is kept to correct
    assert _profile(h).n_papers == 2


def test_pasted_bibtex_is_read_like_in_slack(h: Harness) -> None:
    link = _edit_link_from_slack(h)
    bib = "\n".join(
        f"@article{{p{i}, title={{Fin paper {i}}}, abstract={{Fins regrow {i}.}}}}"
        for i in range(3)
    )
    with httpx.Client(timeout=30) as browser:
        page = browser.get(link)
        answer = browser.post(link, data={"csrf": form_value(page.text), "papers": bib})
    assert "3 papers came from the pasted citations." in _text(answer)
    assert _profile(h).n_papers == 5


def test_forged_expired_and_other_purpose_links_answer_400_and_change_nothing(
    h: Harness,
) -> None:
    profile, secret = _profile(h), h.settings.links().secret.get()
    old = make_token(secret, PROFILE_EDIT, profile.id, profile.key,
                     datetime.now(UTC) - timedelta(days=8))  # fmt: skip
    page_token = make_token(secret, PROFILE, profile.id, profile.key, datetime.now(UTC))
    forged = make_token("another-secret-key-of-at-least-32-bytes", PROFILE_EDIT, profile.id,
                        profile.key, datetime.now(UTC))  # fmt: skip
    cases = {old: "This link has expired; ask for a new one.",
             page_token: "This link is not valid; use the link from the latest message.",
             forged: "This link is not valid; use the link from the latest message.",
             "garbage": "This link is damaged; copy the whole link from the message."}  # fmt: skip
    link = _edit_link_from_slack(h)
    with httpx.Client(timeout=30) as browser:
        csrf = form_value(browser.get(link).text)  # a genuine form value: only the link is bad
        for token, said in cases.items():
            url = h.server.url(f"/profiles/edit/{token}")
            page = browser.get(url)
            assert page.status_code == 400 and said in _text(page), token
            posted = browser.post(url, data={"csrf": csrf, "papers": "10.1038/s0001"})
            assert posted.status_code == 400
    assert _profile(h).n_papers == 2


def test_the_cli_prints_the_edit_link_and_refuses_journals(h: Harness) -> None:
    env = {
        "RXRADAR_DATA_DIR": str(h.settings.data_dir),
        "RXRADAR_DATABASE_URL": h.settings.database_url,
        "RXRADAR_SECRET_KEY": h.settings.links().secret.get(),
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
    }
    result = CliRunner().invoke(app, ["profiles", "link", "regen LAB", "--edit", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    link = json.loads(result.stdout)
    assert (link["profile"], link["days"]) == ("Regen lab", 7)
    page = httpx.get(_local(h, link["edit"]))
    assert page.status_code == 200 and "Regen lab has 2 usable papers" in _text(page)
    journal = CliRunner().invoke(app, ["profiles", "link", "eLife", "--edit"], env=env)
    assert journal.exit_code == 2
    assert "only custom profiles can be edited" in " ".join(journal.stderr.split())
