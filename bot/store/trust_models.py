"""Tables that let an operator trust delivery: which channels are failing, who is alive.

- `channel_health`: one row per channel kind that is failing for a reason on the operator's
  side (SMTP password, server down, Slack token); no row means the channel works (or was not
  tried yet). `status`, `check` and /healthz read it.
- `delivery_instances`: every process that sends digests, with a heartbeat. A lease held by
  an instance whose heartbeat is stale is free to take: the holder is dead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime


class ChannelHealth(Base):
    __tablename__ = "channel_health"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    failing_since: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryInstance(Base):
    __tablename__ = "delivery_instances"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
