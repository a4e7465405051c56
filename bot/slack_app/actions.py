"""Button clicks: "did you mean" choices, and the buttons on digest messages.

Every click is acknowledged at once; the work runs in a lazy listener.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.channels.slack import ACTION_SHOW_ABSTRACT, ACTION_UNSUBSCRIBE, DIGEST_ACTIONS
from bot.slack_app import commands as c
from bot.slack_app import digest_actions as da
from bot.slack_app.answers import Caller, Deps
from bot.slack_app.handlers import run
from bot.slack_app.replies import DID_YOU_MEAN, Reply, choice_text, message

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.action(re.compile(rf"^{DID_YOU_MEAN}_\d+$"))(ack=_ack, lazy=[_choose(deps)])
    digest_buttons = re.compile("^(" + "|".join(DIGEST_ACTIONS) + ")$")
    app.action(digest_buttons)(ack=_ack, lazy=[_digest_button(deps)])


def _ack(ack: Ack) -> None:
    ack()


def caller_of(body: dict[str, Any]) -> Caller:
    team = (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
        "channel_id", ""
    )
    return Caller(team_id=team, channel_id=channel, user_id=body["user"]["id"])


def clicked(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return dict(actions[0])


def _choose(deps: Deps) -> Callable[..., None]:
    def choose(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = choice_text(clicked(body).get("value") or "")
        try:
            command = c.parse(text or "", deps.command)
        except c.CommandError as exc:
            respond(**message(str(exc)).as_kwargs())
            return
        run(deps, command, caller_of(body), client, respond, replace_original=True)

    return choose


def _digest_button(deps: Deps) -> Callable[..., None]:
    def digest_button(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        action, caller = clicked(body), caller_of(body)
        value = da.button_value(action)
        try:
            reply = _press(deps, action, value, caller, body, client)
        except Exception:  # the job boundary: log it and tell the person who clicked
            log.exception("button %s failed", action.get("action_id"))
            reply = message("Something went wrong on our side; try the button again later.")
        if reply is not None:
            respond(**reply.as_kwargs())

    return digest_button


def _press(
    deps: Deps, action: dict[str, Any], value: dict[str, Any], caller: Caller,
    body: dict[str, Any], client: WebClient,
) -> Reply | None:  # fmt: skip
    action_id = action.get("action_id")
    if action_id == ACTION_SHOW_ABSTRACT:
        return da.show_abstract(deps, value, caller)
    if action_id == ACTION_UNSUBSCRIBE:
        return da.unsubscribe(deps, value, caller, body, client)
    return da.vote(deps, value, caller, action, body, client)
