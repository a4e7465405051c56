"""Prints what would be sent instead of sending it: the dry run.

The rendered message goes to `out` and nothing else does, so it can be piped; a header
naming the target and subject goes to `err`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.base import Message, Receipt


class ConsoleChannel:
    kind = "console"

    def __init__(
        self,
        preview: Callable[[Message], str],
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.preview = preview
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def send(self, message: Message) -> Receipt:
        self.err.write(f"=== to {message.target.describe()}: {message.subject}\n")
        self.err.flush()
        self.out.write(self.preview(message).rstrip("\n") + "\n")
        self.out.flush()
        return Receipt(message_id=message.message_id, detail="printed, not sent")

    def close(self) -> None:
        return None
