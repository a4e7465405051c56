"""Socket Mode end to end: `create_server_app` opens the websocket that a local stand-in
for Slack's side offers (through apps.connections.open on the Web API fake), and slash
commands arriving as envelopes are answered in their acknowledgements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import load_settings
from bot.slack_app import socket as socket_module
from bot.slack_app.socket import socket_mode_handler
from bot.store import Store
from bot.web.app import create_server_app
from tests.peers.slack_fake import SlackFake
from tests.peers.socket_mode import SocketModePeer
from tests.peers.web import slash_body
from tests.slack_support import BOT_TOKEN, seed, slack_env, wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
APP_TOKEN = "xapp-1-A0001-test"


@pytest.fixture
def connected(
    store: Store, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SlackFake, SocketModePeer]]:
    handlers: list[SocketModeHandler] = []

    def keep(app: Any, settings: Any) -> SocketModeHandler:
        handler = socket_mode_handler(app, settings)
        handlers.append(handler)
        return handler

    monkeypatch.setattr(socket_module, "socket_mode_handler", keep)  # to close it afterwards
    seed(store)
    with SlackFake(token=BOT_TOKEN, min_interval=0) as api, SocketModePeer() as socket:
        api.tokens.add(APP_TOKEN)
        api.socket_url = socket.url
        env = slack_env(database_url, tmp_path / "data", api.url, RXRADAR_SLACK_APP_TOKEN=APP_TOKEN)
        del env["RXRADAR_SLACK_SIGNING_SECRET"]  # Socket Mode needs no signing secret
        create_server_app(load_settings(env), store)
        try:
            socket.wait_connected()
            yield api, socket
        finally:
            for handler in handlers:
                handler.close()


def _command(text: str, response_url: str) -> dict[str, str]:
    return dict(parse_qsl(slash_body(text, response_url)))


def test_a_slash_command_over_the_websocket_is_answered_in_its_ack(
    connected: tuple[SlackFake, SocketModePeer],
) -> None:
    api, socket = connected
    assert [c.token for c in api.calls_to("apps.connections.open")] == [APP_TOKEN]
    socket.push(
        {
            "envelope_id": "env-help",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": _command("help", api.response_url("help")),
        }
    )
    ack = socket.ack("env-help")
    text = json.dumps(ack.get("payload", {}))
    assert "/preprints subscribe JOURNAL" in text


def test_journals_over_the_websocket_reads_the_database(
    connected: tuple[SlackFake, SocketModePeer],
) -> None:
    api, socket = connected
    socket.push(
        {
            "envelope_id": "env-journals",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": _command("journals nucleic", api.response_url("journals")),
        }
    )
    socket.ack("env-journals")  # acknowledged at once; the answer follows on response_url
    (answer,) = wait_for(lambda: api.responses("journals"))
    assert "Nucleic Acids Research" in json.dumps(answer)
