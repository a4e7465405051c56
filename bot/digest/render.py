"""Render a `Digest` for people: email HTML + text, and Slack Block Kit messages.

All wording lives in Jinja templates under `templates/digest/`. HTML templates are
autoescaped; Slack mrkdwn templates go through an environment whose `finalize` hook
escapes every interpolated value for mrkdwn (only `&`, `<`, `>`), so a title can never
become a link or a mention. Block structure is assembled here rather than by string
templating JSON, so the Block Kit limits can be enforced and long digests split into a
first message plus threaded follow-ups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.digest.model import Digest, Entry, Section
from bot.resources import resource_dir

# Slack interactivity contract (the Slack app handles these action_ids). Every button's
# `value` is compact JSON: {"subscription": id, "preprint": "<preprint id>", "profile": id}
# for the per-entry buttons and {"subscription": id} for unsubscribe.
ACTION_SHOW_ABSTRACT = "rxradar_show_abstract"
ACTION_VOTE_RELEVANT = "rxradar_vote_relevant"
ACTION_VOTE_NOT_RELEVANT = "rxradar_vote_not_relevant"
ACTION_UNSUBSCRIBE = "rxradar_unsubscribe"

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
SLACK_ABSTRACT_CHARS = 280


@dataclass(frozen=True)
class Links:
    unsubscribe_url: str  # the signed page where the subscriber can stop or change the digest


@dataclass(frozen=True)
class SlackPost:
    text: str  # notification text and fallback for clients without blocks
    blocks: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    slack: tuple[SlackPost, ...]


class Mrkdwn(str):
    """Text already safe for mrkdwn (escaped, or a URL prepared by `slack_url`)."""


def escape_mrkdwn(value: object) -> str:
    if isinstance(value, Mrkdwn):
        return value
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_url(url: str) -> Mrkdwn:
    # '|' would end the URL part of <url|text>; & < > are escaped like any mrkdwn text
    return Mrkdwn(escape_mrkdwn(quote(url, safe=":/?#[]@!$&'()*+,;=%~")))


def wrap(text: str, width: int = 76) -> str:
    """Greedy word wrap for the plain-text email (textwrap is ~10× slower on abstracts).

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
def _environments() -> tuple[Environment, Environment]:
    loader = FileSystemLoader(resource_dir("templates"))
    mail = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,  # block tags sit on their own lines; inline choices use {{ x if y }}
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    mail.filters["wrap"] = wrap
    mrkdwn = Environment(
        loader=loader,
        autoescape=False,  # mrkdwn is not HTML; finalize applies Slack's own escaping
        finalize=escape_mrkdwn,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    mrkdwn.filters["slack_url"] = slack_url
    return mail, mrkdwn


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


def _count(n: int, word: str) -> str:
    return f"{n:,d} {word}{'' if n == 1 else 's'}"


def section_note(section: Section) -> str:
    where = "previously published there" if section.kind == "journal" else "in this profile"
    note = f"based on {_count(section.n_papers, 'paper')} {where}"
    if section.average_text:
        note += f"; the average preprint has a {section.average_text} match score"
    return note


def _window_text(digest: Digest) -> str:
    return f"{digest.window_start.date().isoformat()} to {digest.window_end.date().isoformat()}"


def intro(digest: Digest) -> str:
    n = len(digest.entries)
    head = (
        f"{_count(n, 'preprint')} from {_window_text(digest)}, picked from "
        f"{_count(digest.considered, 'preprint')} posted in that window"
    )
    if len(digest.sections) != 1:
        return head + ", ranked by how well they match each journal's content profile."
    section = digest.sections[0]
    return (
        f"{head}, ranked by how well they match {section.name}'s content profile, "
        f"{section_note(section)}."
    )


def _context(digest: Digest, links: Links, cadence: str) -> dict[str, Any]:
    journals = digest.journals or "your profiles"
    heading = f"New preprints for {journals}"
    return {
        "digest": digest,
        "subject": f"{heading}: {_count(len(digest.entries), 'preprint')}",
        "heading": heading,
        "intro": intro(digest),
        "sections": [s for s in digest.sections if s.entries],
        "grouped": len(digest.sections) > 1,
        "entries": digest.entries,
        "journals": journals,
        "section_note": section_note,
        "empty_note": f"Nothing new for {journals} in this period.",
        "cadence_word": cadence,
        "unsubscribe_url": links.unsubscribe_url,
        "window": _window_text(digest),
    }


def render_digest(digest: Digest, links: Links, cadence: str = "weekly") -> RenderedDigest:
    mail, _ = _environments()
    context = _context(digest, links, cadence)
    html = mail.get_template("digest/email.html.j2").render(context)
    return RenderedDigest(
        subject=context["subject"],
        text=mail.get_template("digest/email.txt.j2").render(context),
        html=_inliner().inline(html),
        slack=slack_posts(digest, context),
    )


def render_email_html(digest: Digest, links: Links, cadence: str = "weekly") -> str:
    """Only the HTML template, without inlining (what the benchmark compares against)."""
    mail, _ = _environments()
    return mail.get_template("digest/email.html.j2").render(_context(digest, links, cadence))


def _mrkdwn(name: str, **values: Any) -> str:
    _, env = _environments()
    text = env.get_template(f"digest/slack/{name}").render(values).strip()
    return text if len(text) <= MAX_SECTION_TEXT else text[: MAX_SECTION_TEXT - 1] + "…"


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _button(text: str, action_id: str, value: dict[str, Any], style: str = "") -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": json.dumps(value, separators=(",", ":")),
    }
    if style:
        button["style"] = style
    return button


