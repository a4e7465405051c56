"""`rxradar subscribe`, `subscriptions list`, `unsubscribe`, `send-due`, `digest`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

import typer
from rich.markup import escape
from sqlalchemy.engine import Engine

from bot.channels.base import new_message_id
from bot.channels.registry import SHOWS, live, parse_target
from bot.channels.registry import dry_run as dry_run_channels
from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.delivery.alerts import Estimate, estimate
from bot.delivery.preparing import load_digest
from bot.delivery.results import DeliveryResult
from bot.delivery.sending import digest_message, send_due
from bot.digest import feedback
from bot.matching.membership import not_in_model
from bot.records.digest import Digest
from bot.records.rules import DigestRules, RulesError, parse_rules
from bot.records.target import Target, TargetError
from bot.records.wording import counted
from bot.store import Store
from bot.store import subscriptions as subs
from bot.subscribing import SubscribeError, describe, resume, subscribe, unsubscribe


def parse_now(value: str | None) -> datetime:
    """ISO-8601; without an offset it means UTC."""
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--now {value!r} is not an ISO-8601 time; use e.g. 2026-10-26T08:30:00+01:00")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@contextmanager
def preview(store: Store) -> Iterator[Store]:
    """A store whose writes are all rolled back at the end: the dry run's ledger.

    The dry run goes through exactly the same claim/record/send steps as a real run (with
    the console channel), so what it prints is what would happen; nothing persists.
    """
    connection = store.engine.connect()
    transaction = connection.begin()
    try:
        yield Store(cast(Engine, connection))
    finally:
        transaction.rollback()
        connection.close()


def _target(to: str | None, email: str | None, channel: str | None, team: str | None) -> Target:
    given = [t for t in (to, f"email:{email}" if email else None,
                         f"slack:{team or ''}:{channel}" if channel else None) if t]  # fmt: skip
    if len(given) != 1:
        fail("give exactly one of --to KIND:ADDRESS, --email ADDRESS or --slack-channel CHANNEL_ID")
    try:
        return parse_target(given[0])
    except TargetError as exc:
        fail(str(exc))


def _rules(given: dict[str, str | list[str] | None]) -> DigestRules:
    """The options the user gave, through the same parser Slack and the web use."""
    present: dict[str, str | list[str]] = {k: v for k, v in given.items() if v}
    try:
        return parse_rules(present)
    except RulesError as exc:
        fail(str(exc))


def subscribe_command(
    to: str = typer.Option(
        None,
        "--to",
        metavar="KIND:ADDRESS",
        help="Where digests go: email:ADDRESS, slack:TEAM:CHANNEL or webhook:URL.",
    ),
    email: str = typer.Option(
        None, "--email", metavar="ADDRESS", help="Same as --to email:ADDRESS."
    ),
    slack_channel: str = typer.Option(
        None, "--slack-channel", metavar="ID", help="Slack channel id (C…)."
    ),
    team: str = typer.Option(None, "--team", metavar="ID", help="Slack workspace (team) id, T…"),
    journal: list[str] = typer.Option(
        [], "--journal", metavar="NAME", help="Journal to follow (repeatable)."
    ),
    profile: list[str] = typer.Option(
        [], "--profile", metavar="NAME", help="Custom profile to follow."
    ),
    cadence: str = typer.Option(
        None,
        "--cadence",
        metavar="weekly|daily|instant",
        help="Default: weekly. instant: an alert per new preprint past the threshold.",
    ),
    day: str = typer.Option(
        None, "--day", metavar="DAY", help="Weekday of weekly digests (default mon)."
    ),
    at: str = typer.Option(None, "--time", metavar="HH:MM", help="Local time (default 08:00)."),
    tz: str = typer.Option(None, "--tz", metavar="ZONE", help="IANA time zone (default UTC)."),
    top: str = typer.Option(
        None, "--top", metavar="N", help="At most N preprints per journal (default 10)."
    ),
    min_percentile: str = typer.Option(
        None, "--min-percentile", metavar="P", help="0–100: 99 keeps the top 1%."
    ),
    min_probability: str = typer.Option(None, "--min-probability", metavar="P", help="0–1, or 5%."),
    keyword: list[str] = typer.Option(
        [], "--keyword", metavar="WORD", help="Keep only matching preprints."
    ),
    exclude: list[str] = typer.Option(
        [], "--exclude", metavar="WORD", help="Drop matching preprints."
    ),
    server: list[str] = typer.Option(
        [], "--server", metavar="NAME", help="Only these servers (bioRxiv…)."
    ),
    category: list[str] = typer.Option(
        [], "--category", metavar="NAME", help="Only these categories."
    ),
    lookback: str = typer.Option(
        None, "--lookback-days", metavar="N", help="Window of the first digest (default 7)."
    ),
    max_per_day: str = typer.Option(
        None, "--max-per-day", metavar="N", help="instant: alerts a day (default 5)."
    ),
    quiet: str = typer.Option(
        None, "--quiet", metavar="HH:MM-HH:MM", help="instant: quiet hours, local time."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the subscription as JSON."),
) -> None:
    """Subscribe an email address, Slack channel or webhook to journals' preprint digests."""
    target = _target(to, email, slack_channel, team)
    rules = _rules(
        {
            "cadence": cadence, "day": day, "time": at, "tz": tz, "top": top,
            "min_percentile": min_percentile, "min_probability": min_probability,
            "keywords": keyword, "exclude": exclude, "servers": server,
            "categories": category, "lookback_days": lookback,
            "max_per_day": max_per_day, "quiet": quiet,
        }
    )  # fmt: skip
    now = datetime.now(UTC)
    with open_store() as store:
        try:
            record = subscribe(store, target, journal, now, profiles=profile, rules=rules)
        except SubscribeError as exc:
            fail(str(exc))
        row = next(r for r in describe(store, now) if r["id"] == record.id)
        waiting = not_in_model(store, record.profiles)
        expected = _estimate(store, record, now)
    for gap in waiting:
        err_console.print(f"[yellow]note:[/] {escape(gap.sentence())}", highlight=False)
    if as_json:
        if expected:
            err_console.print(f"expect {expected.sentence()}", highlight=False)
        print_json(row)  # the pinned shape of `subscriptions list`; the notes are on stderr
        return
    upcoming = (
        f"{expected.sentence()}" if expected
        else f"next digest {row['next_digest']:%Y-%m-%d %H:%M} UTC"
    )  # fmt: skip
    out_console.print(
        f"subscription {record.id}: {record.names} → {target.describe()}, "
        f"{rules.describe()}; {upcoming}",
        highlight=False,
        soft_wrap=True,
    )


