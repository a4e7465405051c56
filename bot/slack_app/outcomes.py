"""`/preprints outcomes [JOURNAL]`: which preprints we sent were published, and where."""

from __future__ import annotations

from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps, resolve
from bot.slack_app.channel_subscriptions import channel_target
from bot.slack_app.replies import Listed, Page, Reply, escape, mrkdwn, page
from bot.store.outcome_reports import (
    JournalOutcomes,
    SubscriptionOutcomes,
    journal_outcomes,
    published_in,
    subscription_outcomes,
)
from bot.subscribing import list_for_target

LIMIT = 10


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _journal_note(found: list[JournalOutcomes]) -> str:
    if not found or not found[0].n_top:
        return "No weekly top 10 scored for this journal yet."
    row = found[0]
    return (
        f"Of our weekly top 10 over {row.n_weeks} weeks, {row.n_published_here} of "
        f"{row.n_top} ({_percent(row.n_published_here, row.n_top)}) were published there."
    )


def _journal(deps: Deps, name: str, team: str) -> Reply:
    found = resolve(deps, name, lambda other: c.to_text(c.Outcomes(other)), team)
    if isinstance(found, Reply):
        return found
    with deps.store.session() as session:
        recent = published_in(session, found.id, LIMIT)
        precision = journal_outcomes(session, profile_id=found.id)
    items = tuple(
        Listed(
            title=p.title,
            url=f"https://doi.org/{p.published_doi}" if p.published_doi else p.url,
            details=escape(
                f"posted {p.posted.isoformat()} · published "
                f"{p.published_date.isoformat() if p.published_date else '(date unknown)'}"
            ),
        )
        for p in recent
    )
    return page(
        Page(
            heading=f"Preprints published in *{escape(found.name)}*",
            note=_journal_note(precision),
            items=items,
            empty="None of the preprints rxradar stored is known to be published there yet.",
        )
    )


def _line(row: SubscriptionOutcomes) -> str:
    elsewhere = sum(row.published_elsewhere.values())
    where = ", ".join(f"{escape(j)} ({n})" for j, n in list(row.published_elsewhere.items())[:3])
    return (
        f"• *{escape(row.journal)}*: sent {row.n_sent}; {row.n_published_here} published there "
        f"({_percent(row.n_published_here, row.n_sent)}), {elsewhere} elsewhere"
        f"{' (' + where + ')' if where else ''}, {row.n_not_yet} not yet. Of "
        f"{row.n_published_in_journal} published there since you subscribed, we sent "
        f"{row.n_of_those_sent}."
    )


def answer_outcomes(deps: Deps, command: c.Outcomes, caller: Caller) -> Reply:
    if command.journal:
        return _journal(deps, command.journal, caller.team_id)
    records = list_for_target(deps.store, channel_target(caller))
    if not records:
        return mrkdwn(
            f"<#{caller.channel_id}> has no subscriptions; try "
            f"`{deps.command} outcomes JOURNAL` for a journal's record."
        )
    with deps.store.session() as session:
        rows = [
            r for rec in records for r in subscription_outcomes(session, subscription_id=rec.id)
        ]
    lines = [_line(row) for row in rows]
    return mrkdwn(
        f"What became of the preprints sent to <#{caller.channel_id}>:\n" + "\n".join(lines)
    )
