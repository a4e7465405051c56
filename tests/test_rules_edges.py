"""One settings text, one result: the CLI's options and Slack's option words give the same
`DigestRules`, or the same error, because both hand their text to `parse_rules`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.records.rules import Cadence, DigestRules
from bot.slack_app.commands import CommandError, Subscribe, parse
from bot.slack_app.options import rules_from_words
from bot.store import Store
from tests import factories

LONDON = Cadence("weekly", "mon", "08:00", "Europe/London")
CASES = [
    ("weekly mon 08:00 Europe/London top 10", ["--cadence", "weekly", "--day", "mon",
     "--time", "08:00", "--tz", "Europe/London", "--top", "10"], DigestRules(LONDON, top=10)),
    ("daily 7:30 top 5", ["--cadence", "daily", "--time", "7:30", "--top", "5"],
     DigestRules(Cadence("daily", "mon", "07:30", "UTC"), top=5)),
    ("tue", ["--day", "Tuesday"], DigestRules(Cadence("weekly", "tue"))),
    ("min 99%", ["--min-percentile", "99%"], DigestRules(min_percentile=99.0)),
    ("min 99.5", ["--min-percentile", "99.5"], DigestRules(min_percentile=99.5)),
    ("europe/berlin", ["--tz", "europe/berlin"], DigestRules(Cadence(tz="Europe/Berlin"))),
    ("top 0", ["--top", "0"], "top 0: choose between 1 and 100"),
    ("top 500", ["--top", "500"], "top 500: choose between 1 and 100"),
    ("min 100%", ["--min-percentile", "100"], "min percentile 100: give a percentile between"),
    ("24:00", ["--time", "24:00"], "time '24:00' is not a 24-hour HH:MM time"),
    ("tz Moon/Base", ["--tz", "Moon/Base"], "time zone 'Moon/Base' is unknown"),
]  # fmt: skip


def _slack(words: str) -> DigestRules | str:
    try:
        command = parse(f"subscribe Medical Image Analysis {words}")
    except CommandError as exc:
        return " ".join(str(exc).split())
    assert isinstance(command, Subscribe) and command.journals == ("Medical Image Analysis",)
    return rules_from_words(command.options)


def _cli(env: dict[str, str], options: list[str]) -> dict[str, object] | str:
    subscribe = ["subscribe", "--email", "ada@example.org", "--journal", "Medical Image Analysis"]
    result = CliRunner().invoke(app, [*subscribe, *options, "--json"], env=env)
    if result.exit_code:
        return " ".join(result.stderr.split()).removeprefix("error: ")
    row: dict[str, object] = json.loads(result.stdout)
    return row


def _as_row(rules: DigestRules) -> dict[str, object]:
    """The subset of `subscriptions list --json` that the rules decide."""
    row = rules.to_json()
    if row["cadence"] != "weekly":
        row["day"] = None
    return row


@pytest.mark.parametrize(("words", "options", "expected"), CASES)
def test_the_cli_and_slack_read_settings_alike(
    env: dict[str, str],
    store: Store,
    words: str,
    options: list[str],
    expected: DigestRules | str,
) -> None:
    factories.journal(store, "Medical Image Analysis")

    slack, cli = _slack(words), _cli(env, options)

    if isinstance(expected, str):
        assert isinstance(slack, str) and isinstance(cli, str), (slack, cli)
        assert slack.startswith(expected) and slack.rstrip(".") == cli.rstrip(".")
        return
    assert slack == expected
    assert isinstance(cli, dict), cli
    assert {k: cli[k] for k in _as_row(expected)} == _as_row(expected)
