"""The slow half of each subcommand: look things up and return a Reply.

These run after the request was acknowledged (Bolt lazy listeners). They read and write
through `bot.store` only, and return data (`Reply`) for the Bolt glue to send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.channels.registry import Registry
from bot.config import Settings
from bot.delivery.links import NotCustom, profile_link
from bot.digest.numbers import Shown, format_probability
from bot.matching.window import shown_in_window
from bot.slack_app import commands as c
from bot.slack_app.replies import (
    Choice,
    Listed,
    Page,
    Reply,
    choices,
    escape,
    help_reply,
    mrkdwn,
    page,
)
from bot.store import Store
from bot.store.profiles import ProfileSummary, Suggestions, find_profile, search_profiles
from bot.store.scores import (
    RankedPreprint,
    StatsRow,
    profile_stats,
    profiles_in_model,
    top_preprints,
)
from bot.store.site_queries import slug_of

TOP_LIMIT = 10
JOURNALS_LIMIT = 20


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """What every answer needs; built once by the app factory."""

    settings: Settings
    store: Store
    registry: Registry  # channels for confirmation emails
    now: Callable[[], datetime] = _utcnow

    @property
    def command(self) -> str:
        return self.settings.slack.command


@dataclass(frozen=True)
class Caller:
    """Who asked, and where: from a slash command or a button click."""

    team_id: str
    channel_id: str
    user_id: str


def resolve(
    deps: Deps, name: str, rewrite: Callable[[str], str], team: str
) -> ProfileSummary | Reply:
    """The profile called `name` that workspace `team` may see, or a "did you mean" reply
    whose buttons rerun the command."""
    found = find_profile(deps.store, name, team or None)
    if isinstance(found, ProfileSummary):
        return found
    return did_you_mean(deps, found, rewrite)


def did_you_mean(deps: Deps, found: Suggestions, rewrite: Callable[[str], str]) -> Reply:
    if not found.names:
        return mrkdwn(
            f"I don't know a journal called *{escape(found.query)}*. "
            f"Search for it with `{deps.command} journals {escape(found.query.split()[0])}`."
        )
    options = [Choice(name, rewrite(name)) for name in found.names]
    return choices(f"I don't know *{escape(found.query)}*. Did you mean:", options)


def answer_help(deps: Deps, command: c.Help) -> Reply:
    return help_reply(deps.command, command.topic)


def answer_journals(deps: Deps, command: c.Journals, team: str) -> Reply:
    with deps.store.session() as session:
        hits = search_profiles(session, command.query, limit=JOURNALS_LIMIT, team=team or None)
        scored = profiles_in_model(session)
    items = tuple(
        Listed(
            title=hit.name,
            details=_journal_details(hit, hit.id in scored) if hit.kind == "journal" else "custom",
        )
        for hit in hits
    )
    return page(
        Page(
            heading=f"Journals matching *{escape(command.query)}*",
            note=f"Follow one with `{deps.command} subscribe NAME`." if items else "",
            items=items,
            empty=f"No journal matches {command.query!r}: try a shorter word or another spelling.",
        )
    )


def _journal_details(journal: ProfileSummary, in_model: bool) -> str:
    papers = f"based on {journal.n_papers:,} papers"
    return papers if in_model else f"{papers} · not in the model yet (no digests until retrained)"


def answer_top(deps: Deps, command: c.Top, team: str) -> Reply:
    found = resolve(deps, command.journal, lambda name: c.to_text(c.Top(name, command.days)), team)
    if isinstance(found, Reply):
        return found
    since = (deps.now() - timedelta(days=command.days)).date()
    with deps.store.session() as session:
        ranked = top_preprints(session, found.id, since, limit=TOP_LIMIT)
        stats = profile_stats(session, [found.id]).get(found.id)
    days = "day" if command.days == 1 else f"{command.days} days"
    return page(
        Page(
            heading=f"Best matches for *{escape(found.name)}* in the last {days}",
            note=_profile_note(found, stats),
            items=tuple(_listed(p, stats) for p in ranked),
            empty=_top_empty(deps, found, command.days),
        )
    )


def _top_empty(deps: Deps, profile: ProfileSummary, days: int) -> str:
    window = deps.settings.model.window_days
    if days < window:
        return (
            f"No scored preprints in the last {days} days yet: try more days, e.g. "
            f"{deps.command} top {profile.name} {window}."
        )
    return (  # a wider window cannot help: only the score window's preprints are scored
        f"No preprints of the last {window} days are scored yet: whoever runs rxradar "
        "should check that its feeds are polled (rxradar feeds list)."
    )


def _profile_note(profile: ProfileSummary, stats: StatsRow | None) -> str:
    n_papers = stats.n_papers if stats is not None and stats.n_papers else profile.n_papers
    note = f"Based on {n_papers:,} papers previously published there."
    if stats is not None and stats.mean_probability > 0:
        average = format_probability(stats.mean_probability)
        note += f" The average preprint has a {average} match score."
    return note


def _listed(preprint: RankedPreprint, stats: StatsRow | None) -> Listed:
    return Listed(
        title=preprint.title,
        url=preprint.url or (f"https://doi.org/{preprint.doi}" if preprint.doi else None),
        details=escape(_byline(preprint)),
        numbers=score_text(preprint.probability, stats),
    )


def _byline(preprint: RankedPreprint) -> str:
    authors = ", ".join(preprint.authors[:3]) + (" et al." if len(preprint.authors) > 3 else "")
    where = " ".join(part for part in (preprint.server, preprint.category) if part)
    return " · ".join(part for part in (authors, preprint.posted.isoformat(), where) if part)


def score_text(probability: float, stats: StatsRow | None) -> str:
    """`*52.3%* · Top 0.1% · 870× the average preprint` (as much as the stats allow)."""
    return numbers_text(shown_in_window(probability, stats))


def numbers_text(numbers: Shown) -> str:
    """`*52.3%* · Top 0.1% · 870× the average preprint`, leaving out what is unknown."""
    parts = [f"*{numbers.probability_text}*", numbers.top_text, numbers.lift_text]
    return " · ".join(part for part in parts if part)


def answer_link(deps: Deps, command: c.Link, team: str) -> Reply:
    """The private web page and feeds of a custom profile (only its asker sees the reply)."""
    found = resolve(deps, command.profile, lambda name: c.to_text(c.Link(name)), team)
    if isinstance(found, Reply):
        return found
    try:
        link = profile_link(deps.settings.links(), found, deps.now())
    except NotCustom:
        page_url = f"{deps.settings.public_url}/journals/{slug_of(found.key)}"
        return mrkdwn(f"*{escape(found.name)}* is a journal: its page is public, {page_url}")
    return mrkdwn(
        f"Private page of *{escape(found.name)}*: {link.page}\nFeeds: {link.rss} · "
        f"{link.json_feed}\nAnyone with these links can see the profile's matches; share "
        "them only with your group."
    )
