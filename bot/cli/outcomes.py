"""`rxradar outcomes`: what became of the preprints rxradar sent, and `outcomes refresh`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import typer
from rich.table import Table

from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.cli.progress import ProgressBars
from bot.ingest.harvest import HarvestError
from bot.store.db import Store
from bot.store.outcome_reports import journal_outcomes, subscription_outcomes
from bot.store.profiles import Suggestions, find_profile

outcomes_app = typer.Typer(
    help="Which sent preprints were later published, where; precision and recall.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(outcomes_app, name="outcomes")


def _profile_id(store: Store, journal: str | None) -> int | None:
    if journal is None:
        return None
    found = find_profile(store, journal)
    if isinstance(found, Suggestions):
        fail(found.message())
    return found.id


def _since(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"--since {raw!r} is not a date; write it as YYYY-MM-DD")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _print_report(report: dict[str, Any]) -> None:
    table = Table(
        "sub", "journal", "sent", "here", "elsewhere", "not yet", "precision", "recall",
        title="Preprints sent, by subscription and journal: where they were published",
    )  # fmt: skip
    for row in report["subscriptions"]:
        elsewhere = ", ".join(f"{j} ({n})" for j, n in row["published_elsewhere"].items())
        table.add_row(
            str(row["subscription"]), row["journal"], str(row["sent"]),
            str(row["published_here"]), elsewhere or "–", str(row["not_yet"]),
            _percent(row["precision"]),
            f"{_percent(row['recall'])} ({row['of_those_sent']}/{row['published_in_journal']})",
        )  # fmt: skip
    out_console.print(table)
    journals = Table(
        "journal", "weeks", "weekly top-10", "published here", "precision@10",
        title="Every scored preprint: each journal's weekly top 10",
    )  # fmt: skip
    for row in report["journals"]:
        journals.add_row(
            row["journal"], str(row["weeks"]), str(row["ranked"]), str(row["published_here"]),
            _percent(row["precision"]),
        )  # fmt: skip
    out_console.print(journals)


@outcomes_app.callback()
def outcomes_command(
    ctx: typer.Context,
    subscription: int | None = typer.Option(None, "--subscription", help="Only this one."),
    journal: str | None = typer.Option(None, "--journal", help="Only this journal."),
    since: str | None = typer.Option(None, "--since", help="Sent/posted on or after YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Per subscription and journal: sent → published here / elsewhere / not yet; recall."""
    if ctx.invoked_subcommand is not None:
        return
    day = _since(since)
    with open_store() as store:
        profile_id = _profile_id(store, journal)
        with store.session() as session:
            subs = subscription_outcomes(
                session, subscription_id=subscription, profile_id=profile_id, since=day
            )
            journals = journal_outcomes(session, profile_id=profile_id, since=day)
    report = {
        "subscriptions": [s.to_json() for s in subs],
        "journals": [j.to_json() for j in journals],
    }
    if as_json:
        print_json(report)
    elif not subs and not journals:
        err_console.print("no outcomes yet: `rxradar outcomes refresh` looks them up")
    else:
        _print_report(report)


@outcomes_app.command("refresh")
def refresh_command(as_json: bool = typer.Option(False, "--json", help="Print JSON only.")) -> None:
    """Look up which stored preprints were published (pubs API, Crossref); resumable."""
    from bot.feeds.crossref_api import CrossrefRelations
    from bot.ingest.outcomes import refresh_outcomes
    from bot.jobs import biorxiv_api, crossref_api

    config = settings()
    bars = ProgressBars()
    try:
        with open_store(config) as store, biorxiv_api(config) as api, crossref_api(config) as cr:
            report = refresh_outcomes(
                store,
                api,
                CrossrefRelations(cr),
                months=config.sources.outcome_months,
                today=datetime.now(UTC).date(),
                progress=bars,
            )
    except HarvestError as exc:
        fail(str(exc))
    finally:
        bars.stop()
    if as_json:
        print_json(report.to_json())
        return
    out_console.print(
        f"{report.n_new} new outcomes, {report.n_changed} changed, {report.n_unchanged} "
        f"already known ({report.n_records} records read); {report.n_papers_added} preprints "
        "joined their journal's profile"
    )
