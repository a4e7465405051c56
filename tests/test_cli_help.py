"""`--help` of every command reads in plain words: no `<bool>`, `<str>` or `<int range>`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.cli import app
from bot.cli.help_text import build_command
from tests.e2e_world import rxradar

TYPER_TYPES = re.compile(r"<(bool|str|int|float|path|int range|float range|datetime)>")


def _paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(build_command(app)))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "rxradar")
def test_help_shows_no_typer_type_names(path: tuple[str, ...], capsys: Any) -> None:
    build_command(app).main([*path, "--help"], prog_name="rxradar", standalone_mode=False)
    shown = capsys.readouterr().out
    assert "Usage: rxradar" in shown
    assert TYPER_TYPES.search(shown) is None, shown


def test_the_installed_command_prints_plain_help(env: dict[str, str]) -> None:
    result = rxradar(["preprints", "list", "--help"], {**env, "COLUMNS": "80"})
    assert result.returncode == 0
    assert "--limit" in result.stdout and "INTEGER [x>=1]" in result.stdout
    assert TYPER_TYPES.search(result.stdout) is None
