"""`rxradar feeds …`, `rxradar poll`, `rxradar preprints list`, `rxradar backfill`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import typer
from rich.table import Column, Table

from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.cli.progress import progress_bar, waiting_line
from bot.config import ConfigError, Settings
from bot.feeds.catalogue import UnknownSource, resolve_source
from bot.ingest.backfill import BackfillError, backfill
from bot.ingest.poll import PollReport, ensure_default_feeds, poll_feeds
from bot.jobs import biorxiv_api
from bot.records.servers import BIORXIV_API_SERVERS
from bot.records.wording import counted
from bot.store.db import Store
from bot.store.feeds import FeedExists, FeedInfo, add_feed, list_feeds, remove_feed
from bot.store.preprints import StoredPreprint, list_preprints

feeds_app = typer.Typer(help="The feeds rxradar polls.", no_args_is_help=True)
preprints_app = typer.Typer(help="Preprints rxradar has stored.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")
    app.add_typer(preprints_app, name="preprints")
    app.command("poll")(poll_command)
    app.command("backfill")(backfill_command)


def _defaults(store: Store, config: Settings) -> None:
    try:
        added = ensure_default_feeds(store, config.sources.feeds)
    except ConfigError as exc:
        fail(str(exc))
    for feed in added:
        err_console.print(f"added default feed {feed.id}: {feed.source or feed.url}")


@feeds_app.command("add")
def add_command(
    source: str = typer.Argument(..., help="biorxiv:<subject>, arxiv:cs.LG, or a URL"),
) -> None:
    """Add a feed by catalogue name or URL."""
    try:
        resolved = resolve_source(source)
    except UnknownSource as exc:
        fail(str(exc))
    config = settings()
    with open_store(config) as store:
        _defaults(store, config)  # first use: RXRADAR_FEEDS come first, then this one
        try:
            feed = add_feed(store, resolved.url, resolved.name, resolved.kind)
        except FeedExists as exc:
            fail(f"{exc}; nothing to do (rxradar feeds list shows it)")
    out_console.print(f"added feed {feed.id}: {feed.url}", highlight=False)


@feeds_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List feeds with their last status and error."""
    config = settings()
    with open_store(config, create=False) as store:
        _defaults(store, config)
        feeds = list_feeds(store)
    if as_json:
        print_json([feed.to_json() for feed in feeds])
        return
    out_console.print(_feeds_table(feeds))


def _feeds_table(feeds: list[FeedInfo]) -> Table:
    table = Table("id", Column("source / url", overflow="fold"), "kind", "enabled", "status")
    table.add_column("next poll")
    table.add_column("last error", ratio=2)
    for feed in feeds:
        next_poll = f"{feed.next_poll_at:%Y-%m-%d %H:%M}" if feed.next_poll_at else "now"
        table.add_row(
            str(feed.id),
            feed.source or feed.url,
            feed.kind,
            "yes" if feed.enabled else f"no ({feed.disabled_reason})",
            str(feed.last_status or "–"),
            next_poll,
            feed.last_error or "",
        )
    return table


@feeds_app.command("remove")
def remove_command(
    feed_id: int = typer.Argument(..., help="The feed id from `rxradar feeds list`."),
) -> None:
    """Stop polling a feed (its preprints stay)."""
    with open_store() as store:
        removed = remove_feed(store, feed_id)
    if removed is None:
        fail(f"there is no feed {feed_id}; `rxradar feeds list` shows the ids")
    out_console.print(f"removed feed {feed_id}: {removed.url}", highlight=False)


def poll_command(
    all_feeds: bool = typer.Option(False, "--all", help="Poll every enabled feed, due or not."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
) -> None:
    """Poll the feeds that are due and store new preprints."""
    config = settings()
    with open_store(config) as store:
        _defaults(store, config)
        with waiting_line("polling") as waiting:
            report = poll_feeds(
                store,
                config.http,
                config.sources.poll_interval,
                ignore_due_times=all_feeds,
                waiting=waiting,
            )
        _score(store, config, report.changed_ids)
    if as_json:
        print_json([result.to_json() for result in report.results])
        return
    out_console.print(_poll_table(report))


def _score(store: Store, config: Settings, changed_ids: Sequence[str]) -> None:
    """Score what the poll brought, so digests and `rxradar top` see it at once."""
    if not changed_ids:
        return
    from bot.matching.scorer import score_after_poll  # scikit-learn: import only when needed

    report = score_after_poll(store, config.model, changed_ids)
    if report.version:
        scored = counted(report.n_scored, "preprint")
        err_console.print(f"scored {scored} with model {report.version}")


def _poll_table(report: PollReport) -> Table:
    table = Table(Column("feed", overflow="fold"), "status", "new", "updated", "skipped")
    table.add_column("error", ratio=2)
    for row in report.results:
        status = str(row.status) if row.status is not None else "–"
        table.add_row(
            row.feed, status, str(row.new), str(row.updated), str(row.skipped), row.error or ""
        )
    if not report.results:
        table.caption = "no feed was due (use --all to poll every enabled feed)"
    return table


@preprints_app.command("list")
def preprints_list_command(
    since: str = typer.Option("", "--since", help="Only preprints updated on/after YYYY-MM-DD."),
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """List stored preprints, newest first."""
    since_date = _date_option("--since", since)
    with open_store(create=False) as store:
        preprints = list_preprints(store, since_date, limit)
    if as_json:
        print_json([preprint.to_json() for preprint in preprints])
        return
    out_console.print(_preprints_table(preprints))


def _date_option(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date; write YYYY-MM-DD, e.g. 2026-01-31")


def _preprints_table(preprints: list[StoredPreprint]) -> Table:
    table = Table("id", "v", "updated", "server", "title")
    for preprint in preprints:
        title = preprint.title if len(preprint.title) <= 90 else preprint.title[:89] + "…"
        table.add_row(
            preprint.id, str(preprint.version), preprint.updated.isoformat(), preprint.server, title
        )
    return table


def backfill_command(
    server: str = typer.Option(..., "--server", help="biorxiv or medrxiv."),
    days: int = typer.Option(90, "--days", min=1, help="How many days back."),
) -> None:
    """Fetch the last N days from the bioRxiv/medRxiv API (about one request per second)."""
    server = server.strip().lower()
    if server not in BIORXIV_API_SERVERS:
        fail(f"--server {server!r} is not supported; use {' or '.join(BIORXIV_API_SERVERS)}")
    config = settings()
    with open_store(config) as store, biorxiv_api(config) as api:
        with progress_bar(f"{server} last {days} days") as advance:
            try:
                result = backfill(store, api, server, days, progress=advance)
            except BackfillError as exc:
                fail(str(exc))
        _score(store, config, result.changed_ids)
    out_console.print(
        f"{server} {result.start}..{result.end}: {counted(result.records, 'record')} in "
        f"{counted(result.pages, 'page')}, "
        f"{result.new} new, {result.updated} updated, {result.skipped} skipped",
        highlight=False,
    )
