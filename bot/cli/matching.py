"""`rxradar train`, `rxradar match` and `rxradar top`: the model seen from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.digest.numbers import Shown, format_probability
from bot.digest.outcomes import published_text
from bot.matching.window import NOT_IN_MODEL, empty_reason, shown_in_window
from bot.profiles.files import PaperFileError, file_format, read_papers
from bot.records.doi import preprint_key
from bot.records.outcome import Outcome
from bot.records.paper import Paper
from bot.records.wording import counted
from bot.store.db import Store
from bot.store.outcomes import outcomes_of
from bot.store.profiles import ProfileSummary, Suggestions, find_profile
from bot.store.scores import (
    RankedPreprint,
    StatsRow,
    find_preprint,
    preprint_as_paper,
    profile_stats,
    top_preprints,
)

if TYPE_CHECKING:  # scikit-learn and friends load only for the commands that score
    from bot.matching.scorer import ActiveModel

JSON_OPTION = typer.Option(False, "--json", help="Print JSON only.")


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("match")(match_command)
    app.command("top")(top_command)


# ---------------------------------------------------------------- train


def train_command(
    min_papers: int = typer.Option(10, "--min-papers", min=1, help="Smallest journal trained."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train on the profile papers in the database; the new version becomes active."""
    from bot.matching.train import TrainError, train_from_store

    config = settings()
    with open_store(config) as store:
        try:
            report = train_from_store(
                store,
                config.model,
                min_papers=min_papers,
                progress=lambda message: err_console.print(f"[dim]{escape(message)}[/]"),
            )
        except TrainError as exc:
            fail(str(exc))
    if as_json:
        print_json(report.to_json())
        return
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in report.cv_metrics.items())
    out_console.print(
        f"model {report.version}: {counted(report.n_journals, 'journal')}, "
        f"{counted(report.n_papers, 'paper')} "
        f"({counted(report.n_profiles_too_small, 'profile')} below --min-papers "
        f"{report.min_papers})\n"
        f"cross-validated: {metrics}\n"
        f"took {report.seconds:.1f} s; re-scored {counted(report.n_rescored, 'preprint')}",
        highlight=False,
    )


# ---------------------------------------------------------------- match


def _require_model(store: Store) -> ActiveModel:
    from bot.matching.scorer import load_active_model

    active = load_active_model(store)
    if active is None:
        fail("no trained model yet; run `rxradar train` first")
    return active


def _paper_to_match(store: Store, doi: str | None, text: str | None, file: Path | None) -> Paper:
    if sum(x is not None for x in (doi, text, file)) != 1:
        fail("give exactly one of --doi DOI, --text TEXT or --file FILE")
    if text is not None:
        return Paper(title="", abstract=text.strip())
    if file is not None:
        return _paper_from_file(file)
    wanted = preprint_key(doi or "")
    if wanted is None:
        fail(
            f"there is no DOI or arXiv id in {doi!r}: give a DOI (10.1101/…) or a bioRxiv, "
            "medRxiv or arXiv link"
        )
    with store.session() as session:
        preprint = find_preprint(session, wanted)
        if preprint is not None:
            return preprint_as_paper(preprint)
    return _fetched_paper(wanted)


def _fetched_paper(wanted: str) -> Paper:
    """Not stored: bioRxiv/medRxiv DOIs are looked up in their API, as Slack and the web do."""
    from bot.feeds.fetch import FetchError
    from bot.jobs import biorxiv_api
    from bot.matching.lookup import fetched_paper

    instead = "use --text with its title and abstract"
    try:
        with biorxiv_api(settings()) as api:
            fetched = fetched_paper(api, wanted)
    except FetchError as exc:
        fail(f"{wanted} is not in the database and bioRxiv could not be reached ({exc}); {instead}")
    if fetched is None:
        fail(f"{wanted} is not in the database or on bioRxiv/medRxiv; {instead}, or poll first")
    return fetched


def _paper_from_file(path: Path) -> Paper:
    try:
        file_format(path)
    except PaperFileError:  # not a paper list: read it as the text itself
        try:
            return Paper(title="", abstract=path.read_text(encoding="utf-8").strip())
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")
    try:
        return next(iter(read_papers(path)))
    except StopIteration:
        fail(f"{path} holds no paper")
    except PaperFileError as exc:
        fail(str(exc))


