"""`rxradar journals …` and `rxradar profiles …`: the journal and custom profiles data side.

`train`, `match` and `top` live in `bot.cli.matching` and are registered from here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from bot.cli import matching
from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.cli.progress import progress_bar
from bot.config import LinkSettings
from bot.feeds.fetch import FetchError
from bot.ingest.harvest import (
    HarvestCutOff,
    HarvestError,
    PubsWindow,
    harvest_crossref,
    harvest_pubs,
)
from bot.ingest.profile_fill import FillReport, fill_profile, open_sources, orcid_works
from bot.jobs import biorxiv_api, crossref_api
from bot.profiles.files import PaperFileError, file_format, read_papers
from bot.records.doi import orcid_from_text
from bot.records.names import journal_key
from bot.records.paper import Paper
from bot.records.servers import BIORXIV_API_SERVERS
from bot.records.wording import counted
from bot.store.db import Store
from bot.store.profiles import (
    ImportReport,
    ProfileError,
    ProfileSummary,
    import_papers,
    list_profiles,
    search_profiles,
)
from bot.store.scores import find_preprint, preprint_as_paper, profiles_in_model

journals_app = typer.Typer(help="Journals and custom profiles rxradar knows.", no_args_is_help=True)
profiles_app = typer.Typer(
    help="Fill profiles: import files, harvest APIs, define custom profiles.", no_args_is_help=True
)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON only.")


def register(app: typer.Typer) -> None:
    app.add_typer(journals_app, name="journals")
    app.add_typer(profiles_app, name="profiles")
    matching.register(app)


def _profiles_table(found: list[ProfileSummary], scored: set[int]) -> Table:
    """`in model`: whether the active model scores it (a journal below --min-papers gets no
    digests until it has enough papers and the model is retrained)."""
    table = Table("name", "kind", "papers", "in model", "ISSN")
    for profile in found:
        in_model = "yes" if profile.id in scored else "no"
        papers = str(profile.n_papers)
        table.add_row(profile.name, profile.kind, papers, in_model, ", ".join(profile.issns))
    return table


def _profiles_json(found: list[ProfileSummary], scored: set[int]) -> list[dict[str, Any]]:
    return [{**p.to_json(), "in_model": p.id in scored} for p in found]


@journals_app.command("list")
def list_command(
    kind: str = typer.Option("all", "--kind", help="journal, custom or all."),
    min_papers: int = typer.Option(0, "--min-papers", min=0, help="Only profiles this big."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List journals and custom profiles with the number of papers behind each."""
    if kind not in ("journal", "custom", "all"):
        fail(f"--kind {kind!r} is not known; use journal, custom or all")
    with open_store(create=False) as store, store.session() as session:
        found = list_profiles(session, None if kind == "all" else kind)
        scored = profiles_in_model(session)
    found = [p for p in found if p.n_papers >= min_papers]
    if as_json:
        print_json(_profiles_json(found, scored))
    elif not found:
        err_console.print(
            "no profiles yet: run `rxradar profiles import FILE` "
            "or `rxradar profiles harvest biorxiv`"
        )
    else:
        out_console.print(_profiles_table(found, scored))


@journals_app.command("search")
def search_command(
    query: str = typer.Argument(..., help="Part of a journal's name, any spelling."),
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = JSON_OPTION,
) -> None:
    """Find journals by name; close spellings are suggested ("did you mean")."""
    with open_store(create=False) as store, store.session() as session:
        found = search_profiles(session, query, limit)
        scored = profiles_in_model(session)
    if as_json:
        print_json(_profiles_json(found, scored))
        return
    if not found:
        fail(f"no journal matches {query!r}; `rxradar journals list` shows them all", code=1)
    words = journal_key(query).split()
    if not any(all(w in p.key for w in words) for p in found):
        err_console.print(f"no journal contains {query!r}; did you mean:", highlight=False)
    out_console.print(_profiles_table(found, scored))


LINES_SHOWN = 5  # line numbers of skipped rows quoted in the summary; -v logs every row


def _print_import(report: ImportReport, skipped: list[PaperFileError], as_json: bool) -> None:
    if as_json:
        print_json({**report.to_json(), "skipped": len(skipped)})
        return
    bad = f", {counted(len(skipped), 'bad row')} skipped" if skipped else ""
    out_console.print(
        f"read {counted(report.n_read, 'paper')}{bad}: {report.n_added:,} added, "
        f"{report.n_duplicates:,} already there, {report.n_unlabelled:,} without a journal; "
        f"{counted(report.n_profiles_created, 'new profile')}",
        highlight=False,
        soft_wrap=True,
    )
    if skipped:
        err_console.print(_skipped_summary(skipped), highlight=False, soft_wrap=True)


