"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records messages and can refuse them.

    with SmtpPeer() as smtp:
        smtp.refuse_rcpt["bad@example.org"] = "550 5.1.1 No such user"
        smtp.fail_data = ["451 4.3.0 Try again later"]   # next DATA replies, in order
        smtp.hold_data = 30.0   # sit on each message (a crash window), then 451 it
        ... send ...
        smtp.messages  # list[email.message.EmailMessage], parsed on first read
        smtp.raw       # the same messages as bytes, as they arrived (cheap to count)

    SmtpPeer(security="starttls", cert=ca.issue_cert("127.0.0.1"), users={"ada": "pw"})
        offers (and requires) STARTTLS, or speaks TLS from the first byte with "ssl"; with
        `users`, AUTH LOGIN/PLAIN is required, over TLS only. `tls_sessions` counts the
        messages that arrived over TLS, `logins` the accepted user names.

aiosmtpd cannot bind port 0, so a free port is picked first; hostname is given so it
binds IPv4 rather than ::1.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

if TYPE_CHECKING:
    import trustme


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
        if self.peer.hold_data:
            with self.peer.lock:
                self.peer.data_held += 1
            await asyncio.sleep(self.peer.hold_data)
            return "451 4.3.0 Held too long, try again later"  # nothing kept
        with self.peer.lock:
            if self.peer.fail_data:
                return self.peer.fail_data.pop(0)
            # STARTTLS marks the session; implicit TLS shows on the transport.
            transport = getattr(server, "transport", None)
            over_tls = transport is not None and transport.get_extra_info("ssl_object")
            if session.ssl is not None or over_tls:
                self.peer.tls_sessions += 1
            # parsed when a test reads `messages`, not here: the sender waits for this reply
            self.peer.raw.append(envelope.content)
            self.peer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpPeer:
    def __init__(
        self,
        security: str = "none",
        cert: trustme.LeafCert | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.security = security
        self.raw: list[bytes] = []
        self._parsed: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.fail_data: list[str] = []
        self.rcpt_delay = 0.0  # seconds before answering RCPT (slow servers, crash windows)
        self.rcpts_started = 0  # RCPT commands received, answered or not
        self.hold_data = 0.0  # seconds to sit on a whole message, then 451 (nothing kept)
        self.data_held = 0  # messages held that way
        self.tls_sessions = 0  # messages received over TLS
        self.logins: list[str] = []
        self.users = users
        self.lock = threading.Lock()
        self.connections = 0
        options: dict[str, Any] = {}
        if security != "none":
            if cert is None:
                raise ValueError("a TLS peer needs a certificate (trustme CA.issue_cert)")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            if security == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        if users is not None:
            options.update(authenticator=self._authenticate, auth_require_tls=True)
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **options
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.users is None:
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode()
        ok = self.users.get(user) == auth_data.password.decode()
        if ok:
            with self.lock:
                self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    @property
    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed (each once, on the first read after it came)."""
        with self.lock:
            for content in self.raw[len(self._parsed) :]:
                self._parsed.append(message_from_bytes(content, policy=policy.default))
            return list(self._parsed)

    def env(self) -> dict[str, str]:
        return {
            "RXRADAR_SMTP_HOST": "127.0.0.1",
            "RXRADAR_SMTP_PORT": str(self.port),
            "RXRADAR_SMTP_SECURITY": self.security,
            "RXRADAR_SMTP_FROM": "rxradar digests <digests@rxradar.test>",
            "RXRADAR_SMTP_TIMEOUT": "5",
        }

    def __enter__(self) -> SmtpPeer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


def part_text(message: EmailMessage, subtype: str = "plain") -> str:
    """The text of a received message's text/<subtype> part (the test fails without one)."""
    body = message.get_body((subtype,))
    assert body is not None, f"the message has no text/{subtype} part"
    return str(body.get_content())
