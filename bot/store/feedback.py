"""Votes per subscription: record, read for re-ranking, reset, and spend email vote links."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.records.feedback import VotedPreprint
from bot.scoring.preference import Fitted, Preference
from bot.store.delivery_models import (
    DigestItem,
    DigestRow,
    PreferenceFit,
    SubscriptionProfile,
    UsedVoteToken,
    Vote,
)
from bot.store.models import PreprintRow
from bot.store.profile_models import Score


def _latest_item(session: Session, subscription_id: int, preprint_id: str) -> DigestItem | None:
    return session.scalar(
        select(DigestItem)
        .join(DigestRow, DigestRow.id == DigestItem.digest_id)
        .where(DigestRow.subscription_id == subscription_id)
        .where(DigestItem.preprint_id == preprint_id)
        .order_by(DigestItem.id.desc())
        .limit(1)
    )


def record_vote(
    session: Session,
    subscription_id: int,
    subscriber_id: int,
    preprint_id: str,
    voter: str,
    value: int,
    now: datetime,
) -> bool:
    """One vote per person, subscription and preprint; a second vote replaces the first.
    False when the same vote was already there (nothing changed)."""
    vote = session.scalar(
        select(Vote).where(
            Vote.subscription_id == subscription_id,
            Vote.preprint_id == preprint_id,
            Vote.voter == voter,
        )
    )
    if vote is not None and vote.value == value:
        return False
    item = _latest_item(session, subscription_id, preprint_id)
    if vote is None:
        vote = Vote(
            subscription_id=subscription_id, subscriber_id=subscriber_id,
            preprint_id=preprint_id, voter=voter, created_at=now,
        )  # fmt: skip
        session.add(vote)
    vote.value, vote.updated_at = value, now
    vote.profile_id = item.profile_id if item else None
    vote.digest_item_id = item.id if item else None
    return True


def subscriptions_with_votes(session: Session) -> set[int]:
    """Ids of the subscriptions anyone has voted on (the others need no vote query)."""
    return set(session.scalars(select(Vote.subscription_id).distinct()))


def voted(session: Session, subscription_id: int) -> list[VotedPreprint]:
    """The subscription's voted preprints, net of its voters, oldest vote first."""
    rows = session.execute(
        select(Vote.preprint_id, Vote.value, DigestItem.probability, Vote.updated_at)
        .outerjoin(DigestItem, DigestItem.id == Vote.digest_item_id)
        .where(Vote.subscription_id == subscription_id)
        .order_by(Vote.updated_at, Vote.id)
    )
    net: dict[str, int] = defaultdict(int)
    probability: dict[str, float | None] = {}
    for preprint_id, value, sent_with, _ in rows:
        net[preprint_id] += value
        probability[preprint_id] = sent_with
    wanted = [pid for pid, total in net.items() if total != 0]
    if not wanted:
        return []
    texts = {
        row.id: (row.title, row.abstract or "", (row.categories or [""])[0])
        for row in session.execute(
            select(
                PreprintRow.id, PreprintRow.title, PreprintRow.abstract, PreprintRow.categories
            ).where(PreprintRow.id.in_(wanted))
        )
    }
    unsent = [pid for pid in wanted if probability[pid] is None]
    scored = _best_scores(session, subscription_id, unsent) if unsent else {}
    return [
        VotedPreprint(
            pid,
            1 if net[pid] > 0 else -1,
            texts[pid][0],
            texts[pid][1],
            probability[pid] if probability[pid] is not None else scored.get(pid),
            texts[pid][2],
        )
        for pid in wanted
        if pid in texts
    ]


def _best_scores(
    session: Session, subscription_id: int, preprint_ids: list[str]
) -> dict[str, float]:
    """For preprints voted on without being sent (`rxradar feedback`): their best score among
    the subscription's followed profiles, the probability a digest would have shown."""
    rows = session.execute(
        select(Score.preprint_id, func.max(Score.probability))
        .join(SubscriptionProfile, SubscriptionProfile.profile_id == Score.profile_id)
        .where(SubscriptionProfile.subscription_id == subscription_id)
        .where(Score.preprint_id.in_(preprint_ids))
        .group_by(Score.preprint_id)
    )
    return {pid: float(best) for pid, best in rows}


def save_fit(session: Session, subscription_id: int, fitted: Fitted | None) -> None:
    """Store the subscription's adjustment (None: it has no votes left, drop it)."""
    row = session.get(PreferenceFit, subscription_id)
    if fitted is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = PreferenceFit(subscription_id=subscription_id)
        session.add(row)
    p = fitted.preference
    row.key, row.steps = fitted.key, p.steps
    row.columns = p.columns.astype("<i8").tobytes()
    row.weights, row.up, row.down = (a.astype("<f8").tobytes() for a in (p.weights, p.up, p.down))


def fit_of(session: Session, subscription_id: int) -> Fitted | None:
    """The stored adjustment, as it was fitted (the caller checks its key)."""
    row = session.get(PreferenceFit, subscription_id)
    if row is None:
        return None
    weights, up, down = (
        np.frombuffer(b, dtype="<f8").astype(float) for b in (row.weights, row.up, row.down)
    )
    columns = np.frombuffer(row.columns, dtype="<i8").astype(np.int64)
    preference = Preference(columns, weights, up, down, steps=row.steps)
    return Fitted(row.key, preference)


def reset(session: Session, subscription_id: int) -> int:
    """Forget every vote of the subscription; how many there were."""
    session.execute(delete(PreferenceFit).where(PreferenceFit.subscription_id == subscription_id))
    result = session.execute(delete(Vote).where(Vote.subscription_id == subscription_id))
    return int(getattr(result, "rowcount", 0) or 0)


def move_votes(session: Session, old_id: int, new_id: int) -> None:
    """A subscription replaced by new settings keeps what its subscriber taught it."""
    session.execute(
        update(Vote).where(Vote.subscription_id == old_id).values(subscription_id=new_id)
    )


def spend_token(session: Session, token_hash: str, now: datetime, keep: timedelta) -> bool:
    """Mark an email vote link used; False when it was used before (a replay).

    Links older than `keep` (their lifetime) can no longer verify, so their rows go.
    """
    session.execute(delete(UsedVoteToken).where(UsedVoteToken.used_at < now - keep))
    if session.get(UsedVoteToken, token_hash) is not None:
        return False
    session.add(UsedVoteToken(token_hash=token_hash, used_at=now))
    session.flush()
    return True


def sent_payload(session: Session, subscription_id: int, preprint_id: str) -> dict[str, Any] | None:
    """The stored payload of the subscription's newest digest that holds the preprint."""
    return session.scalar(
        select(DigestRow.payload)
        .join(DigestItem, DigestItem.digest_id == DigestRow.id)
        .where(DigestRow.subscription_id == subscription_id)
        .where(DigestItem.preprint_id == preprint_id)
        .order_by(DigestRow.id.desc())
        .limit(1)
    )
