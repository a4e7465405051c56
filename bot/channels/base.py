"""One small interface for every delivery channel, and one error type.

A channel takes a `DigestMessage` (already rendered for every channel kind) and either
returns a `Receipt` (the remote side accepted it) or raises `DeliveryError`, which says
whether the problem is permanent (pause the subscription, tell the owner) or temporary
(retry on a later run). Channels are opened for a batch and closed after it, so email can
reuse one SMTP connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.digest.model import Target
from bot.digest.render import SlackPost


@dataclass(frozen=True)
class DigestMessage:
    target: Target
    subject: str
    text: str  # plain text (email part, console)
    html: str | None = None  # email HTML part
    slack: tuple[SlackPost, ...] = ()  # first message, then threaded follow-ups
    message_id: str | None = None  # stable per delivery: retries reuse it
    unsubscribe_url: str | None = None  # RFC 8058 one-click target
    reference: dict[str, Any] = field(default_factory=dict)  # e.g. {"digest": 12}


@dataclass(frozen=True)
class Receipt:
    message_id: str | None = None
    external_id: str | None = None  # Slack ts of the first message
    detail: str = ""


class DeliveryError(Exception):
    """The channel did not accept the message. `permanent` decides pause vs retry."""

    def __init__(self, permanent: bool, reason: str) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.reason = reason


class Channel(Protocol):
    kind: str

    def send(self, message: DigestMessage) -> Receipt: ...

    def close(self) -> None: ...
