"""Tables for subscribers, subscriptions, digests and the delivery ledger.

The ledger is the source of truth for "never twice, never lost": a digest row is claimed
(unique per subscription and period) and its items recorded *before* anything is sent;
every attempt is a row; an item counts as delivered only once a channel accepted it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, JSONType, UTCDateTime, utcnow


class Subscriber(Base):
    """Where digests go: one `Target` (a channel kind and its address)."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<kind>:<address>" (email:ada@x.org, slack:T123:C456, webhook:https://…): one row each
    key: Mapped[str] = mapped_column(String(2100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(2000))
    # emails added by someone other than their owner stay unconfirmed until the link is used
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """What one subscriber follows, how much of it, and when."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    top: Mapped[int | None] = mapped_column(Integer, default=10)
    min_percentile: Mapped[float | None] = mapped_column(Float)
    min_probability: Mapped[float | None] = mapped_column(Float)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    exclude: Mapped[list[str]] = mapped_column(JSONType, default=list)
    servers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cadence: Mapped[str] = mapped_column(String(10), default="weekly")
    day: Mapped[str] = mapped_column(String(3), default="mon")
    time: Mapped[str] = mapped_column(String(5), default="08:00")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    lookback_days: Mapped[int] = mapped_column(Integer, default=7)
    # instant alerts: at most this many a local day, none during the quiet hours
    max_per_day: Mapped[int] = mapped_column(Integer, default=5)
    quiet: Mapped[str | None] = mapped_column(String(11))  # "22:00-07:00", local time
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once unsubscribed
    paused_reason: Mapped[str | None] = mapped_column(Text)  # set by permanent failures
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # who to tell about problems: "slack:<team>:<user>", "email:<address>", or "cli"
    owner: Mapped[str] = mapped_column(String(400), default="cli")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubscriptionProfile(Base):
    """A journal or custom profile followed by a subscription."""

    __tablename__ = "subscription_profiles"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DigestRow(Base):
    """One subscription's digest for one period; the unique key is the claim."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))  # local date of the slot, e.g. 2026-10-26
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # building -> pending -> sent | failed; skipped when there was nothing to send
    status: Mapped[str] = mapped_column(String(20), default="building")
    n_items: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    message_id: Mapped[str | None] = mapped_column(String(300))  # stable across retries
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a short lease so two processes never send the same digest at once
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("subscription_id", "period"),
        Index("ix_digests_status_retry_at", "status", "retry_at"),
    )


class DigestItem(Base):
    """A preprint in a digest; `delivered_at` is set only after the channel accepted it."""

    __tablename__ = "digest_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    preprint_id: Mapped[str] = mapped_column(ForeignKey("preprints.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(Float)
    # fingerprint of the normalised title + abstract sent, to tell material updates apart
    text_fingerprint: Mapped[str] = mapped_column(String(64))
    updated: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("digest_id", "preprint_id"),
        Index("ix_digest_items_subscriber_preprint", "subscriber_id", "preprint_id"),
    )


class DeliveryAttempt(Base):
    """Every attempt to hand a digest (or a notice) to a channel, with its outcome."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("digests.id", ondelete="CASCADE"), index=True
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))  # channel kind: email, slack, console
    purpose: Mapped[str] = mapped_column(String(20), default="digest")  # or confirm, notice
    # started (written before the send) -> accepted | temporary | permanent
    outcome: Mapped[str] = mapped_column(String(20), default="started")
    error: Mapped[str | None] = mapped_column(Text)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(300))  # e.g. Slack message ts
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(Base):
    """A 👍/👎 on a delivered preprint, one per person per subscription and preprint.

    Votes belong to the subscription they were cast on (its re-ranking reads them); they go
    with it when it is stopped or deleted, and never reach another subscription.
    """

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    preprint_id: Mapped[str] = mapped_column(ForeignKey("preprints.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    digest_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_items.id", ondelete="SET NULL")
    )
    # None only for votes cast before votes belonged to subscriptions (0011_feedback)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    voter: Mapped[str] = mapped_column(String(100))  # Slack user id or email address
    value: Mapped[int] = mapped_column(Integer)  # +1 relevant, -1 not relevant
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("subscription_id", "preprint_id", "voter"),)


class UsedVoteToken(Base):
    """An email vote link that was used: a second use (a replay) changes nothing."""

    __tablename__ = "used_vote_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PreferenceFit(Base):
    """A subscription's feedback adjustment, fitted when its votes changed (a cache: a
    digest whose votes hash to another key fits its own and ignores this row)."""

    __tablename__ = "preference_fits"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64))  # sha-256 of what it was fitted from
    # little-endian arrays: int64 columns, float64 weights and their 👍 and 👎 parts
    columns: Mapped[bytes] = mapped_column(LargeBinary)
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    up: Mapped[bytes] = mapped_column(LargeBinary)
    down: Mapped[bytes] = mapped_column(LargeBinary)
    steps: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
