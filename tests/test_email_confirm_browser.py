"""The confirmation email as a reader's phone shows it: Debian's chromium at 390 px, light
and dark (the setup of tests/test_web_browser.py; skipped when chromium is missing).

Before: a bare, unbreakable confirm URL made the message 900+ px wide on a phone, and it
had no dark-mode styles. Golden: tests/golden/confirm_email.html (+ review screenshots).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.base import Message, Notice
from bot.channels.email import render_email
from bot.records.target import Target
from tests.test_web_browser import browser  # noqa: F401

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("RXRADAR_UPDATE_GOLDEN") == "1"
# as long as a real one: the signed token is most of it
LINK = "https://rxradar.example.org/confirm/" + "eyJzIjoxMiwiYSI6ImFkYUBleGFtcGxlLm9yZyJ9" * 4
NOTICE = Notice(
    "confirm",
    "Confirm your rxradar preprint digest",
    {
        "requester": "Someone on rxradar.example.org",
        "cadence": "weekly",
        "journals": "Medical Image Analysis and Radiology: Artificial Intelligence",
        "address": "ada.lovelace.with.a.long.address@example.org",
        "confirm_url": LINK,
    },
)


def confirm_html() -> str:
    message = Message(Target("email", "ada@example.org"), NOTICE, "<id@x>")
    html = render_email(message).html
    assert html is not None
    return html


def test_the_confirmation_email_matches_the_golden_file() -> None:
    path = GOLDEN / "confirm_email.html"
    if UPDATE:
        path.write_text(confirm_html(), encoding="utf-8")
    assert confirm_html() == path.read_text(encoding="utf-8")


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    def open_page(scheme: str) -> Any:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
            has_touch=True, color_scheme=scheme,
        )  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_content(confirm_html())
        return page

    contexts: list[Any] = []
    yield open_page
    for context in contexts:
        context.close()


def _screenshot(page: Any, name: str) -> None:
    path = GOLDEN / f"email_{name}.png"
    if UPDATE or not path.exists():
        page.screenshot(path=str(path))
    assert path.stat().st_size < 200_000


def test_the_confirmation_email_fits_a_phone_and_its_link_is_a_button(phone: Any) -> None:
    page = phone("light")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_role("link", name="Confirm the digest")
    assert button.get_attribute("href") == LINK
    box = button.bounding_box()
    assert box["height"] >= 40 and box["width"] >= 140  # a tap target, not a text link
    background = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(11, 87, 208)"
    _screenshot(page, "confirm_phone")


def test_the_confirmation_email_has_dark_mode_styles(phone: Any) -> None:
    page = phone("dark")
    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    card = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert (body, card) == ("rgb(22, 24, 28)", "rgb(31, 34, 39)")  # as the digest's
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _screenshot(page, "confirm_dark")
