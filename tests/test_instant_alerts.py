"""Instant alerts over real peers: one message per new preprint past the threshold."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.slack import slack_target
from bot.config import Settings
from bot.delivery.alerts import alert_after_scoring, estimate
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.slack_app.options import rules_from_words
from bot.store import Store
from bot.store.delivery_models import DigestRow
from bot.subscribing import subscribe
from tests import factories
from tests.peers.slack_fake import SlackFake
from tests.peers.smtp import SmtpPeer, part_text
from tests.slack_support import Harness, harness_factory  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
NOW = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)  # London is on GMT (UTC) that day
POSTED = date(2026, 10, 25)
JOURNAL = "Medical Image Analysis"


def instant(**kw: object) -> DigestRules:
    values: dict[str, object] = {"min_probability": 0.3, **kw}
    return DigestRules(cadence=Cadence("instant", tz="Europe/London"), **values)  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


def _email_setup(store: Store, rules: DigestRules) -> int:
    factories.journal(store, JOURNAL)
    record = subscribe(store, Target("email", "ada@example.org"), [JOURNAL], CREATED, rules=rules)
    return record.id


def _scored(store: Store, pid: str, probability: float, title: str) -> str:
    mia = factories.journal_id(store, JOURNAL)
    return factories.scored(store, mia, pid, probability, POSTED, title=title)


def _subject(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())


def _rows(store: Store, subscription: int) -> list[tuple[str, str]]:
    with store.session() as session:
        rows = session.scalars(
            select(DigestRow)
            .where(DigestRow.subscription_id == subscription)
            .order_by(DigestRow.id)
        )
        return [(row.period, row.status) for row in rows]


def test_one_alert_for_the_preprint_above_the_threshold_and_never_again(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    sub = _email_setup(store, instant())
    config = factories.settings(tmp_path, **smtp.env())
    above = _scored(store, "10.1101/2026.10.25.1", 0.52, "Cardiac MRI segmentation")
    below = _scored(store, "10.1101/2026.10.25.2", 0.10, "Barely relevant")
    counts = alert_after_scoring(config, store, [above, below], NOW)
    assert (counts.alerts, counts.held, counts.rolled) == (1, 0, 0)
    [message] = smtp.messages
    assert _subject(message) == (
        "New match for Medical Image Analysis (52.0%): Cardiac MRI segmentation"
    )
    text = part_text(message)
    assert "Cardiac MRI segmentation" in text and "Barely relevant" not in text
    assert "passes your alert threshold" in text
    assert "You receive this instant alert from rxradar" in text
    # the same poll again, then a new version of the alerted preprint: nothing more
    alert_after_scoring(config, store, [above, below], NOW + timedelta(minutes=30))
    factories.preprint(store, above, "Cardiac MRI segmentation, revised", POSTED,
                       version=2, updated=POSTED + timedelta(days=1))  # fmt: skip
    alert_after_scoring(config, store, [above], NOW + timedelta(hours=1))
    factories.send_due(store, config, NOW + timedelta(days=7))  # no digests for instant
    assert len(smtp.messages) == 1
    assert _rows(store, sub) == [(f"alert:{above}", "sent")]


def test_a_slack_alert_is_one_message_with_show_abstract_and_votes(
    store: Store, tmp_path: Path
) -> None:
    with SlackFake(token="xoxb-test", min_interval=0.0) as slack:
        slack.add_channel("C0ALERTS", "alerts")
        factories.journal(store, JOURNAL)
        subscribe(store, slack_target("T0TEST", "C0ALERTS"), [JOURNAL], CREATED, rules=instant())
        config: Settings = factories.settings(
            tmp_path, RXRADAR_SLACK_BOT_TOKEN="xoxb-test", RXRADAR_SLACK_API_URL=slack.url,
            RXRADAR_HTTP_TIMEOUT="5",
        )  # fmt: skip
        ids = [_scored(store, "10.1101/2026.10.25.1", 0.52, "Cardiac MRI segmentation"),
               _scored(store, "10.1101/2026.10.25.2", 0.10, "Barely relevant")]  # fmt: skip
        alert_after_scoring(config, store, ids, NOW)
        alert_after_scoring(config, store, ids, NOW + timedelta(minutes=5))
        [post] = [c.params for c in slack.calls_to("chat.postMessage")]
    blocks = json.dumps(post["blocks"])
    assert "Cardiac MRI segmentation" in blocks and "Barely relevant" not in blocks
    for action in ("rxradar_show_abstract", "rxradar_vote_relevant", "rxradar_vote_not_relevant"):
        assert action in blocks
    assert post["text"].startswith("New match for Medical Image Analysis")


def test_past_the_daily_cap_the_rest_wait_for_the_roll_up_said_in_the_last_alert(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    sub = _email_setup(store, instant(max_per_day=2))
    config = factories.settings(tmp_path, **smtp.env())
    ids = [_scored(store, f"10.1101/2026.10.25.{i}", 0.9 - i / 10, f"Match {i}") for i in range(4)]
    counts = alert_after_scoring(config, store, ids, NOW)
    assert (counts.alerts, counts.rolled) == (2, 2)
    assert [_subject(m).split(": ")[1] for m in smtp.messages] == ["Match 0", "Match 1"]
    last = part_text(smtp.messages[1])
    assert "last of today's 2 alerts" in last and "roll-up at 00:00 on Tue 27 Oct" in last
    assert "last of today" not in part_text(smtp.messages[0])
    alert_after_scoring(config, store, ids, NOW + timedelta(hours=2))  # nothing new
    factories.send_due(store, config, datetime(2026, 10, 26, 23, 59, tzinfo=UTC))
    assert len(smtp.messages) == 2  # the roll-up waits for the next local day
    factories.send_due(store, config, datetime(2026, 10, 27, 0, 1, tzinfo=UTC))
    assert len(smtp.messages) == 3
    rollup = smtp.messages[2]
    assert _subject(rollup) == "Today's other matches for Medical Image Analysis: 2 preprints"
    body = part_text(rollup)
    assert "Match 2" in body and "Match 3" in body and "Match 0" not in body
    assert "You receive this daily roll-up of instant alerts from rxradar" in body
    assert sorted(_rows(store, sub)) == sorted(
        [(f"alert:{ids[0]}", "sent"), (f"alert:{ids[1]}", "sent"), (f"alert:{ids[2]}", "rolled"),
         (f"alert:{ids[3]}", "rolled"), ("rollup:2026-10-26", "sent")]
    )  # fmt: skip


def test_quiet_hours_hold_alerts_until_they_end_in_the_subscribers_time_zone(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    # New York is UTC-4 on 26 Oct 2026: quiet 22:00-07:00 local is 02:00-11:00 UTC
    rules = DigestRules(cadence=Cadence("instant", tz="America/New_York"), min_probability=0.3,
                        quiet="22:00-07:00")  # fmt: skip
    _email_setup(store, rules)
    config = factories.settings(tmp_path, **smtp.env())
    pid = _scored(store, "10.1101/2026.10.25.1", 0.52, "Cardiac MRI segmentation")
    counts = alert_after_scoring(config, store, [pid], datetime(2026, 10, 26, 3, tzinfo=UTC))
    assert (counts.alerts, counts.held) == (1, 1)
    assert smtp.messages == []
    factories.send_due(store, config, datetime(2026, 10, 26, 10, 59, tzinfo=UTC))
    assert smtp.messages == []
    factories.send_due(store, config, datetime(2026, 10, 26, 11, 0, tzinfo=UTC))
    assert len(smtp.messages) == 1


def test_option_words_for_instant_alerts() -> None:
    rules = rules_from_words("instant min 30% top 0.5% max 3 per day quiet 22:00-7:00".split())
    assert rules == DigestRules(
        cadence=Cadence("instant"), min_probability=0.3, min_percentile=99.5, max_per_day=3,
        quiet="22:00-07:00",
    )  # fmt: skip
    assert rules.describe() == (
        "instant alerts (UTC), at least 30% match, only the top 0.5%, at most 3 a day, "
        "quiet 22:00–07:00"
    )
    # for digests `min 99%` keeps its meaning: the top 1%
    assert rules_from_words(["daily", "min", "99%"]).min_percentile == 99.0


def test_instant_alerts_without_a_threshold_say_how_to_give_one() -> None:
    with pytest.raises(ValueError, match=r"instant alerts need a threshold: add e\.g\. `min 30%`"):
        rules_from_words(["instant"])


def test_the_estimate_is_the_count_over_the_stored_window(store: Store) -> None:
    mia = factories.journal(store, JOURNAL)
    passing = 0
    for day in range(120):  # one preprint a day, every third one a strong match
        probability = 0.6 if day % 3 == 0 else 0.05
        posted = NOW.date() - timedelta(days=day)
        factories.scored(store, mia, f"10.1101/x.{day}", probability, posted)
        passing += probability >= 0.3 and day <= 90
    found = estimate(store, [mia], instant(), NOW, 90)
    assert found.n_preprints == passing == 31
    assert found.sentence() == (
        "about 2 alerts a week at this threshold, judging by the last 90 days"
    )


def test_slack_subscribe_instant_explains_what_it_will_do(
    harness_factory: Callable[..., Harness],  # noqa: F811
) -> None:
    h = harness_factory()
    h.command("subscribe Nucleic Acids Research instant min 30% max 3 a day")
    text = h.answer()["text"]
    assert "*Nucleic Acids Research*: instant alerts (Europe/London), at least 30% match" in text
    # the seeded window: 0.523 a day ago and 0.9 sixty days ago pass, 0.12 does not
    assert (
        "Expect fewer than one alert a week at this threshold, judging by the last 90 days "
        "(2 in all)" in text
    )


def test_an_email_subscriber_sets_quiet_hours_on_the_confirmation_page(
    harness_factory: Callable[..., Harness],  # noqa: F811
    smtp: SmtpPeer,
) -> None:
    import re

    import httpx

    from bot.subscribing import describe

    h = harness_factory(**smtp.env())
    h.command("email reader@example.org Nucleic Acids Research instant min 30%")
    assert "I emailed reader@example.org a confirmation link" in h.answer()["text"]
    asked = part_text(smtp.messages[0])
    assert "asked rxradar to send instant alerts of new preprints" in asked
    link = re.search(r"http://rxradar\.test/confirm/\S+", asked)
    assert link is not None
    url = link.group(0).replace("http://rxradar.test", h.server.url("").rstrip("/"))
    page = httpx.get(url)
    assert 'name="quiet"' in page.text and 'value="Europe/London"' in page.text
    bad = httpx.post(url, data={"confirm": "yes", "quiet": "late", "tz": "Europe/London"})
    assert bad.status_code == 400 and "write START-END in 24-hour time" in bad.text
    assert describe(h.store, NOW)[0]["paused"] is True  # nothing changed
    done = httpx.post(url, data={"confirm": "yes", "quiet": "22:00-7:00",
                                 "tz": "america/new_york"})  # fmt: skip
    assert done.status_code == 200 and "is confirmed" in done.text
    [row] = describe(h.store, NOW)
    assert (row["paused"], row["quiet"], row["tz"]) == (False, "22:00-07:00", "America/New_York")


def test_the_cli_subscribes_instant_alerts_and_prints_the_estimate(
    store: Store, env: dict[str, str]
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    mia = factories.journal(store, JOURNAL)
    today = datetime.now(UTC).date()
    for day in range(0, 84, 3):  # 28 strong matches in 12 weeks: about 2 a week
        factories.scored(store, mia, f"10.1101/y.{day}", 0.6, today - timedelta(days=day))
    args = [
        "subscribe",
        "--email",
        "ada@example.org",
        "--journal",
        JOURNAL,
        "--cadence",
        "instant",
        "--min-probability",
        "30%",
        "--max-per-day",
        "3",
        "--quiet",
        "22:00-07:00",
    ]
    result = CliRunner().invoke(app, args, env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert "instant alerts (UTC), at least 30% match, at most 3 a day, quiet 22:00–07:00" in shown
    assert "about 2 alerts a week at this threshold, judging by the last 90 days" in shown
    bad = CliRunner().invoke(app, [*args[:7], "--cadence", "instant"], env=env)
    assert bad.exit_code != 0 and "instant alerts need a threshold" in " ".join(bad.output.split())