def _mrkdwn_section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def entry_blocks(digest: Digest, entry: Entry) -> list[dict[str, Any]]:
    value = {
        "subscription": digest.subscription_id,
        "preprint": entry.preprint_id,
        "profile": entry.profile_id,
    }
    blocks = [_mrkdwn_section(_mrkdwn("entry.mrkdwn.j2", entry=entry), f"entry-{entry.rank}")]
    if entry.abstract:
        abstract = _mrkdwn("abstract.mrkdwn.j2", abstract=_trim(entry.abstract, 280))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": abstract}]})
    buttons = [
        _button("Show abstract", ACTION_SHOW_ABSTRACT, value),
        _button("👍 relevant", ACTION_VOTE_RELEVANT, value),
        _button("👎 not relevant", ACTION_VOTE_NOT_RELEVANT, value),
    ]
    blocks.append({"type": "actions", "block_id": f"actions-{entry.rank}", "elements": buttons})
    return blocks


def _units(digest: Digest, context: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Groups of blocks that must stay in the same message, in order."""
    heading = context["heading"]
    if len(heading) > MAX_HEADER_TEXT:
        heading = heading[: MAX_HEADER_TEXT - 1] + "…"
    units = [
        [
            {"type": "header", "text": {"type": "plain_text", "text": heading, "emoji": True}},
            _mrkdwn_section(_mrkdwn("intro.mrkdwn.j2", intro=context["intro"])),
        ]
    ]
    for section in context["sections"]:
        if context["grouped"]:
            text = _mrkdwn("section.mrkdwn.j2", section=section, note=section_note(section))
            units.append([_mrkdwn_section(text)])
        units.extend(entry_blocks(digest, entry) for entry in section.entries)
    if not digest.entries:
        empty = _mrkdwn("abstract.mrkdwn.j2", abstract=context["empty_note"])
        units.append([_mrkdwn_section(empty)])
    footer = _button("Unsubscribe", ACTION_UNSUBSCRIBE, {"subscription": digest.subscription_id})
    units.append([{"type": "actions", "block_id": "unsubscribe", "elements": [footer]}])
    return units


def slack_posts(digest: Digest, context: dict[str, Any]) -> tuple[SlackPost, ...]:
    """Split into messages of at most 50 blocks; follow-ups go in the first one's thread."""
    messages: list[list[dict[str, Any]]] = [[]]
    for unit in _units(digest, context):
        if len(messages[-1]) + len(unit) > MAX_BLOCKS:
            messages.append([])
        messages[-1].extend(unit)
    _, env = _environments()
    fallback = env.get_template("digest/slack/fallback.txt.j2")
    return tuple(
        SlackPost(
            text=fallback.render(
                part=part,
                heading=context["heading"],
                count=len(digest.entries),
                window=context["window"],
            ).strip(),
            blocks=tuple(blocks),
        )
        for part, blocks in enumerate(messages, start=1)
    )
