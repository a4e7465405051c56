"""`rxradar status` (a dashboard of what runs and what is stuck) and `rxradar check`
(can this installation deliver? exit 1 naming each failure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer

from bot.checks import run_checks
from bot.cli.common import fail, open_store, out_console, print_json, settings
from bot.config import Settings
from bot.records.wording import counted
from bot.store import Store
from bot.store.feeds import list_feeds
from bot.store.health import active_model, failing_channels, model_profiles
from bot.subscribing import describe


def _when(value: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second (`--json`); the text shows it to the minute."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shown(iso: str | None, missing: str = "never") -> str:
    return missing if iso is None else f"{iso[:10]} {iso[11:16]} UTC"


def _model(store: Store, now: datetime) -> dict[str, Any] | None:
    model = active_model(store)
    if model is None:
        return None
    kinds = model_profiles(store, model.version)
    return {
        "version": model.version,
        "trained_at": _when(model.created_at),
        "age_days": (now - model.created_at).days,
        "journals": kinds.get("journal", 0),
        "custom_profiles": kinds.get("custom", 0),
    }


def _feed(feed: Any) -> dict[str, Any]:
    return {
        "url": feed.url,
        "enabled": feed.enabled,
        "last_poll": _when(feed.last_polled_at),
        "last_status": feed.last_status,
        "failures_in_a_row": feed.consecutive_failures,
        "error": feed.last_error if feed.consecutive_failures else None,
    }


def _subscription(row: dict[str, Any]) -> dict[str, Any]:
    last = row["last_result"]
    return {
        "id": row["id"],
        "target": f"{row['target']['kind']}:{row['target']['address']}",
        "follows": row["journals"] + row["profiles"],
        "cadence": row["cadence"],
        "paused": row["paused_reason"] if row["paused"] else None,
        "next": _when(row["next_digest"]),
        "last": None if last is None else {
            "period": last["period"], "status": last["status"], "items": last["items"],
            "error": last["error"], "retry_at": _when(last["retry_at"]),
        },
    }  # fmt: skip


def _channels(config: Settings, store: Store) -> dict[str, dict[str, Any]]:
    failing = {c.kind: c for c in failing_channels(store)}
    set_up = {"email": bool(config.smtp.host), "slack": config.slack.configured, "webhook": True}
    report = {}
    for kind, configured in set_up.items():
        bad = failing.get(kind)
        state = "failing" if bad else ("ok" if configured else "not set up")
        report[kind] = {
            "state": state,
            "reason": bad.reason if bad else None,
            "since": _when(bad.failing_since) if bad else None,
        }
    return report


def status_report(config: Settings, store: Store, now: datetime) -> dict[str, Any]:
    return {
        "at": _when(now),
        "model": _model(store, now),
        "channels": _channels(config, store),
        "feeds": [_feed(f) for f in list_feeds(store)],
        "subscriptions": [_subscription(r) for r in describe(store, now)],
    }


def _last_text(last: dict[str, Any] | None) -> str:
    if last is None:
        return "none yet"
    text = f"{last['status']} {last['period']} ({counted(last['items'], 'item')})"
    if last["status"] == "pending" and last["retry_at"]:
        text += f", retry after {_shown(last['retry_at'])}"
    if last["error"] and last["status"] != "sent":
        text += f": {last['error']}"
    return text


def render_status(report: dict[str, Any]) -> list[str]:
    model = report["model"]
    lines = [f"rxradar status at {_shown(report['at'])}", ""]
    if model is None:
        lines.append("Model     none yet: run `rxradar train` (or `rxradar run`)")
    else:
        lines.append(
            f"Model     {model['version']}, trained {_shown(model['trained_at'])} "
            f"({counted(model['age_days'], 'day')} ago): {counted(model['journals'], 'journal')}"
            f", {counted(model['custom_profiles'], 'custom profile')}"
        )
    lines.append("Channels")
    for kind, channel in report["channels"].items():
        state = channel["state"]
        if state == "failing":
            state = f"FAILING since {_shown(channel['since'])}: {channel['reason']}"
        lines.append(f"  {kind:<8}{state}")
    lines.append(f"Feeds ({len(report['feeds'])})")
    for feed in report["feeds"]:
        state = "disabled" if not feed["enabled"] else "ok"
        if feed["failures_in_a_row"]:
            failures = counted(feed["failures_in_a_row"], "failure")
            state = f"{failures} in a row: {feed['error']}"
        lines.append(f"  {feed['url']}")
        lines.append(f"      last poll {_shown(feed['last_poll'])}, {state}")
    lines.append(f"Subscriptions ({len(report['subscriptions'])})")
    for sub in report["subscriptions"]:
        lines.append(
            f"  #{sub['id']} {sub['target']} ({sub['cadence']}): {', '.join(sub['follows'])}"
        )
        upcoming = (
            f"PAUSED: {sub['paused']}" if sub["paused"] else f"next {_shown(sub['next'], '–')}"
        )
        lines.append(f"      {upcoming}; last {_last_text(sub['last'])}")
    return lines


def _parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now {value!r} is not an ISO-8601 time; use e.g. 2026-10-26T08:30:00+00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def status_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    now: str = typer.Option(None, "--now", hidden=True, help="As of this time (tests)."),
) -> None:
    """Model, channels, feeds and subscriptions (target, next and last digest) at a glance."""
    config = settings()
    with open_store(config, create=False) as store:
        report = status_report(config, store, _parse_now(now))
    if as_json:
        print_json(report)
        return
    for line in render_status(report):
        out_console.print(line, highlight=False, markup=False, soft_wrap=True)


def check_command(as_json: bool = typer.Option(False, "--json", help="Print JSON only.")) -> None:
    """Can this installation deliver? Database, model, SMTP, Slack, feeds, public URL.

    Connects to the mail server and Slack (no message is sent). Exit 1 when anything fails."""
    config = settings()
    with open_store(config, create=False) as store:
        checks = run_checks(config, store, datetime.now(UTC))
    if as_json:
        print_json({"ok": all(c.ok for c in checks), "checks": [c.to_json() for c in checks]})
    else:
        for check in checks:
            mark = "ok  " if check.ok else "FAIL"
            out_console.print(f"{mark} {check.name:<11}{check.detail}", highlight=False,
                              markup=False, soft_wrap=True)  # fmt: skip
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
    app.command("check")(check_command)
