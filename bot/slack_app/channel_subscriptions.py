"""subscribe / unsubscribe / list / email from Slack, through `bot.subscribing`'s verbs.

Journal names are resolved here first so an unknown one gets "did you mean" buttons
instead of an error; the time zone defaults to the caller's own (Slack `users.info`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import subscribing
from bot.digest.cadence import Cadence, CadenceError
from bot.digest.model import Target
from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps, resolve
from bot.slack_app.replies import Choice, Reply, choices, escape, mrkdwn
from bot.store import subscriptions as subs
from bot.store.profiles import ProfileSummary
from bot.store.subscriptions import Options, SubscriptionRecord

log = logging.getLogger(__name__)


def channel_target(caller: Caller) -> Target:
    return Target("slack", team=caller.team_id or None, channel=caller.channel_id)


def owner_of(caller: Caller) -> str:
    return f"slack:{caller.team_id}:{caller.user_id}"


@dataclass(frozen=True)
class SlackUser:
    tz: str = "UTC"
    name: str = "someone"


def slack_user(client: WebClient, user_id: str) -> SlackUser:
    """The caller's time zone and name; UTC and "someone" when Slack will not say."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as exc:
        log.info("users.info failed (%s); defaulting to UTC", exc.response.get("error"))
        return SlackUser()
    user = response.get("user") or {}
    tz = user.get("tz")
    name = user.get("real_name") or user.get("name")
    return SlackUser(
        tz=tz if isinstance(tz, str) and tz else "UTC",
        name=name if isinstance(name, str) and name else "someone",
    )


def cannot_post_here(client: WebClient, channel_id: str, command: str) -> str | None:
    """Why digests could not be posted to this conversation (None when they can, or when
    Slack will not say: a missing scope must not block subscribing)."""
    invite = f"invite me with `/invite @rxradar`, then type `{command} subscribe …` again"
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return f"I can't see this conversation, so I couldn't post digests here: {invite}."
        log.info("conversations.info failed (%s); subscribing anyway", error)
        return None
    if info.get("is_archived"):
        return "This channel is archived: subscribe an active channel instead."
    if info.get("is_private") and not info.get("is_member"):
        return f"I'm not a member of this private channel, so I couldn't post here: {invite}."
    return None


def to_options(given: c.Options, tz: str) -> Options:
    cadence = Cadence(
        kind=given.cadence or "weekly",
        day=given.day or "mon",
        at=given.time or "08:00",
        tz=given.tz or tz,
    )
    return Options(
        cadence=cadence,
        top=given.top if given.top is not None else 10,
        min_percentile=given.min_percentile,
    )


def resolve_all(
    deps: Deps, names: Sequence[str], rewrite: c.Subscribe | c.Email
) -> list[ProfileSummary] | Reply:
    """Every name resolved, or the did-you-mean reply for the first unknown one."""
    found: list[ProfileSummary] = []
    for index, name in enumerate(names):

        def corrected(choice: str, index: int = index) -> str:
            journals = list(rewrite.journals)
            journals[index] = choice
            return c.to_text(_with_journals(rewrite, tuple(journals)))

        match = resolve(deps, name, corrected)
        if isinstance(match, Reply):
            return match
        found.append(match)
    return found


def _with_journals(command: c.Subscribe | c.Email, journals: tuple[str, ...]) -> c.Command:
    if isinstance(command, c.Subscribe):
        return c.Subscribe(journals, command.options)
    return c.Email(command.address, journals, command.options)


def answer_subscribe(deps: Deps, command: c.Subscribe, caller: Caller, client: WebClient) -> Reply:
    found = resolve_all(deps, command.journals, command)
    if isinstance(found, Reply):
        return found
    problem = cannot_post_here(client, caller.channel_id, deps.command)
    if problem is not None:
        return mrkdwn(problem)
    tz = command.options.tz or slack_user(client, caller.user_id).tz
    try:
        options = to_options(command.options, tz)
    except CadenceError as exc:
        return mrkdwn(f"{escape(str(exc))}. Add a time zone, e.g. `tz Europe/London`.")
    record = subscribing.subscribe(
        deps.store, channel_target(caller), [p.name for p in found], deps.now(),
        options=options, owner=owner_of(caller), confirmed=True,
    )  # fmt: skip
    return mrkdwn(
        f"Subscribed <#{caller.channel_id}> to {summary(record)}.\n"
        f"Change it by subscribing again with other options; stop it with "
        f"`{deps.command} unsubscribe {escape(record.profiles[0].name)}`."
    )


