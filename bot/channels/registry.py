"""Which channel delivers to which target kind. Adding a channel is one line here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TextIO

from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.channels.email import EmailChannel
from bot.channels.slack import SlackChannel
from bot.config import Settings

Factory = Callable[[], Channel]


class Registry:
    """Opens one channel per target kind for a batch of messages."""

    def __init__(self, factories: Mapping[str, Factory]) -> None:
        self.factories = dict(factories)

    def open(self, kind: str) -> Channel:
        factory = self.factories.get(kind)
        if factory is None:
            raise KeyError(f"no channel delivers to {kind!r} targets")
        return factory()


def live_channels(settings: Settings) -> Registry:
    return Registry(
        {
            "email": lambda: EmailChannel(settings),
            "slack": lambda: SlackChannel(settings),
        }
    )


def console_channels(stream: TextIO | None = None, show: str = "text") -> Registry:
    """Every target kind goes to the console: the dry run."""
    return Registry(
        {
            "email": lambda: ConsoleChannel(stream, show),
            "slack": lambda: ConsoleChannel(stream, show),
        }
    )
