"""Slash-command text in, a typed command out (pure: no Slack, no database).

`/preprints subscribe Nucleic Acids Research weekly mon 08:00 top 10` becomes
`Subscribe(journals=("Nucleic Acids Research",), options=("weekly", "mon", …))`. Journal names may
be quoted or not; unquoted names end where a run of options begins, so a journal whose
name ends in an option word ("... Daily") has to be quoted. Every mistake raises
`CommandError` whose message says what to type instead.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.channels.email import parse_address as parse_email_address
from bot.records.doi import pasted_ids, preprint_key
from bot.records.target import TargetError
from bot.slack_app.options import CommandError, NotAnOption, check_words, option_values

__all__ = ["CommandError"]

SUBCOMMANDS = (
    "help", "subscribe", "unsubscribe", "list", "top", "match", "journals", "email", "link",
    "outcomes",
    "feedback",
    "profile",
)  # fmt: skip
PROFILE_ACTIONS = ("create", "add", "show", "delete")
DEFAULT_TOP_DAYS = 30
MAX_TOP_DAYS = 365

_QUOTES = {'"': '"', "“": "”", "”": "”", "'": "'", "‘": "’"}
_LINK = re.compile(r"<(mailto:)?([^|>]+)(?:\|[^>]*)?>")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Subscribe:
    journals: tuple[str, ...]
    options: tuple[str, ...] = ()  # the option words as typed (rules_from_words reads them)


@dataclass(frozen=True)
class Unsubscribe:
    journal: str | None = None  # None with everything=False: "which one?" unless only one
    everything: bool = False


@dataclass(frozen=True)
class ListSubscriptions:
    pass


@dataclass(frozen=True)
class Top:
    journal: str
    days: int = DEFAULT_TOP_DAYS


@dataclass(frozen=True)
class Match:
    doi: str | None = None  # a bare lower-case DOI, from a DOI or a preprint URL
    text: str | None = None  # a title and/or abstract
    url: str | None = None  # the URL as given, when there was one


@dataclass(frozen=True)
class Journals:
    query: str


@dataclass(frozen=True)
class Email:
    address: str
    journals: tuple[str, ...]
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    profile: str  # a custom profile: its private web page and feeds


@dataclass(frozen=True)
class Outcomes:
    journal: str | None = None  # None: this channel's subscriptions


@dataclass(frozen=True)
class FeedbackReset:
    journal: str | None = None  # None: every subscription of the channel


@dataclass(frozen=True)
class ProfileCommand:
    """`profile create NAME` (opens the modal), `profile add NAME IDS…`, `show`, `delete`."""

    action: str  # one of PROFILE_ACTIONS
    name: str
    ids: str = ""  # add: the pasted DOIs, arXiv ids and ORCID iDs, as typed


Command = (
    Help | Subscribe | Unsubscribe | ListSubscriptions | Top | Match | Journals | Email | Link
    | Outcomes | FeedbackReset
    | ProfileCommand
)  # fmt: skip


def clean_text(text: str) -> str:
    """Undo Slack's escaping: `<mailto:a@b|a@b>` → a@b, `<url|label>` → url, &amp; → &."""
    text = _LINK.sub(lambda m: m.group(2), text)
    return html.unescape(text).strip()


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, keeping quoted names ("…", “…”, '…') together."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = _QUOTES.get(text[i])
        end = _closing_index(text, i, closing) if closing else -1
        if end > i:
            tokens.append(Token(" ".join(text[i + 1 : end].split()), quoted=True))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        tokens.append(Token(text[i:j]))
        i = j
    return [t for t in tokens if t.text]


def _closing_index(text: str, start: int, closing: str) -> int:
    # an apostrophe inside a word (Alzheimer's) is not an opening quote
    if text[start] in "'‘" and start > 0 and not text[start - 1].isspace():
        return -1
    for index in range(start + 1, len(text)):
        if text[index] in {closing, '"' if closing == "”" else closing}:
            return index
    return -1


def parse(text: str, command: str = "/preprints") -> Command:
    """Parse the text after the slash command; raise CommandError with a hint."""
    tokens = tokenize(clean_text(text))
    if not tokens:
        return Help()
    verb, rest = tokens[0].text.lower(), tokens[1:]
    parser = _PARSERS.get(verb)
    if parser is None:
        raise CommandError(
            f"I don't know `{tokens[0].text}`. Try `{command} help` to see what I can do "
            f"({', '.join(SUBCOMMANDS)})."
        )
    return parser(rest, command)


