"""The one Jinja environment: every template under `templates/`, escaped for its format.

`*.html.j2` templates are HTML-escaped (autoescape). `*.mrkdwn.j2` templates go through a
`finalize` hook that escapes every interpolated value for Slack's mrkdwn (only `&`, `<`,
`>`), so a title can never become a link or a mention; values already prepared for mrkdwn
(`Mrkdwn`) pass unchanged. `*.txt.j2` templates are plain text. Missing values are errors.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from bot.resources import resource_dir


class Mrkdwn(str):
    """Text already safe for mrkdwn (escaped, or a URL prepared for a `<url|text>` link)."""


def escape_mrkdwn(value: object) -> str:
    if isinstance(value, Mrkdwn):
        return value
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_url(url: str) -> Mrkdwn:
    """A URL for the `<url|text>` part of a mrkdwn link: `|` would end it; & < > escaped."""
    return Mrkdwn(escape_mrkdwn(quote(url, safe=":/?#[]@!$&'()*+,;=%~")))


@pass_context
def _finalize(context: Context, value: object) -> object:
    if context.name is not None and context.name.endswith(".mrkdwn.j2"):
        return escape_mrkdwn(value)
    return value


def wrap(text: str, width: int = 76) -> str:
    """Greedy word wrap for plain-text mail (textwrap is ~10× slower on abstracts).

    Words longer than the width (URLs, DOIs) keep their own line rather than being cut.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "\n".join(lines)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(resource_dir("templates")),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,  # block tags sit on their own lines; inline choices use {{ x if y }}
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = wrap
    env.filters["slack_url"] = mrkdwn_url
    env.filters["number"] = lambda value: f"{value:,}"  # 1,234 papers
    env.filters["qs"] = urlencode  # a query string from a dict (escaped again by autoescape)
    return env


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(values)
