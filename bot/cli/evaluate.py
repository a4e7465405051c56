"""`rxradar eval`: the model and its baselines side by side, on labelled files."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import err_console, fail, out_console, print_json, settings
from bot.profiles.files import PaperFileError, read_papers
from bot.records.paper import Paper, with_published_journal
from bot.records.wording import counted

if TYPE_CHECKING:  # the model's imports (scikit-learn) load only when `eval` runs
    from bot.scoring.evaluate import Evaluation


class Split(StrEnum):
    none = "none"
    dev = "dev"


class JournalFrom(StrEnum):
    """Where a labelled paper's journal is read from."""

    field = "field"  # the file's `journal`, as given
    doi = "doi"  # the journal its `published_doi` names, else the field


def _progress(message: str) -> None:
    err_console.print(f"[dim]{escape(message)}…[/]", highlight=False)


def _read(path: Path) -> list[Paper]:
    problems: list[PaperFileError] = []
    try:
        papers = list(read_papers(path, skip_bad_rows=True, problems=problems))
    except PaperFileError as exc:
        fail(str(exc))
    if problems:
        skipped = counted(len(problems), "unreadable row")
        _progress(f"{path.name}: skipped {skipped} (first: {problems[0]})")
    return papers


def _relabelled(papers: list[Paper], journal_from: JournalFrom, name: str) -> list[Paper]:
    """The papers with their journal read as `--journal-from` says, and a line saying how
    many the published DOI relabelled."""
    if journal_from is JournalFrom.field:
        return papers
    labelled = [with_published_journal(p) for p in papers]
    changed = sum(new is not old for new, old in zip(labelled, papers, strict=True))
    named = sum(1 for p in papers if p.published_doi)
    _progress(
        f"{name}: journal from the published DOI: {counted(changed, 'paper')} relabelled, of "
        f"{named:,} with a published_doi (where it names no journal, the journal field stays)"
    )
    return labelled


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:  # a missing file: reading it says so
        return False


def _inputs(
    train: Path, test: Path | None, split: Split, journal_from: JournalFrom
) -> tuple[list[Paper], list[Paper]]:
    def read(path: Path) -> list[Paper]:
        return _relabelled(_read(path), journal_from, path.name)

    if split is Split.none:
        if test is None:
            fail("--test FILE is required (or use --split dev to split --train by the protocol)")
        if _same_file(train, test):
            fail(f"--train and --test are the same file ({test}), so every test paper would "
                 "be one the model trained on; add --split dev to hold out the protocol's "
                 "test side, or give another --test file")  # fmt: skip
        return read(train), read(test)
    from bot.scoring.evaluate import dev_split

    try:
        papers = read(train)
        train_side, _ = dev_split(papers)
        _, test_side = dev_split(read(test) if test and test != train else papers)
    except ValueError as exc:
        fail(f"{exc}; --split dev needs an `id` on every row")
    return train_side, test_side


COLUMNS = ("acc@1", "acc@5", "acc@10", "mrr", "ece", "map", "p@10")


def _table(result: Evaluation) -> Table:
    """A column per method; rows: journals for a preprint (acc@k, MRR), calibration (ECE),
    preprints for a journal (MAP, P@10), and seconds to train and to score."""
    table = Table(
        title=f"{result.n_test:,} test papers over {result.n_journals} journals "
        f"(trained on {result.n_train:,}; {result.n_excluded:,} excluded)",
    )
    table.add_column("metric")
    for name in result.methods:
        table.add_column(name, justify="right")
    numbers = [method.to_json() for method in result.methods.values()]
    for metric in COLUMNS:
        table.add_row(metric, *(f"{n[metric]:.3f}" for n in numbers))
    table.add_row("train s", *(f"{m.seconds_train:.2f}" for m in result.methods.values()))
    table.add_row("score s", *(f"{m.seconds_score:.2f}" for m in result.methods.values()))
    return table


def _baseline_names(option: str) -> list[str]:
    from bot.scoring.evaluate import BASELINES

    if option.strip().lower() == "all":
        return list(BASELINES)
    names = [name.strip().lower() for name in option.split(",") if name.strip()]
    unknown = [name for name in names if name not in BASELINES]
    if unknown:
        fail(f"unknown baseline {unknown[0]!r}; --baselines takes {', '.join(BASELINES)} or all")
    return names


def _write_predictions(result: Evaluation, path: Path) -> None:
    from bot.scoring.evaluate import prediction_rows

    try:
        with path.open("w", encoding="utf-8") as handle:
            for row in prediction_rows(result):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        fail(f"cannot write predictions to {path}: {exc.strerror}; choose another path")


def evaluate_command(
    train: Path = typer.Option(..., "--train", help="Labelled JSONL/CSV to train on."),
    test: Path | None = typer.Option(None, "--test", help="Labelled JSONL/CSV to evaluate on."),
    split: Split = typer.Option(
        Split.none,
        "--split",
        help="dev: apply the protocol split (sha256(id) % 5 == 1 is test) to the files.",
    ),
    journal_from: JournalFrom = typer.Option(
        JournalFrom.field,
        "--journal-from",
        help="doi: label each paper by the journal its published_doi names "
        "(10.1103/PhysRevD… is Phys. Rev. D), keeping the journal field where it names none.",
    ),
    min_papers: int = typer.Option(10, "--min-papers", min=1, help="Papers a journal needs."),
    predictions: Path | None = typer.Option(
        None, "--predictions", help="Write one JSON line per evaluated test paper here."
    ),
    embeddings: str | None = typer.Option(
        None,
        "--embeddings",
        help="Add a sentence-embedding space from this sentence-transformers model or "
        "directory (needs the embeddings extra; default: RXRADAR_EMBEDDING_MODEL or none).",
    ),
    baselines: str = typer.Option(
        "all",
        "--baselines",
        help="Comma-separated baselines to run next to the model "
        "(prior, knn, centroid, lr, svd_lr; default all).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON on stdout."),
) -> None:
    """Train on one labelled file, evaluate on another; model and baselines side by side."""
    from bot.scoring.evaluate import run_evaluation
    from bot.scoring.params import ModelParams

    config = settings()
    model_name = embeddings if embeddings is not None else config.model.embedding_model
    params = ModelParams(embedding_model=model_name)
    chosen = _baseline_names(baselines)
    train_papers, test_papers = _inputs(train, test, split, journal_from)
    try:
        result = run_evaluation(
            train_papers,
            test_papers,
            min_papers,
            params=params,
            progress=_progress,
            vector_store=config.model.embeddings_dir if model_name else None,
            baselines=chosen,
        )
    except ValueError as exc:
        fail(str(exc))
    if predictions is not None:
        _write_predictions(result, predictions)
    if as_json:
        print_json(result.to_json())
        return
    out_console.print(_table(result))


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate_command)
