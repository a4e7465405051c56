"""Run our real ASGI app under uvicorn on 127.0.0.1, and talk to it like Slack does.

    with UvicornThread(create_web_app(...)) as server:
        response = post_signed(server.url("/slack/events"), slash_body(text="help"), SECRET)

`post_signed` signs with slack_sdk's SignatureVerifier, exactly as Slack signs requests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from slack_sdk.signature import SignatureVerifier


class UvicornThread:
    """A real HTTP server (uvicorn) in a daemon thread on an OS-chosen port."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> UvicornThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def signed_headers(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": str(signature),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def post_signed(
    url: str, body: str, secret: str, timestamp: int | None = None, **kwargs: Any
) -> httpx.Response:
    headers = signed_headers(body, secret, timestamp)
    return httpx.post(url, content=body.encode(), headers=headers, timeout=10, **kwargs)


def slash_body(text: str, response_url: str, command: str = "/preprints", **fields: str) -> str:
    """The form Slack POSTs for a slash command."""
    form = {
        "token": "legacy-verification-token",
        "team_id": "T0001",
        "team_domain": "lab",
        "channel_id": "C0001",
        "channel_name": "journal-club",
        "user_id": "U0001",
        "user_name": "ada",
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    form.update(fields)
    return urlencode(form)


def action_body(
    action_id: str,
    value: str,
    response_url: str,
    message: dict[str, Any] | None = None,
    block_id: str = "actions",
    channel: str = "C0001",
    team: str = "T0001",
    user: str = "U0001",
) -> str:
    """The form Slack POSTs when someone clicks a button (`payload=<json>`)."""
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "lab"},
        "user": {"id": user, "username": "ada", "team_id": team},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": (message or {}).get("ts", "1700000000.000100"),
            "channel_id": channel,
            "is_ephemeral": message is None,
        },
        "trigger_id": "1.2.3",
        "channel": {"id": channel, "name": "journal-club"},
        "message": message or {},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
