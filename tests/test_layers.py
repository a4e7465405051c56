"""The layout holds: records at the bottom, arrows pointing down only (pyproject's contract)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def _layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = config["tool"]["importlinter"]["contracts"]
    return [{part.strip() for part in line.split("|")} for line in contract["layers"]]


def test_every_part_of_bot_has_its_place_in_the_layers() -> None:
    parts = {
        f"bot.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "bot").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    placed = set().union(*_layers())
    assert parts - placed == set(), "a new part of bot/ must be placed in pyproject's layers"


def test_no_part_imports_a_part_above_it() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
