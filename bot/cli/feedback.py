"""`rxradar feedback SUBSCRIPTION PREPRINT up|down` and `rxradar feedback reset SUBSCRIPTION`."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from bot.cli.common import err_console, fail, open_store
from bot.records.feedback import parse_value
from bot.subscribing import SubscribeError, record_vote, reset_feedback

CLI_VOTER = "cli"  # scripts vote as one voter per subscription

USAGE = (
    "write `rxradar feedback SUBSCRIPTION PREPRINT up|down` (e.g. "
    "`rxradar feedback 3 10.1101/2024.01.15.578123 up`) or `rxradar feedback reset SUBSCRIPTION`"
)


def _subscription(text: str) -> int:
    if not text.isdigit():
        fail(f"{text!r} is not a subscription id (see `rxradar subscriptions list`); {USAGE}")
    return int(text)


def feedback_command(
    words: list[str] = typer.Argument(..., metavar="SUBSCRIPTION PREPRINT up|down | reset ID"),
) -> None:
    """Vote on a preprint for one subscription (its next digests re-rank), or reset its votes."""
    with open_store() as store:
        try:
            if words[0].lower() == "reset" and len(words) == 2:
                subscription = _subscription(words[1])
                forgotten = reset_feedback(store, subscription)
                err_console.print(
                    f"subscription {subscription}: forgot {forgotten} vote(s); its digests "
                    "are ranked by the journal's match alone again"
                )
                return
            if len(words) != 3:
                fail(f"expected three words; {USAGE}")
            subscription = _subscription(words[0])
            try:
                value = parse_value(words[2])
            except ValueError as exc:
                fail(str(exc))
            result = record_vote(store, subscription, words[1], CLI_VOTER, value, datetime.now(UTC))
        except SubscribeError as exc:
            fail(str(exc))
    word = "more like this" if result.value > 0 else "less like this"
    state = "recorded" if result.changed else "already recorded"
    err_console.print(f"subscription {subscription}: {word} on {result.preprint_id} {state}")


def register(app: typer.Typer) -> None:
    app.command("feedback")(feedback_command)
