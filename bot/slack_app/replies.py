"""What the app says back: Block Kit messages built from plain data (pure).

Every reply carries a plain-text `text` (the notification fallback) and blocks within
Block Kit's limits (≤50 blocks, section text ≤3,000 characters, ≤25 buttons).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]
SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
DID_YOU_MEAN = "did_you_mean"


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: tuple[Block, ...] = ()
    replace_original: bool = False

    def as_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"text": self.text, "response_type": "ephemeral"}
        if self.blocks:
            kwargs["blocks"] = list(self.blocks)
        if self.replace_original:
            kwargs["replace_original"] = True
        return kwargs


@dataclass(frozen=True)
class Listed:
    """One line of a ranked list: a preprint or a journal with its numbers."""

    title: str
    url: str | None = None
    details: str = ""  # already-escaped mrkdwn: authors, date, server
    numbers: str = ""  # already-escaped mrkdwn: "*52.3%* · Top 0.1% · 870×"


@dataclass(frozen=True)
class Choice:
    label: str
    command_text: str  # what the click runs, as if typed after the slash command


@dataclass(frozen=True)
class Page:
    heading: str  # escaped mrkdwn
    note: str = ""  # escaped mrkdwn context line
    items: tuple[Listed, ...] = ()
    empty: str = "Nothing to show."
    extra: tuple[Block, ...] = field(default_factory=tuple)


def escape(text: str) -> str:
    """mrkdwn escaping: only &, < and > are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    if not url:
        return escape(label)
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(label)}>"


def _trim(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _trim(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _trim(text)}]}


def message(text: str) -> Reply:
    """A one-paragraph ephemeral answer (text is escaped here)."""
    return Reply(text=text, blocks=(section(escape(text)),))


def mrkdwn(text: str) -> Reply:
    """A one-paragraph answer whose text is already mrkdwn (backticks, bold, links)."""
    return Reply(text=text, blocks=(section(text),))


def page(content: Page) -> Reply:
    blocks: list[Block] = [section(content.heading)]
    if content.note:
        blocks.append(context(content.note))
    if not content.items:
        blocks.append(section(escape(content.empty)))
    for rank, item in enumerate(content.items[:20], start=1):
        lines = [f"{rank}. *{link(item.url, item.title)}*"]
        lines += [part for part in (item.details, item.numbers) if part]
        blocks.append(section("\n".join(lines)))
    blocks.extend(content.extra)
    return Reply(text=_plain(content.heading), blocks=tuple(blocks[:50]))


def _plain(mrkdwn_text: str) -> str:
    return (
        mrkdwn_text.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _trim(label, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def choices(question: str, options: Sequence[Choice]) -> Reply:
    """A question with up to five buttons; a click runs the option's command text."""
    buttons = [
        button(o.label, f"{DID_YOU_MEAN}_{i}", json.dumps({"text": o.command_text}))
        for i, o in enumerate(options[:5])
    ]
    blocks: list[Block] = [section(question)]
    if buttons:
        blocks.append({"type": "actions", "block_id": DID_YOU_MEAN, "elements": buttons})
    return Reply(text=_plain(question), blocks=tuple(blocks))


def choice_text(value: str) -> str | None:
    """The command text stored in a did-you-mean button's value (None if tampered)."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None


def help_reply(command: str, topic: str | None = None) -> Reply:
    lines = [HELP[topic]] if topic in HELP else list(HELP.values())
    body = "\n".join(line.replace("{cmd}", command) for line in lines)
    heading = f"*{command}* finds new preprints that match a journal's profile."
    return Reply(
        text=f"{command} help",
        blocks=(
            section(heading),
            section(body),
            context(
                "Journal names may be quoted or not: "
                f'`{command} subscribe "Nucleic Acids Research"`. '
                "Replies are only visible to you; digests are posted to the channel."
            ),
        ),
    )


HELP = {
    "subscribe": "• `{cmd} subscribe JOURNAL [weekly|daily] [mon 08:00] [Europe/London] [top 10] "
    "[min 99%]` — send this channel a digest, e.g. "
    "`{cmd} subscribe Nucleic Acids Research weekly mon 08:00 top 10`",
    "unsubscribe": "• `{cmd} unsubscribe [JOURNAL|all]` — stop a digest in this channel",
    "list": "• `{cmd} list` — this channel's subscriptions",
    "top": "• `{cmd} top JOURNAL [DAYS]` — the best-matching recent preprints, "
    "e.g. `{cmd} top eLife 30`",
    "match": "• `{cmd} match DOI|URL|TEXT` — which journals a preprint fits, e.g. "
    "`{cmd} match 10.1101/2024.01.02.573902`",
    "journals": "• `{cmd} journals QUERY` — search journal names, e.g. `{cmd} journals genome`",
    "email": "• `{cmd} email ADDRESS JOURNAL …` — email digests (after the address confirms), e.g. "
    "`{cmd} email me@example.org eLife, Nucleic Acids Research`",
    "link": "• `{cmd} link PROFILE` — the private web page and feeds of a custom profile",
    "outcomes": "• `{cmd} outcomes [JOURNAL]` — which preprints we sent were published, where",
    "profile": "• `{cmd} profile create NAME` — define your own journal from DOIs, arXiv ids, "
    "an ORCID iD or BibTeX/RIS (this workspace only); `{cmd} profile add|show|delete NAME`",
    "help": "• `{cmd} help [SUBCOMMAND]` — this message",
    "feedback": "• `{cmd} feedback reset [JOURNAL]` — forget this channel's 👍/👎 "
    "(digests are then ranked by the journal's match alone)",
}
