"""`rxradar feeds …`, `rxradar poll`, `rxradar preprints list`, `rxradar backfill`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import typer
from rich.console import Group
from rich.table import Column, Table
from rich.text import Text

from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.cli.progress import progress_bar, waiting_line
from bot.config import ConfigError, Settings
from bot.feeds.addresses import PrivateAddress, check_url
from bot.feeds.catalogue import UnknownSource, resolve_source
from bot.ingest.backfill import BackfillError, backfill
from bot.ingest.poll import PollReport, ensure_default_feeds, poll_feeds
from bot.jobs import biorxiv_api
from bot.records.servers import BIORXIV_API_SERVERS, display_server
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
    check: bool = typer.Option(
        True, "--check/--no-check", help="Fetch it once first and say what it serves."
    ),
) -> None:
    """Add a feed by catalogue name or URL (adding one that is there already is fine)."""
    try:
        resolved = resolve_source(source)
    except UnknownSource as exc:
        fail(str(exc))
    config = settings()
    try:
        check_url(resolved.url, config.http.allow_private_urls)
    except PrivateAddress as exc:
        fail(f"{resolved.url}: {exc}")
    with open_store(config) as store:
        _defaults(store, config)  # first use: RXRADAR_FEEDS come first, then this one
        existing = _active_feed(store, resolved.url)
        if existing is not None:
            out_console.print(f"feed {existing.id} is already {existing.url}", highlight=False)
            return
        if check:
            _check_or_fail(config, resolved.url)
        try:
            feed = add_feed(store, resolved.url, resolved.name, resolved.kind)
        except FeedExists as exc:  # added by someone else meanwhile: still what was asked
            out_console.print(str(exc), highlight=False)
            return
    out_console.print(f"added feed {feed.id}: {feed.url}", highlight=False)


def _active_feed(store: Store, url: str) -> FeedInfo | None:
    return next((feed for feed in list_feeds(store) if feed.url == url and feed.enabled), None)


def _check_or_fail(config: Settings, url: str) -> None:
    from bot.ingest.feed_check import check_feed

    found = check_feed(config.http, url, datetime.now(UTC).date())
    if found.problem:
        fail(f"{url}: {found.describe()}; nothing was added (--no-check adds it anyway)")
    err_console.print(f"checked {url}: {found.describe()}", highlight=False, soft_wrap=True)


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


def _feeds_table(feeds: list[FeedInfo]) -> Group:
    """Short cells in the table; errors as lines under it (at 80 columns a cell took 18).

    The kind is in `--json`; a disabled feed says so in its status.
    """
    table = Table("id", Column("source / url", overflow="fold", ratio=1), "status")
    table.add_column("next poll (UTC)", no_wrap=True, min_width=16)
    errors: list[str] = []
    for feed in feeds:
        next_poll = f"{feed.next_poll_at:%Y-%m-%d %H:%M}" if feed.next_poll_at else "now"
        status = str(feed.last_status or "–")
        if not feed.enabled:
            status = f"disabled ({feed.disabled_reason})"
        if feed.last_error:
            errors.append(f"[{len(errors) + 1}] feed {feed.id}: {feed.last_error}")
            status += f" [{len(errors)}]"
        table.add_row(str(feed.id), feed.source or feed.url, status, next_poll)
    return Group(table, *(Text(line) for line in errors))


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


def _poll_table(report: PollReport) -> Group:
    """Counts that add up to what each feed listed; errors as lines under the table."""
    table = Table(Column("feed", overflow="fold", ratio=1), "status", "new", "updated")
    table.add_column("already stored")
    table.add_column("skipped")
    errors: list[str] = []
    for row in report.results:
        status = str(row.status) if row.status is not None else "–"
        if row.error:
            errors.append(f"[{len(errors) + 1}] {row.feed}: {row.error}")
            status += f" [{len(errors)}]"
        counts = (row.new, row.updated, row.unchanged, row.skipped)
        table.add_row(row.feed, status, *(str(n) for n in counts))
    if not report.results:
        table.caption = "no feed was due (use --all to poll every enabled feed)"
    return Group(table, *(Text(line) for line in errors))


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
    """Ids whole (they are what you copy into `rxradar match --doi`); the title gives way."""
    widest = max((len(preprint.id) for preprint in preprints), default=2)
    table = Table(
        Column("id", no_wrap=True, min_width=widest),
        Column("v", no_wrap=True, min_width=1),
        Column("updated", no_wrap=True, min_width=10),
        Column("server", no_wrap=True, min_width=7),
        "title",
    )
    for preprint in preprints:
        title = preprint.title if len(preprint.title) <= 90 else preprint.title[:89] + "…"
        server = display_server(preprint.server)
        updated = preprint.updated.isoformat()
        table.add_row(preprint.id, str(preprint.version), updated, server, title)
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
