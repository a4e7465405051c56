"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records messages and can refuse them.

    with SmtpPeer() as smtp:
        smtp.refuse_rcpt["bad@example.org"] = "550 5.1.1 No such user"
        smtp.fail_data = ["451 4.3.0 Try again later"]   # next DATA replies, in order
        ... send ...
        smtp.messages  # list[email.message.EmailMessage]

aiosmtpd cannot bind port 0, so a free port is picked first; hostname is given so it
binds IPv4 rather than ::1.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, peer: SmtpPeer) -> None:
        self.peer = peer

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.peer.lock:
            self.peer.connections += 1  # one EHLO per SMTP session
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.peer.lock:
            self.peer.rcpts_started += 1
        if self.peer.rcpt_delay:
            await asyncio.sleep(self.peer.rcpt_delay)
        refusal = self.peer.refuse_rcpt.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.peer.lock:
            if self.peer.fail_data:
                return self.peer.fail_data.pop(0)
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            self.peer.messages.append(parsed)  # type: ignore[arg-type]
            self.peer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpPeer:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.fail_data: list[str] = []
        self.rcpt_delay = 0.0  # seconds before answering RCPT (slow servers, crash windows)
        self.rcpts_started = 0  # RCPT commands received, answered or not
        self.lock = threading.Lock()
        self.connections = 0
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def env(self) -> dict[str, str]:
        return {
            "RXRADAR_SMTP_HOST": "127.0.0.1",
            "RXRADAR_SMTP_PORT": str(self.port),
            "RXRADAR_SMTP_SECURITY": "none",
            "RXRADAR_SMTP_FROM": "rxradar digests <digests@rxradar.test>",
            "RXRADAR_SMTP_TIMEOUT": "5",
        }

    def __enter__(self) -> SmtpPeer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()
