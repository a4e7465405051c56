"""The pinned command-line interface: subscribe, subscriptions list, send-due, digest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.store import Store
from tests import factories
from tests.peers.smtp import SmtpPeer

# the CLI stamps subscriptions with the real clock, so the scenario lives after it
MONDAY_SLOT = "2030-01-07T08:05:00"  # a Monday, 08:05 UTC (London is on GMT)
POSTED = date(2030, 1, 3)


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def smtp() -> object:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture
def journal(store: Store) -> int:
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/2030.01.03.1", 0.523, POSTED, title="CorSeg")
    factories.scored(store, mia, "10.1101/2030.01.03.2", 0.2, POSTED, title="Second")
    return mia


def _subscribe(env: dict[str, str], *extra: str) -> dict[str, object]:
    code, out, err = _run(
        env,
        "subscribe",
        "--email",
        "ada@example.org",
        "--journal",
        "medical image analysis",
        "--tz",
        "Europe/London",
        "--day",
        "mon",
        "--time",
        "08:00",
        *extra,
        "--json",
    )
    assert code == 0, err
    return json.loads(out)


def test_subscriptions_list_json_has_the_pinned_shape(env: dict[str, str], journal: int) -> None:
    row = _subscribe(env, "--top", "5", "--min-percentile", "90")

    code, out, err = _run(env, "subscriptions", "list", "--json")

    assert code == 0, err
    [listed] = json.loads(out)
    assert listed == row
    assert set(listed) == {
        "id",
        "target",
        "journals",
        "profiles",
        "cadence",
        "day",
        "time",
        "tz",
        "top",
        "min_percentile",
        "min_probability",
        "keywords",
        "exclude",
        "servers",
        "categories",
        "lookback_days",
        "max_per_day",
        "quiet",
        "active",
        "paused",
        "paused_reason",
        "next_digest",
        "last_result",
    }
    assert listed["target"] == {"kind": "email", "address": "ada@example.org"}
    assert listed["journals"] == ["Medical Image Analysis"]
    assert (listed["cadence"], listed["day"], listed["time"], listed["tz"]) == (
        "weekly",
        "mon",
        "08:00",
        "Europe/London",
    )
    assert (listed["top"], listed["min_percentile"], listed["paused"]) == (5, 90.0, False)
    assert listed["last_result"] is None


def test_an_unknown_journal_gets_suggestions(env: dict[str, str], journal: int) -> None:
    code, _, err = _run(
        env, "subscribe", "--email", "a@b.org", "--journal", "Medical Image Analysys"
    )

    assert code == 2
    assert "Did you mean" in err and "Medical Image Analysis" in err


def test_send_due_json_reports_each_digest_and_a_second_run_sends_nothing(
    env: dict[str, str], journal: int, smtp: SmtpPeer
) -> None:
    env = {**env, **smtp.env()}
    sub = _subscribe(env)

    code, out, err = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")
    again_code, again, _ = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")

    assert code == 0, err
    [result] = json.loads(out)
    assert result == {
        "subscription": sub["id"],
        "period": "2030-01-07",
        "target": {"kind": "email", "address": "ada@example.org"},
        "status": "sent",
        "items": 2,
        "error": None,
        "retry_at": None,
        "message_id": smtp.messages[0]["Message-ID"],
        "channel_failing": False,
    }
    assert again_code == 0 and json.loads(again) == []
    assert len(smtp.messages) == 1


def test_dry_run_prints_the_digest_and_keeps_nothing(
    env: dict[str, str], journal: int, smtp: SmtpPeer
) -> None:
    env = {**env, **smtp.env()}
    _subscribe(env)

    code, out, err = _run(env, "send-due", "--now", MONDAY_SLOT, "--dry-run")
    _, listed, _ = _run(env, "subscriptions", "list", "--json")
    real_code, real, _ = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")

    assert code == 0, err
    assert "=== to ada@example.org" in err and "52.3%" in out and "CorSeg" in out
    assert "=== to" not in out  # the rendered digest alone on stdout: it can be piped
    assert json.loads(listed)[0]["last_result"] is None  # the dry run left no trace
    assert real_code == 0 and json.loads(real)[0]["status"] == "sent"
    assert len(smtp.messages) == 1


def test_send_due_with_an_smtp_failure_still_exits_zero(
    env: dict[str, str], journal: int, smtp: SmtpPeer
) -> None:
    env = {**env, **smtp.env()}
    _subscribe(env)
    smtp.fail_data = ["451 4.3.0 Try again later"]

    code, out, _ = _run(env, "send-due", "--now", MONDAY_SLOT + "+00:00", "--json")

    [result] = json.loads(out)
    assert code == 0
    assert (result["status"], result["retry_at"]) == ("pending", "2030-01-07T08:10:00+00:00")


def test_digest_dry_run_shows_one_subscription(env: dict[str, str], journal: int) -> None:
    sub = _subscribe(env)

    code, out, err = _run(env, "digest", str(sub["id"]), "--now", MONDAY_SLOT, "--dry-run")
    refused, _, hint = _run(env, "digest", str(sub["id"]))

    assert code == 0, err
    assert "1. CorSeg" in out and "2. Second" in out
    assert refused == 2 and "--dry-run" in hint


def test_unsubscribe_stops_the_subscription(
    env: dict[str, str], journal: int, tmp_path: Path
) -> None:
    sub = _subscribe(env)

    code, _, err = _run(env, "unsubscribe", str(sub["id"]))
    _, listed, _ = _run(env, "subscriptions", "list", "--json")
    missing, _, hint = _run(env, "unsubscribe", "999")

    assert code == 0, err
    assert json.loads(listed) == []
    assert missing == 2 and "no subscription 999" in hint


def test_digest_send_mails_a_marked_test_now_and_the_period_still_goes_out(
    env: dict[str, str], journal: int, smtp: SmtpPeer, store: Store
) -> None:
    from sqlalchemy import select

    from bot.store.delivery_models import DeliveryAttempt

    env = {**env, **smtp.env()}
    sub = _subscribe(env)

    code, _, err = _run(env, "digest", str(sub["id"]), "--send", "--now", "2030-01-05T10:00:00")
    assert code == 0, err
    assert "sent a test digest (2 preprints) to ada@example.org" in err
    [test] = smtp.messages
    assert str(test["Subject"]).startswith("[Test] New preprints for Medical Image Analysis")
    body = test.get_body(("plain",))
    assert body is not None and "This is a test digest" in str(body.get_content())
    with store.session() as session:
        purposes = session.scalars(select(DeliveryAttempt.purpose)).all()
    assert purposes == ["test"]

    code, out, err = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")
    assert code == 0, err
    [scheduled] = json.loads(out)
    assert scheduled["status"] == "sent" and scheduled["items"] == 2  # nothing was used up
    assert str(smtp.messages[1]["Subject"]).startswith("New preprints for")


def test_digest_send_says_why_when_the_channel_refuses(
    env: dict[str, str], journal: int, smtp: SmtpPeer
) -> None:
    env = {**env, **smtp.env()}
    sub = _subscribe(env)
    smtp.refuse_rcpt["ada@example.org"] = "550 5.1.1 No such user"

    code, _, err = _run(env, "digest", str(sub["id"]), "--send")

    assert code == 1
    assert "not accepted" in err and "550" in err


def test_subscriptions_list_shows_the_retry_of_a_pending_digest_as_next(
    env: dict[str, str], journal: int, smtp: SmtpPeer
) -> None:
    # before: "next" named the following week's slot while the failed digest was due again
    # at 08:10 the same day
    env = {**env, **smtp.env()}
    _subscribe(env)
    smtp.fail_data = ["451 4.3.0 Try again later"]
    _run(env, "send-due", "--now", MONDAY_SLOT + "+00:00", "--json")

    code, listed, err = _run(env, "subscriptions", "list", "--json")

    assert code == 0, err
    [row] = json.loads(listed)
    assert row["last_result"]["status"] == "pending"
    assert row["next_digest"] == "2030-01-07T08:10:00+00:00"
