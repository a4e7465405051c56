"""`rxradar outcomes`: how the preprints rxradar sent (and ranked) turned out.

Per subscription and followed journal: of the preprints *sent* (delivered digest items),
how many were published in that journal, elsewhere (where), not yet; of the preprints
*published in that journal* that were posted while the subscription existed, how many
were sent (recall). Per journal across everything scored: the precision of the weekly
top-N by stored score.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.records.outcome import Outcome
from bot.store.delivery_models import DigestItem, DigestRow, Subscription, SubscriptionProfile
from bot.store.models import PreprintRow
from bot.store.outcome_models import OutcomeRow
from bot.store.outcomes import all_outcomes, outcomes_of
from bot.store.profile_models import Profile, Score

WEEKLY_TOP = 10  # the "sent" cut of the per-journal precision: a weekly top-10 digest


@dataclass(frozen=True)
class SubscriptionOutcomes:
    subscription_id: int
    journal: str
    n_sent: int
    n_published_here: int
    published_elsewhere: dict[str, int]
    n_not_yet: int
    n_published_in_journal: int  # posted while the subscription existed
    n_of_those_sent: int
    model_versions: dict[str, int]  # version that scored the sent preprints → count

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription_id,
            "journal": self.journal,
            "sent": self.n_sent,
            "published_here": self.n_published_here,
            "published_elsewhere": self.published_elsewhere,
            "not_yet": self.n_not_yet,
            "precision": _ratio(self.n_published_here, self.n_sent),
            "published_in_journal": self.n_published_in_journal,
            "of_those_sent": self.n_of_those_sent,
            "recall": _ratio(self.n_of_those_sent, self.n_published_in_journal),
            "model_versions": self.model_versions,
        }


@dataclass(frozen=True)
class JournalOutcomes:
    journal: str
    n_weeks: int
    n_top: int  # preprints in the weekly top-N lists
    n_published_here: int
    n_published_in_journal: int  # of the scored preprints, all published there

    def to_json(self) -> dict[str, Any]:
        return {
            "journal": self.journal,
            "weeks": self.n_weeks,
            "top_n": WEEKLY_TOP,
            "ranked": self.n_top,
            "published_here": self.n_published_here,
            "precision": _ratio(self.n_published_here, self.n_top),
            "published_in_journal": self.n_published_in_journal,
        }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sent(session: Session, subscription_id: int, since: date | None) -> dict[int, set[str]]:
    """profile id → preprints delivered to this subscription for it."""
    query = (
        select(DigestItem.profile_id, DigestItem.preprint_id, DigestRow.window_end)
        .join(DigestRow, DigestRow.id == DigestItem.digest_id)
        .where(DigestRow.subscription_id == subscription_id, DigestItem.delivered_at.is_not(None))
    )
    sent: dict[int, set[str]] = defaultdict(set)
    for profile_id, preprint_id, window_end in session.execute(query):
        if profile_id is not None and (since is None or window_end.date() >= since):
            sent[profile_id].add(preprint_id)
    return sent


def _versions(session: Session, profile_id: int, ids: set[str]) -> dict[str, int]:
    if not ids:
        return {}
    query = select(Score.model_version).where(
        Score.profile_id == profile_id, Score.preprint_id.in_(sorted(ids))
    )
    return dict(Counter(session.scalars(query)))


def _posted_between(session: Session, ids: list[str], start: date, end: date | None) -> set[str]:
    if not ids:
        return set()
    query = select(PreprintRow.id).where(PreprintRow.id.in_(ids), PreprintRow.posted >= start)
    if end is not None:
        query = query.where(PreprintRow.posted <= end)
    return set(session.scalars(query))


def _one(
    session: Session, sub: Subscription, profile: Profile, sent: set[str], all_sent: set[str],
    published: list[Outcome],
) -> SubscriptionOutcomes:  # fmt: skip
    found = outcomes_of(session, sorted(sent))
    here = [o for o in found.values() if o.profile_id == profile.id]
    elsewhere = Counter(o.journal for o in found.values() if o.profile_id != profile.id)
    end = sub.unsubscribed_at.date() if sub.unsubscribed_at else None
    in_journal = _posted_between(
        session, [o.preprint_id for o in published if o.profile_id == profile.id],
        sub.created_at.date(), end,
    )  # fmt: skip
    return SubscriptionOutcomes(
        subscription_id=sub.id,
        journal=profile.name,
        n_sent=len(sent),
        n_published_here=len(here),
        published_elsewhere=dict(elsewhere.most_common()),
        n_not_yet=len(sent) - len(found),
        n_published_in_journal=len(in_journal),
        n_of_those_sent=len(in_journal & all_sent),
        model_versions=_versions(session, profile.id, sent),
    )


def subscription_outcomes(
    session: Session,
    *,
    subscription_id: int | None = None,
    profile_id: int | None = None,
    since: date | None = None,
) -> list[SubscriptionOutcomes]:
    query = select(Subscription).order_by(Subscription.id)
    if subscription_id is not None:
        query = query.where(Subscription.id == subscription_id)
    published = all_outcomes(session)
    report: list[SubscriptionOutcomes] = []
    for sub in session.scalars(query):
        sent = _sent(session, sub.id, since)
        all_sent = set().union(*sent.values()) if sent else set()
        followed = session.scalars(
            select(Profile)
            .join(SubscriptionProfile, SubscriptionProfile.profile_id == Profile.id)
            .where(SubscriptionProfile.subscription_id == sub.id)
            .order_by(Profile.name)
        )
        for profile in followed:
            if profile_id is None or profile.id == profile_id:
                mine = sent.get(profile.id, set())
                report.append(_one(session, sub, profile, mine, all_sent, published))
    return report


def _week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def journal_outcomes(
    session: Session, *, profile_id: int | None = None, since: date | None = None
) -> list[JournalOutcomes]:
    """Per journal with any outcome: precision of its weekly top-N among scored preprints."""
    published = all_outcomes(session)
    by_profile: dict[int, set[str]] = defaultdict(set)
    for outcome in published:
        if outcome.profile_id is not None:
            by_profile[outcome.profile_id].add(outcome.preprint_id)
    report: list[JournalOutcomes] = []
    for pid in sorted(by_profile):
        if profile_id is not None and pid != profile_id:
            continue
        profile = session.get(Profile, pid)
        query = (
            select(Score.preprint_id, Score.probability, PreprintRow.posted)
            .join(PreprintRow, PreprintRow.id == Score.preprint_id)
            .where(Score.profile_id == pid)
        )
        if since is not None:
            query = query.where(PreprintRow.posted >= since)
        weeks: dict[tuple[int, int], list[tuple[float, str]]] = defaultdict(list)
        for preprint_id, probability, posted in session.execute(query):
            weeks[_week(posted)].append((probability, preprint_id))
        top = [
            pid_ for rows in weeks.values() for _, pid_ in sorted(rows, reverse=True)[:WEEKLY_TOP]
        ]
        scored = {p for rows in weeks.values() for _, p in rows}
        report.append(
            JournalOutcomes(
                journal=profile.name if profile else str(pid),
                n_weeks=len(weeks),
                n_top=len(top),
                n_published_here=sum(1 for p in top if p in by_profile[pid]),
                n_published_in_journal=len(scored & by_profile[pid]),
            )
        )
    return report


def digest_outcomes(
    session: Session, subscription_id: int, profile_ids: list[int]
) -> tuple[date | None, list[Outcome]]:
    """(first delivery day, outcomes in followed journals of the preprints delivered so far)."""
    query = (
        select(DigestItem.preprint_id, DigestItem.delivered_at)
        .join(DigestRow, DigestRow.id == DigestItem.digest_id)
        .where(DigestRow.subscription_id == subscription_id, DigestItem.delivered_at.is_not(None))
    )
    delivered = [(pid, when) for pid, when in session.execute(query) if when is not None]
    if not delivered:
        return None, []
    first = min(when for _, when in delivered).date()
    found = outcomes_of(session, sorted({pid for pid, _ in delivered}))
    followed = set(profile_ids)
    return first, [o for o in found.values() if o.profile_id in followed]


@dataclass(frozen=True)
class PublishedPreprint:
    """A stored preprint published in a journal (for lists: Slack, the journal page)."""

    preprint_id: str
    title: str
    posted: date
    url: str | None
    journal: str
    published_doi: str | None
    published_date: date | None


def published_in(session: Session, profile_id: int, limit: int = 10) -> list[PublishedPreprint]:
    """The newest publications in this journal of preprints rxradar stored."""
    query = (
        select(OutcomeRow, PreprintRow.title, PreprintRow.posted, PreprintRow.url, Profile.name)
        .join(PreprintRow, PreprintRow.id == OutcomeRow.preprint_id)
        .join(Profile, Profile.id == OutcomeRow.profile_id)
        .where(OutcomeRow.profile_id == profile_id)
        .order_by(OutcomeRow.published_date.desc(), OutcomeRow.preprint_id)
        .limit(limit)
    )
    return [
        PublishedPreprint(
            row.preprint_id, title, posted, url, name, row.published_doi, row.published_date
        )
        for row, title, posted, url, name in session.execute(query)
    ]
