"""`rxradar subscribe`, `subscriptions list`, `unsubscribe`, `send-due`, `digest`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

import typer
from sqlalchemy.engine import Engine

from bot.channels.registry import console_channels, live_channels
from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.delivery import DeliveryResult, load_digest, message_for, send_due
from bot.digest.cadence import Cadence, CadenceError, normalise_time, parse_weekday
from bot.digest.model import Target
from bot.store import Store
from bot.store import subscriptions as subs
from bot.store.subscriptions import Options
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


def _target(email: str | None, channel: str | None, team: str | None) -> Target:
    if bool(email) == bool(channel):
        fail("give exactly one of --email ADDRESS or --slack-channel CHANNEL_ID")
    if email:
        if "@" not in email or " " in email.strip():
            fail(f"--email {email!r} is not an email address")
        return Target("email", address=email.strip().lower())
    return Target("slack", team=team, channel=channel)


def _options(
    cadence: str,
    day: str,
    at: str,
    tz: str,
    top: int | None,
    pct: float | None,
    prob: float | None,
    keywords: list[str],
    exclude: list[str],
    servers: list[str],
    categories: list[str],
    lookback: int,
) -> Options:
    if pct is not None and not 0 <= pct <= 100:
        fail(f"--min-percentile {pct} must be between 0 and 100 (99 keeps the top 1%)")
    if prob is not None and not 0 <= prob <= 1:
        fail(f"--min-probability {prob} must be between 0 and 1 (0.05 means 5%)")
    if top is not None and top < 1:
        fail("--top must be at least 1")
    try:
        schedule = Cadence(cadence.lower(), parse_weekday(day), normalise_time(at), tz)
    except CadenceError as exc:
        fail(str(exc))
    return Options(
        cadence=schedule,
        top=top,
        min_percentile=pct,
        min_probability=prob,
        keywords=tuple(keywords),
        exclude=tuple(exclude),
        servers=tuple(servers),
        categories=tuple(categories),
        lookback_days=lookback,
    )


def subscribe_command(
    email: str = typer.Option(None, "--email", help="Deliver to this email address."),
    slack_channel: str = typer.Option(None, "--slack-channel", help="Slack channel id (C…)."),
    team: str = typer.Option(None, "--team", help="Slack workspace (team) id, T…"),
    journal: list[str] = typer.Option([], "--journal", help="Journal to follow (repeatable)."),
    profile: list[str] = typer.Option([], "--profile", help="Custom profile to follow."),
    cadence: str = typer.Option("weekly", "--cadence", help="weekly or daily."),
    day: str = typer.Option("mon", "--day", help="Weekday for weekly digests."),
    at: str = typer.Option("08:00", "--time", help="Local time, HH:MM."),
    tz: str = typer.Option("UTC", "--tz", help="IANA time zone, e.g. Europe/London."),
    top: int = typer.Option(10, "--top", help="At most this many preprints per digest."),
    min_percentile: float = typer.Option(None, "--min-percentile", help="0–100."),
    min_probability: float = typer.Option(None, "--min-probability", help="0–1."),
    keyword: list[str] = typer.Option([], "--keyword", help="Keep only matching preprints."),
    exclude: list[str] = typer.Option([], "--exclude", help="Drop matching preprints."),
    server: list[str] = typer.Option([], "--server", help="Only these servers (bioRxiv…)."),
    category: list[str] = typer.Option([], "--category", help="Only these categories."),
    lookback: int = typer.Option(7, "--lookback-days", help="Window of the first digest."),
    as_json: bool = typer.Option(False, "--json", help="Print the subscription as JSON."),
) -> None:
    """Subscribe an email address or Slack channel to journals' preprint digests."""
    target = _target(email, slack_channel, team)
    options = _options(
        cadence,
        day,
        at,
        tz,
        top,
        min_percentile,
        min_probability,
        keyword,
        exclude,
        server,
        category,
        lookback,
    )
    now = datetime.now(UTC)
    with open_store() as store:
        try:
            record = subscribe(store, target, journal, now, profiles=profile, options=options)
        except SubscribeError as exc:
            fail(str(exc))
        row = next(r for r in describe(store, now) if r["id"] == record.id)
    if as_json:
        print_json(row)
        return
    out_console.print(
        f"subscription {record.id}: {', '.join(p.name for p in record.profiles)} → "
        f"{target.describe()}, {options.cadence.kind} at {options.cadence.at} "
        f"{options.cadence.tz}; next digest {row['next_digest']:%Y-%m-%d %H:%M} UTC",
        highlight=False,
        soft_wrap=True,
    )


