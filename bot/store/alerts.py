"""Ledger queries of instant alerts: how many a subscription had today, the roll-up.

An alert is a digest row whose period is `alert:<preprint>`, so the unique
(subscription, period) key is what makes "never twice for the same preprint" hold, and
its items are delivered and voted on like any digest's. A preprint past the daily cap
still gets its `alert:` row (status "rolled", nothing to send) and goes into the day's
`rollup:<local date>` digest instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.records.digest import ALERT_PREFIX, Digest
from bot.store.delivery_models import DigestItem, DigestRow

ROLLED = "rolled"


def alerts_since(session: Session, subscription_id: int, since: datetime) -> int:
    """Alerts (not roll-up entries) a subscription was given since `since`."""
    query = select(func.count(DigestRow.id)).where(
        DigestRow.subscription_id == subscription_id,
        DigestRow.period.startswith(ALERT_PREFIX),
        DigestRow.status != ROLLED,
        DigestRow.created_at >= since,
    )
    return int(session.scalar(query) or 0)


def alerted(session: Session, subscription_id: int, periods: list[str]) -> set[str]:
    """Which of these alert periods the subscription already has (sent, held or rolled)."""
    if not periods:
        return set()
    rows = session.scalars(
        select(DigestRow.period).where(
            DigestRow.subscription_id == subscription_id, DigestRow.period.in_(periods)
        )
    )
    return set(rows)


def mark_rolled(session: Session, digest_id: int, rollup_period: str) -> None:
    row = session.get_one(DigestRow, digest_id)
    row.status, row.payload, row.n_items = ROLLED, {"rollup": rollup_period}, 0


def release_at(session: Session, digest_id: int, when: datetime) -> None:
    """Hold a recorded alert until `when` (the end of the subscriber's quiet hours)."""
    row = session.get_one(DigestRow, digest_id)
    row.retry_at = when
    row.slot_at = when


def rollup_payload(session: Session, digest_id: int) -> dict[str, object] | None:
    """The roll-up's digest so far; None once it was sent (a new one is started)."""
    row = session.get_one(DigestRow, digest_id)
    return row.payload if row.status in ("building", "pending") else None


def rollup_id(session: Session, subscription_id: int, period: str) -> int | None:
    return session.scalar(
        select(DigestRow.id).where(
            DigestRow.subscription_id == subscription_id, DigestRow.period == period
        )
    )


def extend_rollup(
    session: Session, digest_id: int, subscriber_id: int, digest: Digest, added: set[str],
    due: datetime, message_id: str,
) -> None:  # fmt: skip
    """Store the grown roll-up and the items of the preprints `added` to it."""
    row = session.get_one(DigestRow, digest_id)
    row.message_id = row.message_id or message_id
    row.payload = digest.to_payload()
    row.window_start, row.window_end = digest.window_start, digest.window_end
    row.n_items, row.status, row.retry_at = len(digest.entries), "pending", due
    entries = [entry for entry in digest.entries if entry.preprint_id in added]
    if entries:
        session.execute(insert(DigestItem), [
            {"digest_id": digest_id, "subscriber_id": subscriber_id,
             "preprint_id": e.preprint_id, "profile_id": e.profile_id, "position": e.rank,
             "probability": e.probability, "text_fingerprint": e.fingerprint,
             "updated": e.updated}
            for e in entries
        ])  # fmt: skip
