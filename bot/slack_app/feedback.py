"""`/preprints feedback reset [JOURNAL]`: forget a channel's 👍/👎 (all, or one journal's)."""

from __future__ import annotations

from bot import subscribing
from bot.records.names import journal_key
from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps
from bot.slack_app.channel_subscriptions import channel_target, summary
from bot.slack_app.replies import Reply, escape, mrkdwn


def answer_reset(deps: Deps, command: c.FeedbackReset, caller: Caller) -> Reply:
    records = subscribing.list_for_target(deps.store, channel_target(caller))
    wanted = journal_key(command.journal) if command.journal else None
    chosen = [
        r for r in records if wanted is None or wanted in {journal_key(p.name) for p in r.profiles}
    ]
    if not chosen:
        followed = ", ".join(f"*{escape(p.name)}*" for r in records for p in r.profiles)
        hint = f" It follows {followed}." if followed else ""
        what = f" *{escape(command.journal)}*" if command.journal else " anything"
        return mrkdwn(f"<#{caller.channel_id}> does not follow{what}.{hint}")
    forgotten = sum(subscribing.reset_feedback(deps.store, r.id) for r in chosen)
    votes = f"{forgotten} vote{'' if forgotten == 1 else 's'}"
    names = "; ".join(summary(r) for r in chosen)
    return mrkdwn(
        f"Forgot {votes} for {names}. Its digests in <#{caller.channel_id}> are ranked by "
        "the journal's match alone again."
    )
