"""Bolt glue for the slash command: acknowledge at once, then answer via response_url.

The ack half only parses (pure, microseconds): mistakes and `help` are answered in the
acknowledgement itself. Everything that touches the database or the network runs in a
lazy listener after Slack has its 200, and replies through `respond` (the response_url).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, assert_never

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack_app import channel_subscriptions as cs
from bot.slack_app import commands as c
from bot.slack_app import feedback, matching, profiles
from bot.slack_app.answers import (
    Caller,
    Deps,
    answer_help,
    answer_journals,
    answer_link,
    answer_top,
)
from bot.slack_app.outcomes import answer_outcomes
from bot.slack_app.replies import Reply, help_reply, message, mrkdwn

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.command(deps.command)(ack=_acknowledge(deps), lazy=[_work(deps)])


def ack_kwargs(reply: Reply) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"text": reply.text, "response_type": "ephemeral"}
    if reply.blocks:
        kwargs["blocks"] = list(reply.blocks)
    return kwargs


NO_CALLER = (
    "This command arrived without the user who sent it (no `user_id`), so rxradar cannot "
    "answer it. Send it again from Slack; a client or proxy that builds slash commands "
    "itself must pass Slack's `user_id` field."
)


def _has_caller(body: dict[str, Any]) -> bool:
    """Whether a command names who sent it (every reply and permission check needs that)."""
    user = body.get("user_id")
    return isinstance(user, str) and bool(user)


def _acknowledge(deps: Deps) -> Callable[..., None]:
    def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
        if not _has_caller(body):
            ack(**ack_kwargs(mrkdwn(NO_CALLER)))
            return
        try:
            command = c.parse(body.get("text") or "", deps.command)
        except c.CommandError as exc:
            ack(**ack_kwargs(mrkdwn(str(exc))))
            return
        if isinstance(command, c.Help):
            ack(**ack_kwargs(help_reply(deps.command, command.topic)))
            return
        ack()

    return acknowledge


def _work(deps: Deps) -> Callable[..., None]:
    def work(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        if not _has_caller(body):
            return  # already answered in the acknowledgement
        try:
            command = c.parse(body.get("text") or "", deps.command)
        except c.CommandError:
            return  # already answered in the acknowledgement
        if isinstance(command, c.Help):
            return
        caller = Caller(body.get("team_id", ""), body.get("channel_id", ""), body["user_id"])
        if isinstance(command, c.ProfileCommand) and command.action == "create":
            # the modal must open while the trigger id is fresh (3 s), not via respond
            reply = profiles.open_create_modal(
                deps, command, caller, client, body.get("trigger_id", "")
            )
            if reply is not None:
                respond(**reply.as_kwargs())
            return
        run(deps, command, caller, client, respond)

    return work


def run(deps: Deps, command: c.Command, caller: Caller, client: WebClient, respond: Respond,
        replace_original: bool = False) -> None:  # fmt: skip
    """Answer one parsed command; the job boundary, so failures are logged and reported."""
    try:
        reply = dispatch(deps, command, caller, client, respond)
    except Exception:
        log.exception("slash command %r failed", c.to_text(command))
        reply = message(
            "Something went wrong on our side while answering that. Try again in a minute; "
            "if it keeps failing, tell whoever runs rxradar (the details are in its log)."
        )
    if reply is None:
        return
    kwargs = reply.as_kwargs()
    if replace_original:
        kwargs["replace_original"] = True
    respond(**kwargs)


def dispatch(
    deps: Deps, command: c.Command, caller: Caller, client: WebClient, respond: Respond
) -> Reply | None:
    if isinstance(command, c.Help):
        return answer_help(deps, command)
    if isinstance(command, c.Journals):
        return answer_journals(deps, command, caller.team_id)
    if isinstance(command, c.Top):
        return answer_top(deps, command, caller.team_id)
    if isinstance(command, c.Subscribe):
        return cs.answer_subscribe(deps, command, caller, client)
    if isinstance(command, c.Unsubscribe):
        return cs.answer_unsubscribe(deps, command, caller, client)
    if isinstance(command, c.ListSubscriptions):
        return cs.answer_list(deps, caller)
    if isinstance(command, c.Email):
        return cs.answer_email(deps, command, caller, client)
    if isinstance(command, c.Link):
        return answer_link(deps, command, caller.team_id)
    if isinstance(command, c.Outcomes):
        return answer_outcomes(deps, command, caller)
    if isinstance(command, c.FeedbackReset):
        return feedback.answer_reset(deps, command, caller)
    if isinstance(command, c.ProfileCommand):
        return profiles.answer_profile(deps, command, caller, client)
    if isinstance(command, c.Match):
        return matching.answer_match(deps, command, lambda note: respond(**note.as_kwargs()))
    assert_never(command)
