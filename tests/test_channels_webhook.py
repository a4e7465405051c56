"""The webhook channel, end to end through the CLI, against a local HTTP receiver.

Nothing outside `bot/channels/webhook.py` and its registry line knows about webhooks: the
CLI's `--to KIND:ADDRESS`, the store and `send-due` take it as they take any channel.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from bot.channels.registry import parse_target
from bot.cli import app
from bot.records.target import TargetError
from bot.store import Store
from tests import factories
from tests.peers.http import LocalServer, Reply
from tests.peers.slack_fake import check_blocks

MONDAY_SLOT = "2030-01-07T08:05:00"  # the CLI stamps subscriptions with the real clock
POSTED = date(2030, 1, 3)


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def journal(store: Store) -> int:
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/2030.01.03.1", 0.523, POSTED, title="CorSeg <b>")
    factories.scored(store, mia, "10.1101/2030.01.03.2", 0.2, POSTED, title="Second")
    return mia


def _subscribe(env: dict[str, str], url: str) -> dict[str, object]:
    code, out, err = _run(
        env, "subscribe", "--to", f"webhook:{url}", "--journal", "Medical Image Analysis",
        "--day", "mon", "--json",
    )  # fmt: skip
    assert code == 0, err
    row: dict[str, object] = json.loads(out)
    return row


def test_a_digest_is_posted_as_slack_compatible_json(
    env: dict[str, str], journal: int, server: LocalServer
) -> None:
    server.route("/hooks/T1/B2/secret", Reply(status=200, body=b"ok"))
    row = _subscribe(env, server.url("/hooks/T1/B2/secret"))

    code, out, err = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")

    assert code == 0, err
    [result] = json.loads(out)
    assert (result["status"], result["items"]) == ("sent", 2)
    [posted] = server.requests_to("/hooks/T1/B2/secret")
    body = json.loads(posted.body)
    assert posted.method == "POST" and posted.headers["content-type"] == "application/json"
    assert posted.headers["x-rxradar-delivery"].endswith("@rxradar.test")
    assert "1. CorSeg <b>" in body["text"] and "http" in body["text"]  # plain text, bare links
    check_blocks(body["blocks"])
    assert not any(block["type"] == "actions" for block in body["blocks"])  # no buttons
    assert "CorSeg &lt;b&gt;" in json.dumps(body["blocks"])  # mrkdwn-escaped in the blocks
    # the URL is a secret: listings show only its host
    assert row["target"] == {"kind": "webhook", "address": "webhook 127.0.0.1/…"}


def test_a_deleted_webhook_pauses_the_subscription_and_a_failing_one_is_retried(
    env: dict[str, str], journal: int, server: LocalServer
) -> None:
    server.route("/gone", Reply(status=404, body=b"no_service"))
    server.route("/busy", Reply(status=503, body=b"try later"))
    _subscribe(env, server.url("/gone"))
    _subscribe(env, server.url("/busy"))

    _, out, _ = _run(env, "send-due", "--now", MONDAY_SLOT, "--json")
    _, listed, _ = _run(env, "subscriptions", "list", "--json")

    assert sorted(r["status"] for r in json.loads(out)) == ["failed", "pending"]
    paused = [r for r in json.loads(listed) if r["paused"]]
    assert len(paused) == 1 and "HTTP 404" in str(paused[0]["paused_reason"])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("webhook:ftp://example.org/hook", "not a webhook URL"),
        ("webhook:https://user:pass@example.org/hook", "must not carry a user name"),
        ("webhook:", "not a webhook URL"),
        ("pigeon:home", "no channel delivers to 'pigeon'"),
    ],
)
def test_a_bad_webhook_target_says_what_to_write(text: str, problem: str) -> None:
    with pytest.raises(TargetError, match=problem):
        parse_target(text)
