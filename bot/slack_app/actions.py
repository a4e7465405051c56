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

from bot.slack_app import commands as c
from bot.slack_app.answers import Caller, Deps
from bot.slack_app.handlers import run
from bot.slack_app.replies import DID_YOU_MEAN, choice_text, message

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    app.action(re.compile(rf"^{DID_YOU_MEAN}_\d+$"))(ack=_ack, lazy=[_choose(deps)])


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
