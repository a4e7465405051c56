"""One small interface for every delivery channel, and one error type.

A channel is handed a `Message` — a built digest with its links, or a notice — renders it
in its own format, and either returns a `Receipt` (the remote side accepted it) or raises
`DeliveryError`, which says whether the problem is permanent (pause the subscription, tell
the owner) or temporary (retry on a later run). Channels are opened for a batch and closed
after it, so email can reuse one SMTP connection.

A channel module exports a `SPEC` (`ChannelSpec`): how to open it, what it needs to be
configured, how to read its target addresses, and how to preview a message for dry runs.
The registry lists the specs; nothing else knows which channels exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import urlsplit

from bot.config import Settings
from bot.digest import wording
from bot.records.digest import Digest
from bot.records.target import Target
from bot.store import Store


@dataclass(frozen=True)
class DigestLinks:
    unsubscribe_url: str  # the signed page where the subscriber can stop the digest
    # preprint id -> (more like this, less like this): signed one-button vote pages (email)
    vote_urls: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    feedback_reset_url: str = ""  # the signed page that forgets the subscription's votes


@dataclass(frozen=True)
class DigestBody:
    digest: Digest
    links: DigestLinks
    cadence: str = "weekly"  # daily | weekly: how the footer names the digest


@dataclass(frozen=True)
class Notice:
    """A message about a subscription: `templates/notices/<name>.txt.j2` (and `.html.j2`)."""

    name: str
    subject: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    target: Target
    body: DigestBody | Notice
    message_id: str  # stable per delivery: a retry reuses it (email's Message-ID)
    reference: Mapping[str, str] = field(default_factory=dict)  # {"digest": "12", …}
    retry: bool = False  # an earlier attempt may have got through (after a crash)

    @property
    def subject(self) -> str:
        if isinstance(self.body, Notice):
            return self.body.subject
        return wording.subject(self.body.digest)


def new_message_id(public_url: str) -> str:
    """A fresh `<…@host>` id in our public domain; stored with the delivery."""
    domain = urlsplit(public_url).hostname or "rxradar.localhost"
    return make_msgid(idstring="rxradar", domain=domain)


@dataclass(frozen=True)
class Receipt:
    message_id: str | None = None
    external_id: str | None = None  # e.g. the Slack ts of the first message
    detail: str = ""


class DeliveryError(Exception):
    """The channel did not accept the message. Whose fault it is decides what happens:

    - `operator`: the channel itself is broken (wrong SMTP password, server down, TLS
      misconfigured, not configured at all, a revoked single-workspace token). No
      subscription is paused; the channel is marked failing and everything waits for it.
    - `permanent` (recipient side): this target will not take messages (550, channel
      archived): its subscription is paused, or every subscription whose target key starts
      with `group` (a whole Slack workspace whose install was revoked).
    - neither: temporary for this message; retried on a later run.
    """

    def __init__(
        self, permanent: bool, reason: str, *, operator: bool = False, group: str | None = None
    ) -> None:
        super().__init__(reason)
        self.permanent = permanent and not operator
        self.reason = reason
        self.operator = operator
        self.group = group


class Channel(Protocol):
    kind: str

    def send(self, message: Message) -> Receipt: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ChannelSpec:
    kind: str
    open: Callable[[Settings, Store], Channel]
    missing: Callable[[Settings], str | None]  # what to set before it can send; None: ready
    parse_address: Callable[[str], str]  # raises TargetError with what to write instead
    preview: Callable[[Message], str]  # the rendered message as text, for dry runs
    confirm_first: bool = False  # an address given by someone else must confirm first