def _parse_help(rest: list[Token], command: str) -> Command:
    topic = rest[0].text.lower() if rest else None
    return Help(topic if topic in SUBCOMMANDS else None)


def _parse_subscribe(rest: list[Token], command: str) -> Command:
    names, options = split_names_and_options(rest)
    if not names:
        raise CommandError(
            f"Which journal? Type `{command} subscribe JOURNAL`, e.g. "
            f"`{command} subscribe Nucleic Acids Research weekly mon 08:00 top 10`."
        )
    return Subscribe(tuple(names), options)


def _parse_unsubscribe(rest: list[Token], command: str) -> Command:
    if not rest:
        return Unsubscribe()
    if len(rest) == 1 and not rest[0].quoted and rest[0].text.lower() == "all":
        return Unsubscribe(everything=True)
    return Unsubscribe(journal=_join(rest))


def _parse_list(rest: list[Token], command: str) -> Command:
    if rest:
        raise CommandError(f"`list` takes nothing after it: type `{command} list`.")
    return ListSubscriptions()


def _parse_top(rest: list[Token], command: str) -> Command:
    days = DEFAULT_TOP_DAYS
    if len(rest) > 1 and not rest[-1].quoted and rest[-1].text.isdigit():
        days = int(rest[-1].text)
        rest = rest[:-1]
        if not 1 <= days <= MAX_TOP_DAYS:
            raise CommandError(
                f"DAYS must be between 1 and {MAX_TOP_DAYS}: e.g. `{command} top eLife 30`."
            )
    if not rest:
        raise CommandError(f"Which journal? Type `{command} top JOURNAL [DAYS]`, e.g. "
                           f"`{command} top Nucleic Acids Research 30`.")  # fmt: skip
    return Top(journal=_join(rest), days=days)


def _parse_match(rest: list[Token], command: str) -> Command:
    text = " ".join(t.text for t in rest).strip()
    if not text:
        raise CommandError(
            f"Match what? Type `{command} match DOI`, `{command} match URL` or "
            f"`{command} match TITLE AND ABSTRACT`, "
            f"e.g. `{command} match 10.1101/2024.01.02.573902`."
        )
    if _URL.match(text):
        doi = preprint_key(text)
        if doi is None:
            raise CommandError(
                f"I can't find a DOI in {text}. Paste a bioRxiv/medRxiv link or the DOI "
                f"itself: `{command} match 10.1101/…`, or paste the title and abstract."
            )
        return Match(doi=doi, url=text)
    doi = preprint_key(text)
    if doi is not None and len(rest) == 1:
        return Match(doi=doi)
    if len(text.split()) < 3:
        raise CommandError(
            f"`{text}` is too short to match: paste a DOI (`{command} match 10.1101/…`) "
            "or a title and abstract."
        )
    return Match(text=text)


def _parse_journals(rest: list[Token], command: str) -> Command:
    if not rest:
        raise CommandError(
            f"Search for what? Type `{command} journals QUERY`, e.g. `{command} journals genome`."
        )
    return Journals(query=_join(rest))


def _parse_email(rest: list[Token], command: str) -> Command:
    usage = (
        f"Type `{command} email ADDRESS JOURNAL …`, e.g. "
        f"`{command} email me@example.org Nucleic Acids Research, eLife`."
    )
    if not rest:
        raise CommandError(f"Which address? {usage}")
    try:
        address = parse_email_address(rest[0].text)
    except TargetError:
        raise CommandError(f"`{rest[0].text}` is not an email address. {usage}") from None
    names, options = split_names_and_options(rest[1:])
    if not names:
        raise CommandError(f"Which journal should {address} get? {usage}")
    return Email(address=address, journals=tuple(names), options=options)


def _parse_link(rest: list[Token], command: str) -> Command:
    if not rest:
        raise CommandError(f"Which profile? Type `{command} link PROFILE`, e.g. "
                           f'`{command} link "Smith lab"`.')  # fmt: skip
    return Link(profile=_join(rest))


def _parse_outcomes(rest: list[Token], command: str) -> Command:
    return Outcomes(journal=_join(rest) if rest else None)


def _parse_feedback(rest: list[Token], command: str) -> Command:
    if not rest or rest[0].quoted or rest[0].text.lower() != "reset":
        raise CommandError(
            f"Vote with the 👍/👎 buttons on a digest; to forget this channel's votes type "
            f"`{command} feedback reset [JOURNAL]`, e.g. `{command} feedback reset eLife`."
        )
    return FeedbackReset(journal=_join(rest[1:]) or None)


