"""Slash commands through the real HTTP server, signed like Slack signs them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.peers.web import action_body
from tests.slack_support import (  # noqa: F401
    Harness,
    harness_factory,
    sqlite_harness_factory,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def h(harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    return harness_factory()


@pytest.fixture
def h1(sqlite_harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    """One backend is enough where the database plays no part."""
    return sqlite_harness_factory()


def _text(message: dict) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def test_help_is_answered_in_the_acknowledgement(h1: Harness) -> None:
    response = h1.command("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/preprints subscribe JOURNAL" in _text(body)
    assert "/preprints match DOI" in _text(body)


def test_an_empty_command_shows_help(h1: Harness) -> None:
    assert "/preprints top JOURNAL" in _text(h1.command("").json())


def test_an_unknown_subcommand_says_what_to_type(h1: Harness) -> None:
    body = h1.command("frobnicate eLife").json()
    assert "I don't know `frobnicate`" in _text(body)
    assert "/preprints help" in _text(body)


def test_missing_text_says_what_to_type(h1: Harness) -> None:
    assert "/preprints subscribe JOURNAL" in _text(h1.command("subscribe").json())
    assert "/preprints journals QUERY" in _text(h1.command("journals").json())
    assert "/preprints top JOURNAL" in _text(h1.command("top").json())
    assert "match DOI" in _text(h1.command("match").json())


def test_bad_options_say_what_is_accepted(h1: Harness) -> None:
    assert "24-hour HH:MM" in _text(h1.command("subscribe eLife 25:00").json())
    assert "between 1 and 100" in _text(h1.command("subscribe eLife top 0").json())
    answer = h1.command("subscribe eLife Mars/Base").json()
    assert "time zone 'Mars/Base' is unknown" in _text(answer)


def test_a_wrong_signature_gets_401_and_no_answer(h1: Harness) -> None:
    from tests.peers.web import post_signed, slash_body

    body = slash_body("journals genome", h1.api.response_url("forged"))
    response = post_signed(h1.server.url("/slack/events"), body, "not-the-secret")
    assert response.status_code == 401
    time.sleep(0.3)
    assert h1.api.responses("forged") == []


def test_a_request_older_than_five_minutes_gets_401(h1: Harness) -> None:
    response = h1.command("journals genome", timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    time.sleep(0.3)
    assert h1.api.responses("cmd") == []


def test_a_replayed_body_with_a_new_timestamp_gets_401(h1: Harness) -> None:
    from tests.peers.web import signed_headers, slash_body

    body = slash_body("journals genome", h1.api.response_url("replay"))
    headers = signed_headers(body, "8f742231b10e8888abcd99yyyzzz85a5", int(time.time()) - 400)
    headers["X-Slack-Request-Timestamp"] = str(int(time.time()))  # fresh stamp, old signature
    import httpx

    response = httpx.post(h1.server.url("/slack/events"), content=body, headers=headers)
    assert response.status_code == 401
    time.sleep(0.3)
    assert h1.api.responses("replay") == []


def test_journals_searches_names(h: Harness) -> None:
    assert h.command("journals nucleic").status_code == 200
    answer = h.answer()
    assert "Nucleic Acids Research" in _text(answer)
    assert "Nature Methods" not in _text(answer)


def test_journals_with_no_match_suggests_another_spelling(h: Harness) -> None:
    h.command("journals zzzzqqq")
    assert "try a shorter word" in _text(h.answer())


def test_top_lists_the_best_recent_matches_with_their_numbers(h: Harness) -> None:
    h.command("top nucleic acids research 30")
    answer = h.answer()
    text = _text(answer)
    assert "Best matches for *Nucleic Acids Research* in the last 30 days" in text
    assert text.index("Mapping RNA") < text.index("A transcription factor atlas")
    assert "Old news" not in text  # posted 60 days ago
    assert "*52.3%*" in text and "Top 0.1%" in text and "872× the average preprint" in text
    # titles are escaped for mrkdwn, so they cannot become links or mentions
    assert "Mapping RNA &lt;structure&gt; &amp; function" in text
    assert "Based on 1,234 papers previously published there" in text
    assert "The average preprint has a 0.06% match score" in text


def test_top_with_an_unknown_journal_offers_did_you_mean_buttons(h: Harness) -> None:
    h.command('top "Nucleik Acids Reserch" 7')
    answer = h.answer()
    assert "Did you mean" in _text(answer)
    actions = next(b for b in answer["blocks"] if b["type"] == "actions")
    button = actions["elements"][0]
    assert button["text"]["text"] == "Nucleic Acids Research"

    click = action_body(button["action_id"], button["value"], h.api.response_url("click"))
    assert h.post(click).status_code == 200
    result = h.answer("click")
    assert result["replace_original"] is True
    assert "Best matches for *Nucleic Acids Research* in the last 7 days" in _text(result)


def test_a_tampered_button_value_is_refused_politely(h1: Harness) -> None:
    click = action_body("did_you_mean_0", "not json", h1.api.response_url("click"))
    assert h1.post(click).status_code == 200
    assert "/preprints help" in _text(h1.answer("click"))


def _subscriptions(h: Harness) -> list[dict]:
    from bot.subscribing import describe

    return describe(h.store, datetime.now(UTC), include_inactive=True)


def test_subscribe_follows_an_unquoted_journal_in_the_users_time_zone(h: Harness) -> None:
    h.command("subscribe Nucleic Acids Research weekly tue 07:30 top 5 min 99%")
    text = _text(h.answer())
    assert "Subscribed <#C0001> to *Nucleic Acids Research*: weekly on Tue at 07:30" in text
    assert "(Europe/London), top 5, only the top 1%" in text
    [row] = _subscriptions(h)
    assert row["target"] == {"kind": "slack", "address": "T0001:C0001"}
    assert row["journals"] == ["Nucleic Acids Research"]
    assert (row["cadence"], row["day"], row["time"], row["tz"]) == (
        "weekly", "tue", "07:30", "Europe/London",
    )  # fmt: skip
    assert (row["top"], row["min_percentile"], row["active"]) == (5, 99.0, True)
    assert h.calls("users.info")[0]["user"] == "U0001"


def test_subscribe_with_defaults_and_an_explicit_time_zone(h: Harness) -> None:
    h.command('subscribe "eLife" daily America/New_York')
    assert "daily at 08:00 (America/New_York), top 10" in _text(h.answer())
    assert h.calls("users.info") == []  # the zone was given: no need to ask Slack


def test_subscribe_to_an_unknown_journal_offers_buttons_that_subscribe(h: Harness) -> None:
    h.command("subscribe Nucleik Acids Reserch daily")
    answer = h.answer()
    assert "Did you mean" in _text(answer)
    assert _subscriptions(h) == []
    button = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"][0]
    h.post(action_body(button["action_id"], button["value"], h.api.response_url("click")))
    assert "Subscribed <#C0001> to *Nucleic Acids Research*: daily" in _text(h.answer("click"))
    assert [r["journals"] for r in _subscriptions(h)] == [["Nucleic Acids Research"]]


def test_list_shows_the_channels_subscriptions(h: Harness) -> None:
    h.command("list")
    assert "has no subscriptions" in _text(h.answer(count=1))
    h.command("subscribe eLife")
    h.answer(count=2)
    h.command("list", channel_id="C0002")
    assert "has no subscriptions" in _text(h.answer(count=3))
    h.command("list")
    text = _text(h.answer(count=4))
    assert "*eLife*: weekly on Mon at 08:00 (Europe/London), top 10 · next " in text


def test_unsubscribe_by_journal_and_all(h: Harness) -> None:
    for n, text in enumerate(("subscribe eLife", "subscribe Nature Methods"), start=1):
        h.command(text)
        h.answer(count=n)
    h.command("unsubscribe")  # two subscriptions: which one?
    answer = h.answer(count=3)
    labels = [e["text"]["text"] for b in answer["blocks"] if b["type"] == "actions"
              for e in b["elements"]]  # fmt: skip
    assert labels == ["eLife", "Nature Methods", "All of them"]
    h.command("unsubscribe elife")
    assert "Stopped *eLife*" in _text(h.answer(count=4))
    assert [r["active"] for r in _subscriptions(h)] == [False, True]
    h.command("unsubscribe Genome Research")
    assert "does not follow *Genome Research*" in _text(h.answer(count=5))
    h.command("unsubscribe all")
    assert "Stopped *Nature Methods*" in _text(h.answer(count=6))
    assert [r["active"] for r in _subscriptions(h)] == [False, False]


def test_email_without_smtp_says_what_the_operator_must_set(h: Harness) -> None:
    h.command("email me@example.org eLife")
    assert "RXRADAR_SMTP_HOST" in _text(h.answer())
    assert _subscriptions(h) == []


def test_subscribe_where_digests_cannot_be_posted_says_to_invite_the_bot(h: Harness) -> None:
    h.command("subscribe eLife", channel_id="C0404")  # a conversation the bot cannot see
    assert "invite me with `/invite @rxradar`" in _text(h.answer())
    h.api.add_channel("C0005", is_archived=True)
    h.command("subscribe eLife", channel_id="C0005")
    assert "archived" in _text(h.answer(count=2))
    assert _subscriptions(h) == []


def test_unsubscribe_without_a_name_stops_the_only_subscription(h: Harness) -> None:
    h.command("unsubscribe")
    assert "has no subscriptions to stop" in _text(h.answer(count=1))
    h.command("subscribe Genome Research daily")
    h.answer(count=2)
    h.command("unsubscribe")
    assert "Stopped *Genome Research*: daily at 08:00" in _text(h.answer(count=3))
    assert [r["active"] for r in _subscriptions(h)] == [False]
