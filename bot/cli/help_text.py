"""`--help` in plain words: `TEXT`, `INTEGER`, nothing for flags (typer shows `<str>`, `<bool>`)."""

from __future__ import annotations

from typing import Any

import typer
import typer.main

# Click's own names for the types our options take; a metavar set on an option wins.
PLAIN = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "datetime": "TIME"}


def build_command(app: typer.Typer) -> Any:
    """The click command `rxradar` runs, with plain metavars on every option and argument."""
    command = typer.main.get_command(app)
    _plain(command)
    return command


def _plain(command: Any) -> None:
    for param in command.params:
        if param.param_type_name == "argument":
            # An argument's metavar is its name (SOURCE); the `<str>` type column goes.
            param.metavar = param.metavar or param.name.upper()
            param.display_type_rich = lambda ctx: None
        elif param.metavar is None:
            param.metavar = _metavar(param)
    built_help = command.get_help_option

    def help_option(ctx: Any) -> Any:  # click adds --help itself, after our walk
        option = built_help(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        _plain(sub)


def _metavar(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return ""  # --json, --dry-run: a switch takes no value
    label = param.type_descriptor.annotation
    name = getattr(label, "__name__", str(label))
    if getattr(param.type_descriptor, "is_choice", False):
        return "|".join(str(choice) for choice in param.type_descriptor.choices or ())
    return PLAIN.get(name, name.upper())