def _skipped_summary(skipped: list[PaperFileError]) -> str:
    """One line for any number of bad rows (was one WARNING per row)."""
    lines = [str(problem.line) for problem in skipped[:LINES_SHOWN]]
    if len(skipped) > LINES_SHOWN:
        lines.append("…")
    return (
        f"skipped {counted(len(skipped), 'bad row')} (line {', '.join(lines)}); "
        f"the first: {skipped[0]}; -v lists every one"
    )


@profiles_app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="JSONL(.gz), CSV, TSV, BibTeX or RIS file."),
    profile: str = typer.Option(
        None, "--profile", help="Put every paper into this custom profile (created if new)."
    ),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Skip rows without title/abstract instead of stopping."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import papers into their journals' profiles (or one custom profile), all or nothing."""
    skipped: list[PaperFileError] = []
    try:
        file_format(path)
        with open_store() as store:
            papers = read_papers(
                path, skip_bad_rows=skip_bad_rows, problems=skipped, require_journal=not profile
            )
            report = import_papers(
                store, papers, source=f"import:{path.name}", custom_profile=profile,
                require_papers=bool(profile),
            )  # fmt: skip
            if profile:
                _score_custom(store)
    except PaperFileError as exc:
        fail(f"{exc}. Nothing was imported (or use --skip-bad-rows).")
    except ProfileError as exc:
        fail(f"{exc}. Nothing was imported.")
    _print_import(report, skipped, as_json)


def _harvest_pubs(
    server: str, start: date | None, end: date | None, restart: bool
) -> dict[str, Any]:
    if start is None or end is None:
        fail(f"harvesting {server} needs --from DATE and --to DATE (YYYY-MM-DD)")
    config = settings()
    window = PubsWindow(server, start, end)
    with (
        open_store(config) as store,
        biorxiv_api(config) as api,
        progress_bar(f"{server} pubs") as advance,
    ):
        report = harvest_pubs(store, api, window, progress=advance, restart=restart)
    if report.already_done:
        err_console.print(f"{window.key} was harvested before; --restart fetches it again")
    return report.to_json()


def _harvest_crossref(issn: str | None, rows: int) -> dict[str, Any]:
    if not issn:
        fail("harvesting crossref needs --issn ISSN (e.g. --issn 1361-8415)")
    config = settings()
    with (
        open_store(config) as store,
        crossref_api(config) as api,
        progress_bar(f"crossref {issn}") as advance,
    ):
        report = harvest_crossref(store, api, issn, rows=rows, progress=advance)
    return report.to_json()


