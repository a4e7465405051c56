"""Which channels exist. Adding a channel is one module with a `SPEC` and one line here.

`live` opens the real channel of every kind that is configured; a kind that is not keeps
its digests pending (a temporary failure naming what to set) until it is. The console is
only ever the explicit dry run (`dry_run`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TextIO

from bot.channels import email, slack, webhook
from bot.channels.base import Channel, ChannelSpec, DeliveryError, Message, Receipt
from bot.channels.console import ConsoleChannel
from bot.config import Settings
from bot.records.target import Target, TargetError
from bot.store import Store

CHANNELS: tuple[ChannelSpec, ...] = (email.SPEC, slack.SPEC, webhook.SPEC)
SPECS: Mapping[str, ChannelSpec] = {spec.kind: spec for spec in CHANNELS}
# `--show` in dry runs: any channel's rendering of a message, whatever its target
SHOWS: Mapping[str, Callable[[Message], str]] = {
    "text": email.preview_text,
    "html": email.preview_html,
    **{spec.kind: spec.preview for spec in CHANNELS if spec.kind != "email"},
}


def spec(kind: str) -> ChannelSpec:
    found = SPECS.get(kind)
    if found is None:
        raise TargetError(f"no channel delivers to {kind!r}; use one of: {', '.join(SPECS)}")
    return found


def parse_target(text: str) -> Target:
    """`email:ada@x.org`, `slack:T0123:C0456`, `webhook:https://…` as a checked Target."""
    kind, sep, address = text.strip().partition(":")
    if not sep:
        raise TargetError(
            f"{text!r} is not a target: write KIND:ADDRESS with KIND one of {', '.join(SPECS)}"
        )
    return Target(kind.lower(), spec(kind.lower()).parse_address(address))


class Unconfigured:
    """Stands in for a channel that is not set up: everything stays pending."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason

    def send(self, message: Message) -> Receipt:
        raise DeliveryError(False, self.reason, operator=True)

    def close(self) -> None:
        return None


class Registry:
    """Opens one channel per target kind for a batch of messages."""

    def __init__(self, openers: Mapping[str, Callable[[], Channel]]) -> None:
        self.openers = dict(openers)

    def open(self, kind: str) -> Channel:
        opener = self.openers.get(kind)
        if opener is None:
            return Unconfigured(kind, f"no channel delivers to {kind!r} targets")
        return opener()


def _live_opener(kind: str, settings: Settings, store: Store) -> Callable[[], Channel]:
    channel = SPECS[kind]
    reason = channel.missing(settings)
    if reason is not None:
        return lambda: Unconfigured(kind, reason)
    return lambda: channel.open(settings, store)


def live(settings: Settings, store: Store) -> Registry:
    return Registry({kind: _live_opener(kind, settings, store) for kind in SPECS})


def configured(settings: Settings, kind: str) -> bool:
    return spec(kind).missing(settings) is None


def dry_run(out: TextIO | None = None, err: TextIO | None = None, show: str = "") -> Registry:
    """Every kind prints to the console: its own rendering, or the one `show` names."""

    def opener(kind: str) -> Callable[[], Channel]:
        preview = SHOWS[show] if show else SPECS[kind].preview
        return lambda: ConsoleChannel(preview, out, err)

    return Registry({kind: opener(kind) for kind in SPECS})