def _estimate(store: Store, record: subs.SubscriptionRecord, now: datetime) -> Estimate | None:
    """For instant subscriptions: how many alerts the threshold gives over the window."""
    if not record.rules.instant:
        return None
    days = settings().model.window_days
    return estimate(store, [p.id for p in record.profiles], record.rules, now, days)


def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    include_all: bool = typer.Option(False, "--all", help="Include unsubscribed ones."),
) -> None:
    """List subscriptions with their schedule, state and last result."""
    with open_store(create=False) as store:
        rows = describe(store, datetime.now(UTC), include_inactive=include_all)
    if as_json:
        print_json(rows)
        return
    if not rows:
        err_console.print("no subscriptions yet; add one with `rxradar subscribe`")
    for row in rows:
        _print_row(row)


def _print_row(row: dict[str, Any]) -> None:
    t = row["target"]
    where = Target(t["kind"], t["address"]).describe()
    state = "paused: " + row["paused_reason"] if row["paused"] else "active"
    if not row["active"]:
        state = "unsubscribed"
    nxt = row["next_digest"].strftime("%Y-%m-%d %H:%M UTC") if row["next_digest"] else "—"
    last = row["last_result"]
    items = counted(last["items"], "item") if last else ""
    last_text = f"{last['status']} {last['period']} ({items})" if last else "none"
    followed = ", ".join(row["journals"] + row["profiles"])
    when = " ".join(part for part in (row["cadence"], row["day"], row["time"]) if part)
    out_console.print(
        f"#{row['id']} {where} · {followed} · {when} {row['tz']} · top {row['top']} · "
        f"{state} · next {nxt} · last {last_text}",
        highlight=False,
        soft_wrap=True,
    )


