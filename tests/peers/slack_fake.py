"""A threaded local fake of the Slack Web API, strict where Slack is strict.

    with SlackFake(token="xoxb-test") as slack:
        slack.add_channel("C0123", name="preprints")
        client = WebClient(token="xoxb-test", base_url=slack.url)
        slack.fail("chat.postMessage", error="channel_not_found")   # next call only
        slack.fail("chat.postMessage", status=500, times=3)          # a 5xx storm
        slack.calls                                                  # every request
        slack.messages("C0123")                                      # accepted posts

It checks the Bearer token, required fields, Block Kit limits (50 blocks, section text
3,000, header 150, ≤10 fields, ≤25 actions, button text 75 / value 2,000 / url 3,000,
action_id/block_id 255 and unique block_ids), knows channels (archived, bot not a
member), and allows about one message per second per channel (429 + Retry-After).
Methods: auth.test, chat.postMessage, chat.update, chat.postEphemeral,
conversations.info, conversations.history, users.info, oauth.v2.access (client id and
secret by HTTP Basic auth, as slack_sdk sends them; each install mints a bot token that
is then accepted too). Other helpers extend `handlers`.

`response_url(name)` is a URL on the fake where the app can answer a slash command or a
click (as Slack's response_url); what arrives is in `responses(name)`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

Json = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Json
    token: str | None
    status: int = 200
    response: Json = field(default_factory=dict)


@dataclass
class FakeChannel:
    id: str
    name: str
    is_archived: bool = False
    is_member: bool = True
    messages: list[Json] = field(default_factory=list)


@dataclass
class _Failure:
    error: str | None
    status: int
    times: int
    headers: dict[str, str]
    after: int = 0  # let this many calls through first


class BlockKitError(ValueError):
    pass


def _check_len(value: Any, limit: int, what: str) -> None:
    if isinstance(value, str) and len(value) > limit:
        raise BlockKitError(f"{what} is {len(value)} characters, the limit is {limit}")


def _check_text(obj: Any, limit: int, what: str, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise BlockKitError(f"{what} must be a text object")
    if plain_only and obj["type"] != "plain_text":
        raise BlockKitError(f"{what} must be plain_text")
    if not obj.get("text"):
        raise BlockKitError(f"{what} is empty")
    _check_len(obj["text"], limit, what)


def _check_element(element: Json) -> None:
    _check_len(element.get("action_id"), 255, "action_id")
    if element.get("type") == "button":
        _check_text(element.get("text"), 75, "button text", plain_only=True)
        _check_len(element.get("value"), 2000, "button value")
        _check_len(element.get("url"), 3000, "button url")


def _check_block(block: Json) -> None:
    kind = block.get("type")
    _check_len(block.get("block_id"), 255, "block_id")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            raise BlockKitError("a section needs text or fields")
        if "text" in block:
            _check_text(block["text"], 3000, "section text")
        fields = block.get("fields", [])
        if len(fields) > 10:
            raise BlockKitError("a section has at most 10 fields")
        for item in fields:
            _check_text(item, 2000, "section field")
    elif kind == "header":
        _check_text(block.get("text"), 150, "header text", plain_only=True)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            raise BlockKitError("an actions block has 1 to 25 elements")
        for element in elements:
            _check_element(element)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            raise BlockKitError("a context block has 1 to 10 elements")
    elif kind not in ("divider", "image", "rich_text", "input", "file", "video"):
        raise BlockKitError(f"unknown block type {kind!r}")


def check_blocks(blocks: Any) -> None:
    """Raise BlockKitError when `blocks` would be refused by Slack (invalid_blocks)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list):
        raise BlockKitError("blocks must be an array")
    if len(blocks) > 50:
        raise BlockKitError(f"{len(blocks)} blocks, the limit is 50")
    ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(ids) != len(set(ids)):
        raise BlockKitError("block_id values must be unique within a message")
    for block in blocks:
        _check_block(block)


