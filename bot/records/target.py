"""Where a message goes: `Target(kind, address)`, one key per target.

The kind names a channel (email, slack, webhook, …); the address is whatever that channel
needs, as text: an email address, `TEAM:CHANNEL` for Slack, a URL for a webhook. The key
`kind:address` identifies a subscriber everywhere (database, signed links, owners).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class TargetError(ValueError):
    """Text that does not name a target; the message says what to write."""


@dataclass(frozen=True)
class Target:
    kind: str
    address: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.address}"

    @classmethod
    def from_key(cls, key: str) -> Target:
        kind, sep, address = key.partition(":")
        if not sep or not kind or not address:
            raise TargetError(f"{key!r} is not a target: write KIND:ADDRESS, e.g. email:ada@x.org")
        return cls(kind, address)

    def describe(self) -> str:
        """For people: the address; a URL shows only its host (it may carry a secret)."""
        if self.kind == "email":
            return self.address
        if "://" in self.address:
            return f"{self.kind} {urlsplit(self.address).hostname or '?'}/…"
        return f"{self.kind} {self.address}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": self.describe() if "://" in self.address
                else self.address}  # fmt: skip
