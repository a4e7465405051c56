"""Every message that names an `rxradar …` command names one that exists, with its options.

The messages are read from the source (string literals outside docstrings, f-string
placeholders as WORD), so a hint added anywhere later is checked too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from bot.cli import app
from bot.slack_app.commands import SUBCOMMANDS as SLACK_SUBCOMMANDS

BOT = Path(__file__).resolve().parents[1] / "bot"
ROOT: Any = typer.main.get_command(app)  # typer ships its own click: duck-type groups
# A command in a hint: `rxradar …` in backticks, (rxradar …) in parentheses, or bare
# "rxradar WORD …" when WORD is one of our commands (not prose like "rxradar retries").
HINT = re.compile(r"`rxradar ([^`]+)`|\(rxradar ([^)]+)\)|rxradar ([a-z][\w-]*(?: [\w-]+)*)")
# A hint that names a command without `rxradar` in front (`profiles harvest`).
RELATIVE = re.compile(r"`([a-z][\w-]*)(?: [^`]*)?`")
SLASH = "/preprints"
SLACK_HINT = re.compile(rf"`{SLASH} ([^`]*)`")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(part) or _placeholder(part) for part in node.values)
    return None


def _placeholder(node: ast.AST) -> str:
    """Slack replies write the slash command as `{command}`; anything else is a WORD."""
    if isinstance(node, ast.FormattedValue) and ast.unparse(node.value) == "command":
        return SLASH
    return "WORD"


def message_strings() -> Iterator[tuple[str, str]]:
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if id(node) in skip or isinstance(node, ast.FormattedValue):
                continue
            text = _text(node)
            if text:
                yield f"{path.relative_to(BOT.parent)}:{getattr(node, 'lineno', 0)}", text


def hints() -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for where, text in message_strings():
        for match in HINT.finditer(text):
            words = match.group(1) or match.group(2)
            if words is None and match.group(3).split()[0] not in ROOT.commands:
                continue  # prose: "rxradar retries later"
            found[(where, words or match.group(3))] = None
    return list(found)


def relative_hints() -> list[tuple[str, str]]:
    return [
        (where, match.group(0))
        for where, text in message_strings()
        for match in RELATIVE.finditer(text)
        if match.group(1) in ROOT.commands and match.group(1) not in SLACK_SUBCOMMANDS
    ]


def slack_hints() -> list[tuple[str, str]]:
    return [
        (where, match.group(1))
        for where, text in message_strings()
        if where.startswith("bot/slack_app/")
        for match in SLACK_HINT.finditer(text)
    ]


def resolve(words: list[str]) -> str | None:
    """None when the words name a real command and only options it has; else the problem."""
    command = ROOT
    path = ["rxradar"]
    for word in words:
        if hasattr(command, "commands"):
            sub = command.commands.get(word)
            if sub is None:
                return f"`{' '.join(path)}` has no command {word!r}"
            command, path = sub, [*path, word]
        elif word.startswith("--"):
            names = {opt for param in command.params for opt in getattr(param, "opts", [])}
            if word.split("=")[0] not in names:
                return f"`{' '.join(path)}` has no option {word}"
    if hasattr(command, "commands"):
        return f"`{' '.join(path)}` needs a subcommand"
    return None


HINTS = hints()
SLACK_HINTS = slack_hints()


def test_the_source_has_hints_to_check() -> None:
    assert len(HINTS) > 20 and len(SLACK_HINTS) > 10  # the extraction itself works


def test_hints_spell_out_the_whole_command() -> None:
    assert relative_hints() == []  # "`profiles harvest`" alone does not say what to type


@pytest.mark.parametrize(("where", "words"), SLACK_HINTS, ids=[f"{w} {h}" for w, h in SLACK_HINTS])
def test_every_slack_hint_names_a_slash_subcommand(where: str, words: str) -> None:
    assert words.split()[0] in SLACK_SUBCOMMANDS, f"{where}: {SLASH} {words}"


@pytest.mark.parametrize(("where", "words"), HINTS, ids=[f"{w} {h}" for w, h in HINTS])
def test_every_hint_names_a_command_that_exists(where: str, words: str) -> None:
    assert resolve(words.split()) is None, f"{where}: rxradar {words}"


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("profiles list", "`rxradar profiles` has no command 'list'"),
        ("journals list --colour", "`rxradar journals list` has no option --colour"),
        ("feeds", "`rxradar feeds` needs a subcommand"),
    ],
)
def test_a_wrong_hint_is_caught(words: str, problem: str) -> None:
    assert resolve(words.split()) == problem
