"""Every `rxradar` command the README shows parses: each line of its code blocks (and the
systemd unit's ExecStart) is run with `--help` appended, which makes the command line parse
every option it names (an unknown option fails with rc 2) and then stop."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app, hoist_global_options
from tests.e2e_world import rxradar

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^\s*```(\w*)\s*\n(.*?)^\s*```", re.M | re.S)
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")  # `[--days 90]` → `--days 90`


def _lines(language: str, body: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", body)  # continuation lines
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if language == "ini" and line.startswith("ExecStart="):
            line = line.removeprefix("ExecStart=").split("/bin/", 1)[-1]
        if line.startswith("rxradar "):
            found.append(line)
    return found


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [line for lang, body in _FENCE.findall(text) for line in _lines(lang, body)]


def as_arguments(line: str) -> list[str]:
    """The command's arguments, without comments, optional brackets or `a|b` choices."""
    words = shlex.split(_OPTIONAL.sub(r"\1", line), comments=True)[1:]
    return [word.split("|", 1)[0] if "|" in word and " " not in word else word for word in words]


def test_the_readme_shows_the_main_commands() -> None:
    commands = " ".join(readme_commands())
    for name in ("run", "subscribe", "digest", "match", "top", "train", "journals", "demo"):
        assert f"rxradar {name} " in commands


@pytest.mark.parametrize("line", readme_commands())
def test_every_readme_command_parses(line: str) -> None:
    result = CliRunner().invoke(app, [*as_arguments(line), "--help"])
    assert result.exit_code == 0, f"{line}\n{result.output}"
    assert "Usage: rxradar" in result.output


def test_global_options_are_accepted_after_any_command() -> None:
    assert hoist_global_options(["run", "--port", "1", "--log-format", "json", "-v"]) == [
        "--log-format", "json", "-v", "run", "--port", "1",
    ]  # fmt: skip
    assert hoist_global_options(["match", "--", "--verbose"]) == ["match", "--", "--verbose"]


def test_the_systemd_units_command_line_starts(env: dict[str, str]) -> None:
    """The real entry point, as systemd runs it (before: `No such option: --log-format`)."""
    [unit] = [line for line in readme_commands() if "--log-format json" in line]
    result = rxradar([*as_arguments(unit), "--help"], env)
    assert result.returncode == 0, result.stderr