def summary(record: SubscriptionRecord) -> str:
    """`*Nucleic Acids Research*: weekly on Mon at 08:00 (Europe/London), top 10`."""
    names = " and ".join(f"*{escape(p.name)}*" for p in record.profiles)
    o, cadence = record.options, record.options.cadence
    when = f"daily at {cadence.at}" if cadence.kind == "daily" else (
        f"weekly on {cadence.day.capitalize()} at {cadence.at}"
    )  # fmt: skip
    cut = [f"top {o.top}"] if o.top is not None else []
    if o.min_percentile is not None:
        cut.append(f"only the top {100 - o.min_percentile:g}%")
    return f"{names}: {when} ({escape(cadence.tz)}), {', '.join(cut) or 'everything'}"


def answer_list(deps: Deps, caller: Caller) -> Reply:
    records = subscribing.list_for_target(deps.store, channel_target(caller))
    if not records:
        return mrkdwn(
            f"<#{caller.channel_id}> has no subscriptions. Add one with "
            f"`{deps.command} subscribe JOURNAL`."
        )
    with deps.store.session() as session:
        claimed = {r.id: subs.periods_claimed(session, r.id) for r in records}
    lines = []
    for record in records:
        upcoming = subscribing.next_digest(record, claimed[record.id], deps.now())
        paused = f" — paused: {escape(record.paused_reason)}" if record.paused_reason else ""
        nxt = f" · next {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming and not paused else ""
        lines.append(f"• {summary(record)}{nxt}{paused}")
    return mrkdwn(f"Subscriptions in <#{caller.channel_id}>:\n" + "\n".join(lines))


def answer_unsubscribe(deps: Deps, command: c.Unsubscribe, caller: Caller) -> Reply:
    target = channel_target(caller)
    records = subscribing.list_for_target(deps.store, target)
    if not records:
        return mrkdwn(f"<#{caller.channel_id}> has no subscriptions to stop.")
    if command.journal is None and not command.everything and len(records) > 1:
        return _which_one(deps, records, "Which subscription should I stop?")
    journal = None if command.everything or command.journal is None else command.journal
    stopped = subscribing.unsubscribe_target(deps.store, target, deps.now(), journal)
    if not stopped:
        question = (
            f"<#{caller.channel_id}> does not follow *{escape(journal or '')}*. Stop one of these?"
        )
        return _which_one(deps, records, question)
    gone = [r for r in records if r.id in stopped]
    names = "; ".join(summary(r) for r in gone)
    return mrkdwn(f"Stopped {names}. No more digests for that in <#{caller.channel_id}>.")


def _which_one(deps: Deps, records: Sequence[SubscriptionRecord], question: str) -> Reply:
    options = [
        Choice(r.profiles[0].name, c.to_text(c.Unsubscribe(journal=r.profiles[0].name)))
        for r in records
        if r.profiles
    ]
    options = [*options[:4], Choice("All of them", "unsubscribe all")]
    return choices(question, options)


def answer_email(deps: Deps, command: c.Email, caller: Caller, client: WebClient) -> Reply:
    if not deps.settings.smtp_host:
        return mrkdwn(
            "Email is not set up on this rxradar yet: whoever runs it needs to set "
            "RXRADAR_SMTP_HOST (see the README). Until then, subscribe a channel with "
            f"`{deps.command} subscribe JOURNAL`."
        )
    found = resolve_all(deps, command.journals, command)
    if isinstance(found, Reply):
        return found
    user = slack_user(client, caller.user_id)
    record = subscribing.subscribe_email_from_slack(
        deps.store, deps.settings, deps.registry, command.address,
        [p.name for p in found], deps.now(), requester=f"{user.name} (via Slack)",
        owner=owner_of(caller), options=to_options(command.options, command.options.tz or user.tz),
    )  # fmt: skip
    if record.confirmed:
        return mrkdwn(f"{escape(command.address)} is now subscribed to {summary(record)}.")
    return mrkdwn(
        f"I emailed {escape(command.address)} a confirmation link. Once it is opened they "
        f"get {summary(record)}. Nothing is sent before that."
    )
