"""subscribe / unsubscribe / list / email from Slack, through `bot.subscribing`'s verbs.

Journal names are resolved here first so an unknown one gets "did you mean" buttons
instead of an error; the time zone defaults to the caller's own (Slack `users.info`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import subscribing
from bot.channels.registry import configured
from bot.channels.slack import slack_target
from bot.delivery.alerts import estimate
from bot.matching.membership import not_in_model
from bot.records.rules import DigestRules
from bot.records.target import Target
from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps, resolve
from bot.slack_app.options import CommandError, rules_from_words
from bot.slack_app.replies import Choice, Reply, choices, escape, mrkdwn
from bot.store import subscriptions as subs
from bot.store.profiles import ProfileSummary
from bot.store.subscriptions import SubscriptionRecord

log = logging.getLogger(__name__)


def channel_target(caller: Caller) -> Target:
    return slack_target(caller.team_id or None, caller.channel_id)


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


def resolve_all(
    deps: Deps, names: Sequence[str], rewrite: c.Subscribe | c.Email, team: str
) -> list[ProfileSummary] | Reply:
    """Every name resolved, or the did-you-mean reply for the first unknown one."""
    found: list[ProfileSummary] = []
    for index, name in enumerate(names):

        def corrected(choice: str, index: int = index) -> str:
            journals = list(rewrite.journals)
            journals[index] = choice
            return c.to_text(_with_journals(rewrite, tuple(journals)))

        match = resolve(deps, name, corrected, team)
        if isinstance(match, Reply):
            return match
        found.append(match)
    return found


def _with_journals(command: c.Subscribe | c.Email, journals: tuple[str, ...]) -> c.Command:
    if isinstance(command, c.Subscribe):
        return c.Subscribe(journals, command.options)
    return c.Email(command.address, journals, command.options)


def answer_subscribe(deps: Deps, command: c.Subscribe, caller: Caller, client: WebClient) -> Reply:
    found = resolve_all(deps, command.journals, command, caller.team_id)
    if isinstance(found, Reply):
        return found
    problem = cannot_post_here(client, caller.channel_id, deps.command)
    if problem is not None:
        return mrkdwn(problem)
    try:
        rules = _rules(command.options, client, caller)
    except CommandError as exc:
        return mrkdwn(escape(str(exc)))
    record = subscribing.subscribe(
        deps.store, channel_target(caller), [p.name for p in found], deps.now(),
        rules=rules, owner=owner_of(caller), confirmed=True, team=caller.team_id or None,
    )  # fmt: skip
    waiting = _waiting(deps, record)
    expected = ""
    if record.rules.instant:
        ids = [p.id for p in record.profiles]
        days = deps.settings.model.window_days
        guess = estimate(deps.store, ids, record.rules, deps.now(), days)
        expected = f"Expect {escape(guess.sentence())}.\n"
    return mrkdwn(
        f"Subscribed <#{caller.channel_id}> to {summary(record)}.{waiting}\n{expected}"
        f"Change it by subscribing again with other options; stop it with "
        f"`{deps.command} unsubscribe {escape(record.profiles[0].name)}`."
    )


def _waiting(deps: Deps, record: SubscriptionRecord) -> str:
    """A warning line per followed journal the model leaves out ("" when none)."""
    gaps = not_in_model(deps.store, record.profiles)
    return "".join(f"\n:warning: {escape(gap.sentence())}." for gap in gaps)


def _rules(words: tuple[str, ...], client: WebClient, caller: Caller) -> DigestRules:
    """The option words as rules; without a time zone, the caller's own (Slack's users.info)."""
    if any(w.lower() in {"tz", "timezone", "utc"} or "/" in w for w in words):
        return rules_from_words(words)
    return rules_from_words(words, tz=slack_user(client, caller.user_id).tz)


def summary(record: SubscriptionRecord) -> str:
    """`*Nucleic Acids Research*: weekly on Mon at 08:00 (Europe/London), top 10`."""
    names = " and ".join(f"*{escape(p.name)}*" for p in record.profiles)
    return f"{names}: {escape(record.rules.describe())}"


def answer_list(deps: Deps, caller: Caller) -> Reply:
    records = subscribing.list_for_target(deps.store, channel_target(caller))
    if not records:
        return mrkdwn(
            f"<#{caller.channel_id}> has no subscriptions. Add one with "
            f"`{deps.command} subscribe JOURNAL`."
        )
    with deps.store.session() as session:
        claimed = subs.claimed_periods(session, subscription_ids=[r.id for r in records])
        last = subs.last_digests(session, [r.id for r in records])
    lines = []
    for record in records:
        periods = {period for sub, period in claimed if sub == record.id}
        upcoming = subscribing.next_digest(record, periods, deps.now(), last.get(record.id))
        paused = f" — paused: {escape(record.paused_reason)}" if record.paused_reason else ""
        nxt = f" · next {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming and not paused else ""
        lines.append(f"• {summary(record)}{nxt}{paused}")
    return mrkdwn(f"Subscriptions in <#{caller.channel_id}>:\n" + "\n".join(lines))


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """Slack says the user is an admin or owner of the workspace (False when it won't say)."""
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def answer_unsubscribe(
    deps: Deps, command: c.Unsubscribe, caller: Caller, client: WebClient
) -> Reply:
    target = channel_target(caller)
    records = subscribing.list_for_target(deps.store, target)
    if not records:
        return mrkdwn(f"<#{caller.channel_id}> has no subscriptions to stop.")
    if command.journal is None and not command.everything and len(records) > 1:
        return _which_one(deps, records, "Which subscription should I stop?")
    journal = None if command.everything or command.journal is None else command.journal
    # `unsubscribe all` stops what the caller created; everything only for workspace admins
    owner = None
    if command.everything and not is_workspace_admin(client, caller.user_id):
        owner = owner_of(caller)
    stopped = subscribing.unsubscribe_target(deps.store, target, deps.now(), journal, owner)
    kept = [r for r in records if r.id not in stopped and owner is not None]
    if owner is not None and kept:
        done = "; ".join(summary(r) for r in records if r.id in stopped) or "nothing"
        return mrkdwn(
            f"Stopped {done}. {len(kept)} subscription(s) in <#{caller.channel_id}> were set "
            "up by someone else: only they or a workspace admin can stop all of them "
            f"(`{deps.command} unsubscribe JOURNAL` stops one)."
        )
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


def requester_reference(caller: Caller) -> str:
    """Who asked, as the confirmation mail says it: Slack's ids, never a display name (free
    text anyone can set, e.g. "Your bank: reply with your password")."""
    return f"Slack user {caller.user_id} of workspace {caller.team_id}"


def workspace_owners(caller: Caller) -> str:
    """The start every owner of this workspace shares (see `owner_of`)."""
    return f"slack:{caller.team_id}:"


def email_limits(deps: Deps, caller: Caller) -> list[subscribing.AskLimit]:
    """How many confirmation emails one person, and one workspace, may ask for."""
    slack = deps.settings.slack
    return [
        subscribing.AskLimit(slack.emails_per_requester, owner=owner_of(caller)),
        subscribing.AskLimit(slack.emails_per_workspace, owner_prefix=workspace_owners(caller)),
    ]


def too_many_asks(exc: subscribing.TooManyAsks, now: datetime) -> str:
    """The refusal: who reached which limit, and when asking works again."""
    rate = exc.limit.rate
    who = "You have" if exc.limit.owner is not None else "This workspace has"
    wait = max(exc.again_at - now, timedelta(minutes=1))
    return (
        f"{who} asked for {rate.count} confirmation email{'' if rate.count == 1 else 's'} "
        f"within {span(rate.per)}, "
        f"the most rxradar sends, so nobody's inbox can be flooded through it. Nothing was "
        f"sent this time. You can ask again at {exc.again_at:%Y-%m-%d %H:%M} UTC "
        f"(in {span(wait)})."
    )


def span(length: timedelta) -> str:
    """A duration in words, rounded up to whole minutes: "1 hour", "1 day 2 hours", "5 minutes"."""
    minutes = -(-int(length.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words) or "1 minute"


def answer_email(deps: Deps, command: c.Email, caller: Caller, client: WebClient) -> Reply:
    if not configured(deps.settings, "email"):
        return mrkdwn(
            "Email is not set up on this rxradar yet: whoever runs it needs to set "
            "RXRADAR_SMTP_HOST (see the README). Until then, subscribe a channel with "
            f"`{deps.command} subscribe JOURNAL`."
        )
    found = resolve_all(deps, command.journals, command, caller.team_id)
    if isinstance(found, Reply):
        return found
    try:
        rules = _rules(command.options, client, caller)
    except CommandError as exc:
        return mrkdwn(escape(str(exc)))
    try:
        record = subscribing.subscribe_for_someone(
            deps.store, deps.settings.links(), deps.registry, Target("email", command.address),
            [p.name for p in found], deps.now(), requester=requester_reference(caller),
            owner=owner_of(caller), rules=rules, team=caller.team_id or None,
            limits=email_limits(deps, caller), lock_scope=workspace_owners(caller),
        )  # fmt: skip
    except subscribing.TooManyAsks as exc:
        return mrkdwn(too_many_asks(exc, deps.now()))
    if record.sendable:
        return mrkdwn(
            f"{escape(command.address)} is now subscribed to {summary(record)}."
            + _waiting(deps, record)
        )
    return mrkdwn(
        f"I emailed {escape(command.address)} a confirmation link. Once it is opened they "
        f"get {summary(record)}. Nothing is sent before that." + _waiting(deps, record)
    )
