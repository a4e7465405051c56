"""What a reader sees, in a real browser: Debian's chromium driven by Playwright.

Skipped (with the reason) when Playwright or a chromium binary is missing; `.ci/run`
installs both. Screenshots of the main pages are kept in tests/golden/ for review
(RXRADAR_UPDATE_GOLDEN=1 rewrites them; they are not compared pixel by pixel).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import subscribing
from bot.delivery.links import feedback_reset_url, profile_edit_url, vote_url
from bot.delivery.preparing import load_digest
from bot.records.paper import Paper
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.store import feedback as votes_store
from bot.store.profiles import Suggestions, find_profile, import_papers
from bot.store.subscriptions import SubscriptionRecord
from tests.peers.smtp import part_text
from tests.web_support import Web

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RXRADAR_UPDATE_GOLDEN") == "1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MIA = "/journals/medical-image-analysis"
NOW = datetime.now(UTC)
PAGES = ("/", MIA, "/match", "PREPRINT", "/?q=genome", "/journals/journal-of-rare-observations")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a broken or sandboxed browser: say why, do not fail
            pytest.skip(f"chromium at {CHROMIUM} does not start: {exc}")
        yield launched
        launched.close()


class Reader:
    """One browser context (a reader) with the console errors it saw."""

    def __init__(self, browser: Any, web: Web, **options: Any) -> None:
        self.web = web
        self.context = browser.new_context(
            **{"viewport": {"width": 1000, "height": 800}, **options}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def open(self, path: str) -> Any:
        if path == "PREPRINT":
            path = f"/preprints/{self.web.world.seed_ids[0]}"
        self.page.goto(self.web.url(path))
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser: Any, sqlite_web: Web) -> Iterator[Reader]:
    opened = Reader(browser, sqlite_web)
    yield opened
    opened.close()


def _screenshot(page: Any, name: str) -> None:
    path = GOLDEN / f"web_{name}.png"
    if UPDATE or not path.exists():
        page.screenshot(path=str(path))
    assert path.stat().st_size < 200_000, f"{path} is too large for a review artefact"


def test_the_ranked_list_shows_each_preprints_rank_title_and_numbers(reader: Reader) -> None:
    page = reader.open(MIA)
    entries = page.locator("li.entry")
    assert entries.count() == 20
    first = entries.nth(0)
    assert first.locator(".rank").inner_text() == "1"
    assert re.fullmatch(r"\d+(\.\d+)?%", first.locator(".prob").inner_text())
    assert re.fullmatch(r"Top \d+(\.\d)?%", first.locator(".badge").inner_text())
    assert first.locator(".lift").inner_text().endswith("× the average preprint")
    assert "medRxiv" in first.locator(".meta").inner_text()
    assert page.locator("h1").inner_text() == "Medical Image Analysis"
    _screenshot(page, "journal")
    assert reader.errors == []


def test_the_abstract_opens_with_its_toggle(reader: Reader) -> None:
    page = reader.open(MIA)
    entry = page.locator("li.entry").nth(0)
    abstract = entry.locator(".abstract")
    assert not abstract.is_visible()
    entry.get_by_text("Show abstract").click()
    assert abstract.is_visible() and abstract.inner_text().startswith("We study")


def test_filters_apply_on_change(reader: Reader) -> None:
    page = reader.open(MIA)
    with page.expect_navigation():
        page.select_option("#server", "arxiv")
    assert "server=arxiv" in page.url
    metas = page.locator("li.entry .meta").all_inner_texts()
    assert metas and all("arXiv" in m for m in metas)
    assert reader.errors == []


def test_subscribing_shows_the_confirmation_message_and_emails_the_link(reader: Reader) -> None:
    page = reader.open(MIA)
    address = "browser-reader@example.org"
    page.get_by_label("Email address").fill(address)
    page.get_by_label("How often").select_option("daily")
    page.get_by_role("button", name="Subscribe by email").click()
    page.wait_for_selector("h1:has-text('Check your inbox')")
    assert f"We sent a confirmation link to {address}" in page.locator("main").inner_text()
    messages = [m for m in reader.web.smtp.messages if m["To"] == address]
    assert len(messages) == 1 and messages[0]["Subject"] == "Confirm your rxradar preprint digest"
    assert "daily digest" in part_text(messages[0], "plain")
    _screenshot(page, "subscribed")
    assert reader.errors == []


def test_dark_mode_follows_the_system_setting(browser: Any, sqlite_web: Web) -> None:
    dark = Reader(browser, sqlite_web, color_scheme="dark")
    try:
        page = dark.open(MIA)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        card = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        text = page.evaluate("getComputedStyle(document.body).color")
        assert background == "rgb(22, 24, 28)" and card == "rgb(31, 34, 39)"
        assert text == "rgb(230, 231, 233)"
        _screenshot(page, "journal_dark")
        assert dark.errors == []
    finally:
        dark.close()


@pytest.mark.parametrize("path", PAGES)
def test_a_phone_screen_needs_no_horizontal_scrolling(
    browser: Any,
    sqlite_web: Web,
    path: str,
) -> None:
    phone = Reader(
        browser,
        sqlite_web,
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = phone.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide"
        if path == MIA:
            _screenshot(page, "journal_phone")
        assert phone.errors == []
    finally:
        phone.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_title_landmarks_and_labelled_controls(reader: Reader, path: str) -> None:
    page = reader.open(path)
    assert page.title().endswith("· rxradar") and len(page.title()) > len("· rxradar")
    for landmark in ("header", "nav", "main", "footer"):
        assert page.locator(landmark).count() >= 1, f"{path} has no <{landmark}>"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(
        el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
    assert unlabelled == []
    assert page.locator("h1").count() == 1
    assert reader.errors == []


def test_the_pages_read_without_javascript(browser: Any, sqlite_web: Web) -> None:
    plain = Reader(browser, sqlite_web, java_script_enabled=False)
    try:
        page = plain.open(MIA)
        assert page.locator("li.entry").count() == 20
        page.locator("li.entry").nth(1).get_by_text("Show abstract").click()
        assert page.locator("li.entry").nth(1).locator(".abstract").is_visible()
        page.select_option("#days", "30")
        page.get_by_role("button", name="Apply").click()
        assert "days=30" in page.url
    finally:
        plain.close()


def test_the_match_form_ranks_journals_in_the_browser(reader: Reader) -> None:
    page = reader.open("/match")
    page.get_by_label("Title and abstract").fill(
        "Cardiac MRI segmentation: a deep network finds the ventricle; dice 0.91 imaging"
    )
    page.get_by_role("button", name="Rank journals").click()
    page.wait_for_selector("table.fits")
    first = page.locator("table.fits tbody tr").nth(0)
    assert first.locator("th").inner_text() == "Medical Image Analysis"
    _screenshot(page, "match")
    assert reader.errors == []


def test_home_and_preprint_pages(reader: Reader) -> None:
    page = reader.open("/")
    assert page.get_by_label("Find a journal").is_visible()
    _screenshot(page, "home")
    page = reader.open("PREPRINT")
    assert page.locator("table.fits tbody tr").nth(0).locator("th").inner_text() == (
        "Medical Image Analysis"
    )
    _screenshot(page, "preprint")
    assert reader.errors == []


def _voter(web: Web, name: str) -> tuple[SubscriptionRecord, str]:
    """An email subscription of its own, and the preprint its digest shows first."""
    target = Target("email", f"{name}@example.org")
    rules = DigestRules(top=5, lookback_days=90)
    record = subscribing.subscribe(web.store, target, ["Medical Image Analysis"], NOW, rules=rules)
    first = load_digest(web.store, record, "p", NOW).entries[0].preprint_id
    return record, first


def _votes(web: Web, record: SubscriptionRecord) -> list[tuple[str, int]]:
    with web.store.session() as session:
        return [(v.preprint_id, v.value) for v in votes_store.voted(session, record.id)]


def test_an_emailed_vote_link_asks_first_and_its_button_records_the_vote(reader: Reader) -> None:
    web = reader.web
    record, first = _voter(web, "browser-voter")
    link = web.local(vote_url(web.settings.links(), record, first, "up", NOW))
    page = reader.page
    page.goto(link)
    assert page.locator("h1").inner_text() == "Your feedback"
    assert "Record 👍 more like this for “" in page.locator("main").inner_text()
    assert _votes(web, record) == []  # opening the link (or a mail scanner) changes nothing
    _screenshot(page, "vote")
    page.get_by_role("button", name="Yes: 👍 more like this").click()
    page.wait_for_selector("h1:has-text('Thanks')")
    assert "will rank similar preprints accordingly" in page.locator("main").inner_text()
    assert _votes(web, record) == [(first, 1)]
    page.goto(web.local(feedback_reset_url(web.settings.links(), record, NOW)))
    assert page.locator("h1").inner_text() == "Reset your feedback"
    _screenshot(page, "feedback_reset")
    page.get_by_role("button", name="Yes, reset my feedback").click()
    page.wait_for_selector("h1:has-text('Feedback reset')")
    assert "Forgot 1 vote:" in page.locator("main").inner_text()
    assert _votes(web, record) == []
    assert reader.errors == []


def test_a_vote_page_fits_a_phone_screen(browser: Any, sqlite_web: Web) -> None:
    record, first = _voter(sqlite_web, "phone-voter")
    phone = Reader(browser, sqlite_web, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = phone.page
        page.goto(
            sqlite_web.local(vote_url(sqlite_web.settings.links(), record, first, "down", NOW))
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the vote page is {width}px wide"
        assert page.get_by_role("button", name="Yes: 👎 less like this").is_visible()
        assert phone.errors == []
    finally:
        phone.close()


def test_a_custom_profiles_edit_link_shows_its_form(reader: Reader) -> None:
    web = reader.web
    papers = [Paper(title=f"Lab paper {i}", abstract=f"fin regrowth study {i}") for i in range(2)]
    import_papers(web.store, papers, source="test", custom_profile="Browser lab")
    profile = find_profile(web.store, "Browser lab")
    assert not isinstance(profile, Suggestions)
    page = reader.page
    page.goto(web.local(profile_edit_url(web.settings.links(), profile, NOW)))
    assert page.locator("h1").inner_text() == "Browser lab"
    assert page.get_by_label("DOIs, arXiv ids, an ORCID iD, or BibTeX/RIS text").is_visible()
    assert "it needs at least 5" in page.locator("main").inner_text()
    _screenshot(page, "profile_edit")
    assert reader.errors == []