def match_command(
    doi: str = typer.Option(None, "--doi", help="A preprint in the database: its DOI or URL."),
    text: str = typer.Option(None, "--text", help="Title and abstract as plain text."),
    file: Path = typer.Option(None, "--file", help="A text file, or the first paper of a file."),
    top: int = typer.Option(10, "--top", min=1, help="How many journals to show."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Rank journals (and your custom profiles) for one paper: where might it land?"""
    with open_store(create=False) as store:
        active = _require_model(store)
        paper = _paper_to_match(store, doi, text, file)
        if not paper.text.strip(". "):
            fail("the paper has no text to match; give a title or abstract")
        from bot.matching.match import TooFewKnownWords, match_rows

        try:
            rows = match_rows(store, active, paper)
        except TooFewKnownWords as exc:
            fail(str(exc))
    journals = [r for r in rows if r.kind == "journal"][:top]
    custom = [r for r in rows if r.kind == "custom"]
    if as_json:
        print_json(
            {
                "paper": {"title": paper.title, "doi": paper.doi},
                "model_version": active.version,
                "journals": [r.to_json() for r in journals],
                "custom_profiles": [r.to_json() for r in custom],
            }
        )
        return
    table = Table("#", "journal", "probability", "percentile", "lift", "papers")
    for row in [*journals, *custom]:
        rank = str(row.rank) if row.kind == "journal" else f"({row.rank})"
        name = row.name if row.kind == "journal" else f"{row.name} [custom]"
        table.add_row(rank, name, *row.numbers.cells(), str(row.papers or "–"))
    out_console.print(table)


# ---------------------------------------------------------------- top


def _resolve(store: Store, name: str) -> ProfileSummary:
    found = find_profile(store, name)
    if isinstance(found, Suggestions):
        fail(found.message() + " (`rxradar journals search WORD` lists names)", code=1)
    return found


def _top_json(
    profile: ProfileSummary, days: int, row: StatsRow | None, ranked: list[RankedPreprint]
) -> dict[str, Any]:
    return {
        "journal": profile.name,
        "profile_id": profile.id,
        "kind": profile.kind,
        "days": days,
        "based_on_papers": row.n_papers if row else profile.n_papers,
        "average_probability": row.mean_probability if row and row.n_preprints else None,
        "window_preprints": row.n_preprints if row else 0,
        "preprints": [
            {
                "rank": rank,
                "title": item.title,
                "authors": list(item.authors),
                "date": item.posted.isoformat(),
                "server": item.server,
                "category": item.category,
                "doi": item.doi,
                "url": item.url,
                "model_version": item.model_version,
                **shown_in_window(item.probability, row).to_json(),
            }
            for rank, item in enumerate(ranked, start=1)
        ],
    }


def _top_header(profile: ProfileSummary, days: int, row: StatsRow | None) -> str:
    papers = row.n_papers if row else profile.n_papers
    text = (
        f"[bold]{profile.name}[/]\nPreprints posted in the last {days} days, ranked by how "
        f"well they match {profile.name}'s content profile, based on {papers} papers "
        "previously published here."
    )
    if row and row.n_preprints:
        average = format_probability(row.mean_probability)
        text += (
            f" The average preprint has a {average} match score for this journal, so anything "
            "above that is already an above-average fit."
        )
    return text


def _why_empty(profile: ProfileSummary, row: StatsRow | None, days: int, window: int) -> str:
    if empty_reason(profile, row) == NOT_IN_MODEL:
        return (
            f"{profile.name} is not in the active model (it has {profile.n_papers} papers; "
            "training skips journals below --min-papers): add papers, then `rxradar train`"
        )
    if days < window:
        return f"no scored preprints in the last {days} days: try --days {window}, or poll first"
    # widening cannot help: only the score window's preprints are scored
    return (
        f"no scored preprints in the last {window} days (RXRADAR_SCORE_WINDOW_DAYS; older "
        "ones are not scored): fetch recent ones with `rxradar poll`, or with `rxradar "
        f"backfill --server biorxiv --days {window}` (feeds carry only the newest items); "
        "offline, `rxradar demo` shows the whole pipeline"
    )


def top_command(
    journal: str = typer.Argument(..., help="A journal or custom profile, any spelling."),
    days: int = typer.Option(90, "--days", min=1, help="Preprints posted in the last N days."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many preprints."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Preprints ranked for one journal, with probability, percentile and lift."""
    since: date = datetime.now(UTC).date() - timedelta(days=days)
    with open_store(create=False) as store:
        profile = _resolve(store, journal)
        with store.session() as session:
            ranked = top_preprints(session, profile.id, since, limit)
            row = profile_stats(session, [profile.id]).get(profile.id)
            published = outcomes_of(session, [item.id for item in ranked])
    if as_json:
        print_json(_with_published(_top_json(profile, days, row, ranked), ranked, published))
        return
    out_console.print(_top_header(profile, days, row), soft_wrap=True)
    if not ranked:
        window = settings().model.window_days
        err_console.print(_why_empty(profile, row, days, window), highlight=False)
        return
    for rank, item in enumerate(ranked, start=1):
        entry = _top_entry(rank, item, shown_in_window(item.probability, row))
        if item.id in published:  # not sold as a preprint once it is a paper
            entry.append(f"\n{published_text(published[item.id])}", style="green")
        out_console.print(entry, soft_wrap=True)


def _with_published(
    page: dict[str, Any], ranked: list[RankedPreprint], published: dict[str, Outcome]
) -> dict[str, Any]:
    """Each preprint's publication ({journal, date, doi}), or null while unpublished."""
    for shown, item in zip(page["preprints"], ranked, strict=True):
        outcome = published.get(item.id)
        shown["published"] = (
            None
            if outcome is None
            else {
                "journal": outcome.journal,
                "date": outcome.published_date.isoformat() if outcome.published_date else None,
                "doi": outcome.published_doi,
                "text": published_text(outcome),
            }
        )
    return page


def _top_entry(rank: int, item: RankedPreprint, numbers: Shown) -> Text:
    """One preprint laid out as on the seed page: rank, title, authors, facts, numbers."""
    authors = "; ".join(item.authors[:12]) + ("; …" if len(item.authors) > 12 else "")
    facts = " ".join(
        x for x in (item.posted.isoformat(), item.category, item.doi, item.server) if x
    )
    probability, top, lift = numbers.cells()
    entry = Text(f"\n{rank}\n")
    entry.append(f"{item.title}\n", style="bold")
    entry.append(f"{authors}\n{facts}\n", style="dim")
    entry.append(f"{top}  {probability}  {lift}")
    return entry
