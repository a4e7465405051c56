"""A header-read timeout for `rxradar serve`: uvicorn's h11 protocol has none.

Without it a client that sends part of a request line and stalls keeps its connection (and
file descriptor) forever; a few hundred such clients use up the process's descriptors and
the server accepts nothing more. Here a connection whose request headers are not complete
HEADERS_TIMEOUT seconds after it opened (or after its previous response) is closed.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_TIMEOUT = 10.0  # seconds a client has to send a request's line and headers


class HeadersTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that never finish their request headers."""

    _headers_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_headers_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_headers_timer()  # the next request on a kept-alive connection, too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._headers_timer is not None:
            self._headers_timer.cancel()
        super().connection_lost(exc)

    def _arm_headers_timer(self) -> None:
        if self._headers_timer is not None:
            self._headers_timer.cancel()
        self._headers_timer = self.loop.call_later(HEADERS_TIMEOUT, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        waiting_for_headers = self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )
        if waiting_for_headers and not self.transport.is_closing():
            self.transport.close()
