"""`rxradar models list|activate|retrain`: model versions, their gate figures, rollback."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from bot.cli.common import err_console, fail, open_store, out_console, print_json, settings
from bot.store.scores import VersionInfo, model_versions

models_app = typer.Typer(help="Trained model versions: list, activate (roll back).",
                         no_args_is_help=True)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def version_json(info: VersionInfo) -> dict[str, Any]:
    manifest = info.manifest
    gate = manifest.get("gate") or {}
    return {
        "version": info.id,
        "active": info.active,
        "created": manifest.get("created"),
        "train_papers": (manifest.get("counts") or {}).get("papers"),
        "journals": (manifest.get("counts") or {}).get("journals"),
        "gate": gate or None,
    }


def _figure(gate: dict[str, Any], side: str, name: str) -> str:
    value = (gate.get(side) or {}).get(name)
    return "–" if value is None else f"{value:.3f}"


@models_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON only.")) -> None:
    """Each version: training size, gate figures (candidate vs active), which is active."""
    with open_store() as store, store.session() as session:
        rows = [version_json(v) for v in model_versions(session)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        err_console.print("no model yet: `rxradar train` trains the first one")
        return
    # the version is what `models activate` takes: never cut short, the gate wraps instead
    version = Column("version", no_wrap=True, min_width=len("20261203T094411Z-0000"))
    reason = Column("gate", overflow="fold", ratio=1)
    table = Table(version, "active", "papers", "MRR (cand/active)", "ECE (cand/active)", reason)
    for row in rows:
        gate = row["gate"] or {}
        table.add_row(
            row["version"], "yes" if row["active"] else "", str(row["train_papers"]),
            f"{_figure(gate, 'candidate', 'mrr')} / {_figure(gate, 'active', 'mrr')}",
            f"{_figure(gate, 'candidate', 'ece')} / {_figure(gate, 'active', 'ece')}",
            escape(str(gate.get("reason", "trained by `rxradar train` (no gate)"))),
        )  # fmt: skip
    out_console.print(table)


@models_app.command("activate")
def activate_command(
    version: str = typer.Argument(..., help="A version from `rxradar models list`."),
) -> None:
    """Make VERSION the active model (re-scores the score window): a rollback."""
    from bot.matching.gate import activate_version
    from bot.matching.train import TrainError

    config = settings()
    with open_store(config) as store:
        try:
            n = activate_version(store, config.model, version, datetime.now(UTC).date())
        except TrainError as exc:
            fail(str(exc))
    out_console.print(f"model {version} is active; re-scored {n} preprints")


@models_app.command("retrain")
def retrain_command(
    min_papers: int = typer.Option(10, "--min-papers", min=1, help="Smallest journal trained."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """What the weekly job does: train a candidate and activate it only if the gate allows."""
    from bot.matching.gate import retrain_with_gate
    from bot.matching.train import TrainError

    config = settings()
    with open_store(config) as store:
        try:
            report = retrain_with_gate(
                store, config.model, min_papers=min_papers,
                say=lambda message: err_console.print(f"[dim]{escape(message)}[/]"),
            )  # fmt: skip
        except TrainError as exc:
            fail(str(exc))
    if as_json:
        print_json(report.to_json())
        return
    verdict = "activated" if report.activated else "not activated"
    out_console.print(f"candidate {report.version} {verdict}: {report.reason}", highlight=False)
