"""A scriptable local HTTP server (127.0.0.1, OS-chosen port) standing in for feeds and APIs.

    with LocalServer() as server:
        server.route("/feed.xml", Reply(body=xml_bytes, headers={"Content-Type": "..."}))
        server.route("/moved", Reply(status=301, headers={"Location": "/feed.xml"}))
        server.route("/api/pubs/biorxiv/", handler)   # prefix match when the path ends in '/'
        url = server.url("/feed.xml")

Routes can be replies, lists of replies (served in order, the last one repeats), or callables
taking a `Request` and returning a `Reply`. Every request is recorded in `server.requests`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (for timeouts)
    chunk_delay: float = 0.0  # seconds between 64 KiB chunks (slow bodies)
    trickle: float = 0.0  # seconds between single bytes of the whole answer, headers too


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Route = Reply | list[Reply] | Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # the default backlog of 5 makes the 6th concurrent connect wait for a SYN retry (1 s),
    # past the 0.5 s connect timeouts some tests use on a loaded machine
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that drop a keep-alive connection are normal here, not test failures."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        super().handle_error(request, client_address)


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, reply: Route) -> None:
        with self._lock:
            self.routes[path] = reply

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path or r.path.startswith(path)]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _find(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            route = self.routes.get(request.path)
            if route is None:
                prefixes = [
                    p for p in self.routes if p.endswith("/") and request.path.startswith(p)
                ]
                if prefixes:
                    route = self.routes[max(prefixes, key=len)]
            if route is None:
                return Reply(status=404, body=b"not found")
            if isinstance(route, list):
                reply = route.pop(0) if len(route) > 1 else route[0]
                return reply
        if isinstance(route, Reply):
            return route
        return route(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                reply = server._find(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                if reply.trickle:
                    self._trickle(reply, payload)
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if "content-length" not in {k.lower() for k in reply.headers}:
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command == "HEAD":
                        return
                    step = 65536
                    for start in range(0, len(payload), step):
                        self.wfile.write(payload[start : start + step])
                        if reply.chunk_delay:
                            time.sleep(reply.chunk_delay)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def _trickle(self, reply: Reply, payload: bytes) -> None:
                head = f"HTTP/1.1 {reply.status} OK\r\nContent-Length: {len(payload)}\r\n"
                lines = "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items())
                raw = (head + lines + "\r\n").encode() + payload
                try:
                    for index in range(len(raw)):
                        self.wfile.write(raw[index : index + 1])
                        time.sleep(reply.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    return

            do_GET = _serve
            do_POST = _serve
            do_HEAD = _serve

        return Handler
