"""What one digest's delivery came to, as `send-due` reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.records.target import Target


@dataclass(frozen=True)
class DeliveryResult:
    subscription: int
    period: str
    target: Target
    status: str  # sent | failed | pending | skipped
    items: int
    error: str | None = None
    retry_at: datetime | None = None
    message_id: str | None = None
    channel_failing: bool = False  # the channel itself failed (operator side), not this digest

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "period": self.period,
            "target": self.target.to_json(),
            "status": self.status,
            "items": self.items,
            "error": self.error,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "message_id": self.message_id,
            "channel_failing": self.channel_failing,
        }