class SlackFake:
    def __init__(self, token: str = "xoxb-test-token", min_interval: float = 1.0) -> None:
        self.token = token
        self.min_interval = min_interval  # seconds between posts to one channel
        self.team_id = "T0TEST"
        self.channels: dict[str, FakeChannel] = {}
        self.users: set[str] = set()
        self.calls: list[Call] = []
        self.handlers: dict[str, Callable[[Json], Json]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
            "views.open": self._views_open,
        }
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self.open_methods = {"oauth.v2.access"}  # authenticated by client id/secret instead
        self.tokens: set[str] = set()  # further accepted tokens (e.g. minted by installs)
        self.user_tz: dict[str, str] = {}
        self.admins: set[str] = set()  # users.info says is_admin for these
        self.oauth_clients: dict[str, str] = {}  # client id -> secret
        self.oauth_codes: dict[str, str] = {}  # code -> team id it installs into
        self._responses: dict[str, list[Json]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._last_post: dict[str, float] = {}
        self._ts = time.time()
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- set-up -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def add_channel(self, channel_id: str, name: str = "", **flags: bool) -> FakeChannel:
        channel = FakeChannel(
            channel_id,
            name or channel_id.lower(),
            is_archived=flags.get("is_archived", False),
            is_member=flags.get("is_member", True),
        )
        self.channels[channel_id] = channel
        return channel

    def add_user(self, user_id: str) -> None:
        self.users.add(user_id)

    def fail(
        self,
        method: str,
        error: str | None = None,
        status: int = 200,
        times: int = 1,
        headers: dict[str, str] | None = None,
        after: int = 0,
    ) -> None:
        """Answer `times` calls of `method` (after letting `after` through) with an error
        (or a bare HTTP status)."""
        failure = _Failure(error, status, times, headers or {}, after)
        self._failures.setdefault(method, []).append(failure)

    def messages(self, channel: str) -> list[Json]:
        return list(self.channels[channel].messages) if channel in self.channels else []

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{name}"

    def responses(self, name: str) -> list[Json]:
        with self._lock:
            return list(self._responses.get(name, []))

    def __enter__(self) -> SlackFake:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- methods ------------------------------------------------------------------------
    def _next_ts(self) -> str:
        self._ts += 0.000100
        return f"{self._ts:.6f}"

    def _auth_test(self, params: Json) -> Json:
        return {"ok": True, "team_id": self.team_id, "user_id": "UBOT", "bot_id": "BBOT"}

    def _channel(self, params: Json) -> FakeChannel | Json:
        channel_id = params.get("channel")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        channel = self.channels.get(channel_id)
        if channel is None and channel_id in self.users:  # a DM to a user
            channel = self.add_channel(channel_id, f"dm-{channel_id}")
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        return channel

    def _message_params(self, params: Json) -> Json | None:
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if params.get("blocks"):
            try:
                check_blocks(params["blocks"])
            except (BlockKitError, ValueError) as exc:
                return {"ok": False, "error": "invalid_blocks", "errors": [str(exc)]}
        return None

    def _post_message(self, params: Json) -> Json:
        found = self._channel(params)
        if not isinstance(found, FakeChannel):
            return found
        problem = self._message_params(params)
        if problem:
            return problem
        now = time.monotonic()
        last = self._last_post.get(found.id)
        if last is not None and now - last < self.min_interval:
            return {
                "ok": False,
                "error": "ratelimited",
                "_status": 429,
                "_headers": {"Retry-After": "1"},
            }
        self._last_post[found.id] = now
        message = {**params, "ts": self._next_ts()}
        found.messages.append(message)
        return {"ok": True, "channel": found.id, "ts": message["ts"], "message": message}

    def _post_ephemeral(self, params: Json) -> Json:
        found = self._channel(params)
        if not isinstance(found, FakeChannel):
            return found
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return self._message_params(params) or {"ok": True, "message_ts": self._next_ts()}

    def _update(self, params: Json) -> Json:
        found = self._channel(params)
        if not isinstance(found, FakeChannel):
            return found
        for message in found.messages:
            if message["ts"] == params.get("ts"):
                problem = self._message_params(params)
                if problem:
                    return problem
                message.update({k: v for k, v in params.items() if k != "ts"})
                return {"ok": True, "channel": found.id, "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _conversations_info(self, params: Json) -> Json:
        channel = self.channels.get(params.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_archived": channel.is_archived,
                "is_member": channel.is_member,
            },
        }

    def _users_info(self, params: Json) -> Json:
        user = params.get("user")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        tz = self.user_tz.get(user, "UTC")
        info = {"id": user, "name": user.lower(), "real_name": user, "tz": tz}
        return {"ok": True, "user": {**info, "is_admin": user in self.admins}}

    def _oauth_v2_access(self, params: Json) -> Json:
        try:
            client_id, secret = base64.b64decode(params.pop("_basic", "")).decode().split(":", 1)
        except ValueError:
            return {"ok": False, "error": "invalid_client_id"}
        if self.oauth_clients.get(client_id) != secret:
            return {"ok": False, "error": "invalid_client_id"}
        team = self.oauth_codes.pop(params.get("code", ""), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{team}-installed"
        self.tokens.add(token)
        return {
            "ok": True, "app_id": "A0TEST", "token_type": "bot", "access_token": token,
            "scope": "chat:write,commands,users:read", "bot_user_id": "UBOT",
            "team": {"id": team, "name": f"Team {team}"}, "enterprise": None,
            "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"},
        }  # fmt: skip

    def _apps_connections_open(self, params: Json) -> Json:
        if self.socket_url is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_url}

    def _record_response(self, name: str, raw: bytes) -> None:
        with self._lock:
            self._responses.setdefault(name, []).append(json.loads(raw or b"{}"))

    def _conversations_history(self, params: Json) -> Json:
        found = self._channel(params)
        if not isinstance(found, FakeChannel):
            return found
        newest_first = list(reversed(found.messages))
        return {"ok": True, "messages": newest_first[: int(params.get("limit") or 100)]}

    def _views_open(self, params: Json) -> Json:
        """A modal: needs a trigger id and a modal view within Block Kit's limits."""
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        check_blocks(view.get("blocks"))
        return {"ok": True, "view": {**view, "id": "V0001", "team_id": self.team_id}}

    def _conversations_replies(self, params: Json) -> Json:
        found = self._channel(params)
        if not isinstance(found, FakeChannel):
            return found
        ts = params.get("ts")
        thread = [m for m in found.messages if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread[: int(params.get("limit") or 100)]}

    # --- HTTP ---------------------------------------------------------------------------
    def _answer(
        self, method: str, params: Json, token: str | None
    ) -> tuple[int, Json, dict[str, str]]:
        with self._lock:
            queued = self._failures.get(method)
            if queued and queued[0].after > 0:
                queued[0].after -= 1
                queued = None
            if queued:
                failure = queued[0]
                failure.times -= 1
                if failure.times <= 0:
                    queued.pop(0)
                body: Json = {"ok": False, "error": failure.error or "internal_error"}
                result = (failure.status, body, failure.headers)
            elif (
                token != self.token
                and token not in self.tokens
                and (method not in self.open_methods)
            ):
                result = (200, {"ok": False, "error": "invalid_auth"}, {})
            elif method == "apps.connections.open" and not (token or "").startswith("xapp-"):
                result = (200, {"ok": False, "error": "not_allowed_token_type"}, {})
            elif method not in self.handlers:
                result = (404, {"ok": False, "error": "unknown_method"}, {})
            else:
                body = self.handlers[method](params)
                status = body.pop("_status", 200)
                result = (status, body, body.pop("_headers", {}))
            self.calls.append(Call(method, params, token, result[0], result[1]))
            return result

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path.startswith("/response/"):
                    fake._record_response(self.path.removeprefix("/response/"), raw)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                params = _params(raw, self.headers.get("Content-Type", ""))
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    params["_basic"] = auth.removeprefix("Basic ").strip()
                token = auth.removeprefix("Bearer ").strip() or params.pop("token", None)
                method = self.path.split("?")[0].rsplit("/", 1)[-1]
                status, body, headers = fake._answer(method, params, token)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        return Handler


def _params(raw: bytes, content_type: str) -> Json:
    if "json" in content_type:
        return json.loads(raw or b"{}")
    parsed = parse_qs(raw.decode(), keep_blank_values=True)
    params: Json = {k: v[0] for k, v in parsed.items()}
    for key in ("blocks", "metadata", "attachments"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
