"""Getting a custom profile's private link: from the CLI and from Slack; and the link opens
the profile's page on the real server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
from typer.testing import CliRunner

from bot.cli import app
from bot.records.paper import Paper
from bot.store.profiles import import_papers
from tests.slack_support import Harness, harness_factory  # noqa: F401


def _custom(h: Harness) -> None:
    papers = [Paper(title=f"Lab paper {i}", abstract="rna splicing in neurons") for i in range(3)]
    import_papers(h.store, papers, source="test", custom_profile="Smith lab")


def _env(h: Harness) -> dict[str, str]:
    return {
        "RXRADAR_DATA_DIR": str(h.settings.data_dir),
        "RXRADAR_DATABASE_URL": h.settings.database_url,
        "RXRADAR_SECRET_KEY": "test-secret-key-not-for-production",
        "RXRADAR_PUBLIC_URL": "http://rxradar.test",
    }


def _opens(h: Harness, link: str) -> str:
    page = httpx.get(link.replace("http://rxradar.test", h.server.url("").rstrip("/")))
    assert page.status_code == 200
    return page.text


def test_the_cli_prints_a_private_link_that_opens_the_profile(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    _custom(h)
    result = CliRunner().invoke(app, ["profiles", "link", "smith LAB", "--json"], env=_env(h))
    assert result.exit_code == 0, result.stderr
    link = json.loads(result.stdout)
    assert link["rss"] == link["page"] + "/feed.rss"
    assert '<h1 id="heading">Smith lab</h1>' in _opens(h, link["page"])
    assert _opens(h, link["json_feed"]).startswith("{")


def test_the_cli_refuses_a_link_for_a_journal_and_says_why(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    result = CliRunner().invoke(app, ["profiles", "link", "eLife"], env=_env(h))
    assert result.exit_code == 2
    assert "eLife is a journal: its page is public" in " ".join(result.stderr.split())


def test_slack_link_answers_with_the_private_page_and_feeds(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    _custom(h)
    h.command("link Smith lab")
    text = json.dumps(h.answer()["blocks"])
    page = re.search(r"http://rxradar\.test/profiles/[A-Za-z0-9_\-.]+", text)
    assert page is not None and "share them only with your group" in text
    assert "Smith lab" in _opens(h, page.group(0))


def test_slack_link_for_a_journal_points_to_its_public_page(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    h.command("link Nucleic Acids Research")
    text = json.dumps(h.answer()["blocks"])
    assert "http://rxradar.test/journals/nucleic-acids-research" in text