def _parse_profile(rest: list[Token], command: str) -> Command:
    usage = (
        f"Type `{command} profile create NAME` (then paste DOIs, arXiv ids, an ORCID iD or "
        f"BibTeX/RIS), `{command} profile add NAME DOI …`, `{command} profile show NAME` or "
        f"`{command} profile delete NAME`."
    )
    action = rest[0].text.lower() if rest else ""
    if action not in PROFILE_ACTIONS:
        raise CommandError(f"What should I do with the profile? {usage}")
    words = rest[1:]
    if action == "add":
        split = next((i for i, t in enumerate(words) if not t.quoted and i > 0
                      and not pasted_ids(t.text).empty), len(words))  # fmt: skip
        name, ids = _join(words[:split]), " ".join(t.text for t in words[split:])
        if not ids:
            raise CommandError(f"Add which papers? Give DOIs, arXiv ids or an ORCID iD. {usage}")
    else:
        name, ids = _join(words), ""
    if not name:
        raise CommandError(f"Which profile? {usage}")
    return ProfileCommand(action, name, ids)


_PARSERS = {
    "help": _parse_help,
    "subscribe": _parse_subscribe,
    "unsubscribe": _parse_unsubscribe,
    "list": _parse_list,
    "top": _parse_top,
    "match": _parse_match,
    "journals": _parse_journals,
    "email": _parse_email,
    "link": _parse_link,
    "outcomes": _parse_outcomes,
    "feedback": _parse_feedback,
    "profile": _parse_profile,
}


def _join(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


def split_names_and_options(tokens: list[Token]) -> tuple[list[str], tuple[str, ...]]:
    """Journal names first (comma-separated or quoted), then option words.

    The names end at the earliest position from which every remaining token is an option;
    a bad option value raises CommandError at once.
    """
    for start in range(len(tokens) + 1):
        tail = tokens[start:]
        if any(t.quoted for t in tail):
            continue
        words = tuple(t.text for t in tail)
        try:
            option_values(words)
        except NotAnOption:
            continue
        check_words(words)
        return _names(tokens[:start]), words
    raise AssertionError("an empty tail always parses")  # pragma: no cover


def _names(tokens: list[Token]) -> list[str]:
    names: list[str] = []
    words: list[str] = []
    for token in tokens:
        if token.quoted:
            names.extend(_flush(words))
            names.append(token.text)
            continue
        for part in re.split(r"([,;])", token.text):
            if part in {",", ";"}:
                names.extend(_flush(words))
            elif part:
                words.append(part)
    names.extend(_flush(words))
    return names


def _flush(words: list[str]) -> list[str]:
    name = " ".join(words).strip()
    words.clear()
    return [name] if name else []


def _quoted(names: tuple[str, ...]) -> str:
    return " ".join(f'"{name}"' for name in names)


def to_text(command: Command) -> str:
    """The text that parses back to `command` (for buttons that rerun a corrected command)."""
    if isinstance(command, Subscribe):
        return f"subscribe {_quoted(command.journals)} {' '.join(command.options)}".strip()
    if isinstance(command, Email):
        names = _quoted(command.journals)
        return f"email {command.address} {names} {' '.join(command.options)}".strip()
    if isinstance(command, Top):
        return f"top {_quoted((command.journal,))} {command.days}"
    if isinstance(command, Unsubscribe):
        if command.everything:
            return "unsubscribe all"
        return f"unsubscribe {_quoted((command.journal,))}" if command.journal else "unsubscribe"
    if isinstance(command, Journals):
        return f"journals {command.query}"
    if isinstance(command, Match):
        return f"match {command.doi or command.text or ''}".strip()
    if isinstance(command, ListSubscriptions):
        return "list"
    if isinstance(command, Link):
        return f"link {_quoted((command.profile,))}"
    if isinstance(command, Outcomes):
        return f"outcomes {_quoted((command.journal,))}" if command.journal else "outcomes"
    if isinstance(command, FeedbackReset):
        journal = _quoted((command.journal,)) if command.journal else ""
        return f"feedback reset {journal}".strip()
    if isinstance(command, ProfileCommand):
        return f"profile {command.action} {_quoted((command.name,))} {command.ids}".strip()
    return f"help {command.topic or ''}".strip()