def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    include_all: bool = typer.Option(False, "--all", help="Include unsubscribed ones."),
) -> None:
    """List subscriptions with their schedule, state and last result."""
    with open_store() as store:
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
    where = t["address"] if t["kind"] == "email" else f"slack {t['team'] or ''} {t['channel']}"
    state = "paused: " + row["paused_reason"] if row["paused"] else "active"
    if not row["active"]:
        state = "unsubscribed"
    nxt = row["next_digest"].strftime("%Y-%m-%d %H:%M UTC") if row["next_digest"] else "—"
    last = row["last_result"]
    last_text = f"{last['status']} {last['period']} ({last['items']} items)" if last else "none"
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
            fail(f"there is no active subscription {subscription_id}; see `subscriptions list`")
    err_console.print(f"subscription {subscription_id} resumed")


def send_due_command(
    now: str = typer.Option(None, "--now", help="ISO-8601 time (default: now; UTC if no offset)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print, send nothing, keep nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Send every digest that is due (running it twice sends nothing new)."""
    when = parse_now(now)
    config = settings()
    with open_store(config) as store:
        stream = sys.stderr if as_json else sys.stdout
        registry = console_channels(stream) if dry_run else live_channels(config)
        with preview(store) if dry_run else nullcontext(store) as ledger_store:
            results = send_due(ledger_store, config, registry, when)
    if as_json:
        print_json([r.to_json() for r in results])
        return
    _print_results(results, when)


def _print_results(results: list[DeliveryResult], when: datetime) -> None:
    if not results:
        err_console.print(f"nothing due at {when.isoformat()}")
    for r in results:
        extra = f" — {r.error}" if r.error else ""
        retry = f" (retry at {r.retry_at.isoformat()})" if r.retry_at else ""
        out_console.print(
            f"#{r.subscription} {r.period} → {r.target.describe()}: {r.status}, "
            f"{r.items} items{extra}{retry}",
            highlight=False,
            soft_wrap=True,
        )


def digest_command(
    subscription_id: int = typer.Argument(..., metavar="SUBSCRIPTION_ID"),
    now: str = typer.Option(None, "--now", help="ISO-8601 time (default: now)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the digest; send nothing."),
    show: str = typer.Option("text", "--show", help="text, html or slack (blocks JSON)."),
) -> None:
    """Show the digest a subscription would get at --now (only as a dry run)."""
    if not dry_run:
        fail("`rxradar digest` only previews; add --dry-run (use `rxradar send-due` to send)")
    when = parse_now(now)
    config = settings()
    with open_store(config) as store:
        with store.session() as session:
            record = subs.subscription(session, subscription_id)
        if record is None:
            fail(f"there is no subscription {subscription_id}; see `rxradar subscriptions list`")
        digest = load_digest(store, record, "preview", when)
    message = message_for(config, record, digest, when)
    if show == "html":
        sys.stdout.write(message.html or "")
        return
    console_channels(sys.stdout, show).open(record.target.kind).send(message)


def register(app: typer.Typer) -> None:
    app.command("subscribe")(subscribe_command)
    app.command("unsubscribe")(unsubscribe_command)
    app.command("send-due")(send_due_command)
    app.command("digest")(digest_command)
    group = typer.Typer(help="Subscriptions to journal digests.", no_args_is_help=True)
    group.command("list")(list_command)
    group.command("resume")(resume_command)
    app.add_typer(group, name="subscriptions")