def unsubscribe_command(subscription_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Stop a subscription (its delivery history is kept)."""
    with open_store() as store:
        with store.session() as session:
            if subs.subscription(session, subscription_id) is None:
                fail(
                    f"there is no subscription {subscription_id}; see `rxradar subscriptions list`"
                )
        stopped = unsubscribe(store, subscription_id, datetime.now(UTC))
    err_console.print(
        f"subscription {subscription_id} " + ("stopped" if stopped else "was already stopped")
    )


def resume_command(subscription_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Resume a paused subscription once its cause is fixed (e.g. the bot was invited)."""
    with open_store() as store:
        if not resume(store, subscription_id):
            fail(
                f"there is no active subscription {subscription_id}; "
                "see `rxradar subscriptions list`"
            )
    err_console.print(f"subscription {subscription_id} resumed")


def send_due_command(
    now: str = typer.Option(None, "--now", help="ISO-8601 time (default: now; UTC if no offset)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print, send nothing, keep nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Send every digest that is due (running it twice sends nothing new)."""
    when = parse_now(now)
    config = settings()
    with open_store(config, create=not dry_run) as store:
        stream = sys.stderr if as_json else sys.stdout
        registry = dry_run_channels(stream, sys.stderr) if dry_run else live(config, store)
        with preview(store) if dry_run else nullcontext(store) as ledger_store:
            results = send_due(ledger_store, config.delivery, config.links(), registry, when)
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        _print_results(results, when)
    failing = {r.target.kind: r.error for r in results if r.channel_failing}
    for kind, reason in failing.items():
        err_console.print(f"the {kind} channel is failing: {reason}; its digests wait (nothing "
                          "was paused). `rxradar check` tests the settings.")  # fmt: skip
    if failing:
        raise typer.Exit(1)


def _print_results(results: list[DeliveryResult], when: datetime) -> None:
    if not results:
        err_console.print(f"nothing due at {when.isoformat()}")
    for r in results:
        extra = f" — {r.error}" if r.error else ""
        retry = f" (retry at {r.retry_at.isoformat()})" if r.retry_at else ""
        out_console.print(
            f"#{r.subscription} {r.period} → {r.target.describe()}: {r.status}, "
            f"{counted(r.items, 'item')}{extra}{retry}",
            highlight=False,
            soft_wrap=True,
        )


def digest_command(
    subscription_id: int = typer.Argument(..., metavar="SUBSCRIPTION_ID"),
    now: str = typer.Option(None, "--now", help="ISO-8601 time (default: now)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the digest; send nothing."),
    show: str = typer.Option(
        "", "--show", metavar="|".join(SHOWS),
        help="Which rendering to print (default: the target's own channel).",
    ),
    send: bool = typer.Option(
        False, "--send", help="Send the current digest now as a test (the period stays due).",
    ),
    why: bool = typer.Option(
        False, "--why", help="One line per preprint: its journal match and what feedback did."
    ),
) -> None:  # fmt: skip
    """Show the digest a subscription would get at --now (--dry-run, or --why: one line per
    preprint), or --send it as a test."""
    if send:
        _send_test(subscription_id, parse_now(now))
        return
    if not dry_run and not why:
        fail("`rxradar digest` previews with --dry-run, or sends a test with --send")
    if show and show not in SHOWS:
        fail(f"--show {show!r} is not one of: {', '.join(SHOWS)}")
    when = parse_now(now)
    config = settings()
    with open_store(config, create=False) as store:
        with store.session() as session:
            record = subs.subscription(session, subscription_id)
        if record is None:
            fail(f"there is no subscription {subscription_id}; see `rxradar subscriptions list`")
        digest = load_digest(store, record, "preview", when)
    if why:
        _print_why(digest)
        return
    message = digest_message(
        config.links(), record, digest, when, new_message_id(config.public_url)
    )
    dry_run_channels(sys.stdout, sys.stderr, show).open(record.target.kind).send(message)


def _send_test(subscription_id: int, when: datetime) -> None:
    from bot.channels.base import DeliveryError
    from bot.delivery.on_demand import NotSendable, send_test_digest

    config = settings()
    with open_store(config) as store:
        with store.session() as session:
            record = subs.subscription(session, subscription_id)
        if record is None:
            fail(f"there is no subscription {subscription_id}; see `rxradar subscriptions list`")
        try:
            n, outcome = send_test_digest(store, config.links(), live(config, store), record, when)
        except NotSendable as exc:
            fail(str(exc))
    target = record.target.describe()
    if isinstance(outcome, DeliveryError):
        fail(f"the test digest to {target} was not accepted: {outcome.reason}", code=1)
    err_console.print(f"sent a test digest ({n} preprint{'s' if n != 1 else ''}) to {target}")


def _print_why(digest: Digest) -> None:
    if digest.is_empty:
        err_console.print("nothing for this subscription in the window")
    headed = len(digest.sections) > 1  # each section is numbered from 1: say whose it is
    for i, section in enumerate(digest.sections):
        if headed:
            out_console.print(("\n" if i else "") + section.name, highlight=False, markup=False)
        for entry in section.entries:
            out_console.print(
                f"{entry.rank}. {entry.title}\n   {feedback.why(entry, section.name)}",
                highlight=False, soft_wrap=True, markup=False,
            )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("subscribe")(subscribe_command)
    app.command("unsubscribe")(unsubscribe_command)
    app.command("send-due")(send_due_command)
    app.command("digest")(digest_command)
    group = typer.Typer(help="Subscriptions to journal digests.", no_args_is_help=True)
    group.command("list")(list_command)
    group.command("resume")(resume_command)
    app.add_typer(group, name="subscriptions")
