"""Slack's side of a Socket Mode websocket, on 127.0.0.1 (ws://, as Slack's SDK allows for
ports other than 443).

    with SocketModePeer() as slack_ws:
        fake.add_socket_url(slack_ws.url)        # apps.connections.open answers with it
        ... the app connects; slack_ws.wait_connected()
        slack_ws.push({"envelope_id": "e1", "type": "slash_commands", "payload": {...}})
        ack = slack_ws.ack("e1")                 # what the app sent back for that envelope

The shape of the messages (hello, envelopes, acknowledgements with an optional payload)
follows Slack's Socket Mode documentation.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.peers.waiting import wait_for

Json = dict[str, Any]


class SocketModePeer:
    def __init__(self) -> None:
        self.received: list[Json] = []  # every message the app sent, parsed
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self._clients: set[ServerConnection] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=test"

    def __enter__(self) -> SocketModePeer:
        self._thread.start()

        async def start() -> Server:
            return await serve(self._handle, "127.0.0.1", 0)

        self._server = self._run(start())
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.close()
            self._run(self._server.wait_closed())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
            self._clients.add(connection)
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-test", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "A0001"},
        }
        await connection.send(json.dumps(hello))
        try:
            async for message in connection:
                with self._lock:
                    self.received.append(json.loads(message))
        except ConnectionClosed:
            pass  # the app went away without a close frame: what a killed process does
        finally:
            with self._lock:
                self._clients.discard(connection)

    def wait_connected(self, timeout: float = 10.0) -> None:
        wait_for(lambda: self._clients, timeout, "the app to open the websocket")

    def push(self, envelope: Json) -> None:
        """Send one envelope to every connected client (Slack picks one; we have one)."""
        with self._lock:
            clients = list(self._clients)

        async def send() -> None:
            for client in clients:
                await client.send(json.dumps(envelope))

        self._run(send())

    def ack(self, envelope_id: str, timeout: float = 10.0) -> Json:
        """The app's acknowledgement of `envelope_id` (waits for it)."""

        def find() -> Json | None:
            with self._lock:
                return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        found = wait_for(find, timeout, f"the acknowledgement of envelope {envelope_id}")
        return found
