"""Prints what would be sent instead of sending it: this is `--dry-run`."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.channels.base import DigestMessage, Receipt


class ConsoleChannel:
    kind = "console"

    def __init__(self, stream: TextIO | None = None, show: str = "text") -> None:
        self.stream = stream or sys.stdout
        self.show = show  # "text" (email text part / Slack fallback) or "slack" (blocks JSON)

    def send(self, message: DigestMessage) -> Receipt:
        out = self.stream
        out.write(f"=== to {message.target.describe()}: {message.subject}\n")
        if message.message_id:
            out.write(f"Message-ID: {message.message_id}\n")
        if self.show == "slack" and message.slack:
            payload = [{"text": p.text, "blocks": list(p.blocks)} for p in message.slack]
            out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        else:
            out.write(message.text.rstrip("\n") + "\n")
        out.write("=== end\n")
        out.flush()
        return Receipt(message_id=message.message_id, detail="printed, not sent")

    def close(self) -> None:
        return None