@profiles_app.command("harvest")
def harvest_command(
    source: str = typer.Argument(..., help="biorxiv, medrxiv or crossref."),
    start: str = typer.Option(None, "--from", help="First publication date, YYYY-MM-DD."),
    end: str = typer.Option(None, "--to", help="Last publication date, YYYY-MM-DD."),
    issn: str = typer.Option(None, "--issn", help="The journal's ISSN (crossref)."),
    rows: int = typer.Option(1000, "--rows", min=1, help="Most papers to fetch (crossref)."),
    restart: bool = typer.Option(False, "--restart", help="Start over instead of resuming."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Harvest published papers with their journals (resumes where an interrupted run stopped)."""
    source = source.strip().lower()
    try:
        if source in BIORXIV_API_SERVERS:
            result = _harvest_pubs(source, _date(start, "--from"), _date(end, "--to"), restart)
        elif source == "crossref":
            result = _harvest_crossref(issn, rows)
        else:
            fail(f"unknown source {source!r}; use biorxiv, medrxiv or crossref")
    except HarvestCutOff as exc:
        fail(f"{exc}; run the same command again to resume")
    except HarvestError as exc:
        fail(str(exc))
    if as_json:
        print_json(result)
    else:
        shown = ", ".join(f"{k} {v}" for k, v in result.items() if v not in (None, False))
        out_console.print(shown, highlight=False)


def _date(raw: str | None, option: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"{option} {raw!r} is not a date; use YYYY-MM-DD")


def _papers_for_dois(store: Store, dois: list[str]) -> list[Paper]:
    papers, missing = [], []
    with store.session() as session:
        for doi in dois:
            preprint = find_preprint(session, doi)
            if preprint is None:
                missing.append(doi)
            else:
                papers.append(preprint_as_paper(preprint))
    if missing:
        fail(
            f"not in the database: {', '.join(missing)}. Poll or backfill first "
            "(`rxradar backfill`), or use --from-file. Nothing was created."
        )
    return papers


def _score_custom(store: Store) -> None:
    """A changed custom profile is scored at once (same scale as the journals, no training)."""
    from bot.matching.scorer import refresh_scores  # scikit-learn: only when scoring

    report = refresh_scores(store, settings().model)
    if report.version:
        err_console.print(f"scored {report.n_window} preprints of the window for custom profiles")


@profiles_app.command("create")
def create_command(
    name: str = typer.Argument(..., help="The custom profile's name, e.g. 'Smith lab'."),
    from_file: Path = typer.Option(None, "--from-file", help="BibTeX, RIS, JSONL or CSV."),
    doi: list[str] = typer.Option(None, "--doi", help="A preprint DOI in the database (repeat)."),
    orcid: str = typer.Option(
        None, "--orcid", metavar="ID", help="Add this researcher's works (public ORCID API)."
    ),
    team: str = typer.Option(
        None, "--team", metavar="ID", help="Only this Slack workspace (T…) may see it."
    ),
    restart: bool = typer.Option(False, "--restart", help="--orcid: start over, not resume."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Define your own "journal" from a set of papers; it is scored on the same scale.

    Without --team the profile is global: every workspace can see and follow it."""
    if not from_file and not doi and not orcid:
        fail("give the papers: --from-file FILE, --doi DOI (repeatable) and/or --orcid ID")
    checked = orcid_from_text(orcid) if orcid else None
    if orcid and checked is None:
        fail(f"--orcid {orcid!r} is not an ORCID iD: write 16 digits like 0000-0002-1825-0097")
    filled = None
    try:
        with open_store() as store:
            papers: list[Paper] = _papers_for_dois(store, list(doi or []))
            if from_file:
                papers.extend(read_papers(from_file))
            report = import_papers(
                store, papers, source="custom", custom_profile=name, team=team or None,
                created_by="cli", require_papers=not checked,
            )  # fmt: skip
            if checked:
                filled = _fill_from_orcid(store, name, checked, team or None, restart)
            _score_custom(store)
    except PaperFileError as exc:
        fail(f"{exc}. Nothing was created.")
    except (ProfileError, FetchError) as exc:
        fail(str(exc))
    if filled is None:
        _print_import(report, [], as_json)
        return
    if as_json:
        print_json({**report.to_json(), "orcid": filled.to_json()})
    else:
        _print_fill(filled)
    shortfall = filled.shortfall()
    if shortfall:
        err_console.print(shortfall + ".", highlight=False, soft_wrap=True)


def _fill_from_orcid(
    store: Store, name: str, checked: str, team: str | None, restart: bool
) -> FillReport:
    with open_sources(settings()) as sources:
        works = orcid_works(sources, checked)
        with progress_bar(f"ORCID {checked}: {len(works)} works") as advance:
            return fill_profile(store, sources, name, works, source=f"orcid:{checked}",
                                team=team, created_by="cli", progress=advance,
                                restart=restart)  # fmt: skip


def _print_fill(report: FillReport) -> None:
    resumed = f" (resumed at work {report.resumed_from + 1})" if report.resumed_from else ""
    out_console.print(
        f"{report.profile}: {report.n_works} works{resumed}, {report.n_added} added, "
        f"{report.n_duplicates} already there, {len(report.without_abstract)} without an "
        f"abstract anywhere; {report.n_papers} papers in the profile",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    for title in report.without_abstract[:20]:
        err_console.print(f"  no abstract: {title}", highlight=False, soft_wrap=True)


@profiles_app.command("link")
def link_command(
    name: str = typer.Argument(..., help="The custom profile, e.g. 'Smith lab'."),
    edit: bool = typer.Option(
        False, "--edit", help="Print the link to the web form that adds papers to it instead."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the private web link (page, RSS and JSON Feed) of a custom profile."""
    from datetime import UTC, datetime

    from bot.delivery.links import NotCustom, profile_link
    from bot.records.plain import plain
    from bot.store.profiles import Suggestions, find_profile

    config = settings()
    with open_store(config) as store:
        found = find_profile(store, name)
    if isinstance(found, Suggestions):
        fail(found.message() + " (`rxradar journals list --kind custom` lists your profiles)")
    if edit:
        _print_edit_link(config.links(), found, as_json)
        return
    try:
        link = profile_link(config.links(), found, datetime.now(UTC))
    except NotCustom as exc:
        fail(str(exc))
    if as_json:
        print_json(plain(link, names={"name": "profile"}))
        return
    out_console.print(
        f"{link.name} (private: anyone with the link can see it)\n"
        f"page:      {link.page}\nRSS:       {link.rss}\nJSON Feed: {link.json_feed}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


def _print_edit_link(links: LinkSettings, found: ProfileSummary, as_json: bool) -> None:
    from datetime import UTC, datetime

    from bot.delivery.links import NotCustom, profile_edit_url
    from bot.tokens import LIFETIMES, PROFILE_EDIT

    try:
        url = profile_edit_url(links, found, datetime.now(UTC))
    except NotCustom as exc:
        fail(str(exc))
    days = LIFETIMES[PROFILE_EDIT].days
    if as_json:
        print_json({"profile": found.name, "edit": url, "days": days})
        return
    out_console.print(
        f"{found.name}: add papers on the web (anyone with the link can, for {days} days)\n"
        f"edit:      {url}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
