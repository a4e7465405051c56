"""Claim what is due, build it, and record it before anything is sent.

The (subscription, period) row and its items are written in one transaction, so a crash
leaves either nothing (the next run claims again) or a complete pending digest. Several
processes preparing at once share the work: each skips a subscription another is building.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.base import new_message_id
from bot.delivery.results import DeliveryResult
from bot.digest import feedback
from bot.digest.build import build_digest, window
from bot.digest.outcomes import with_outcomes
from bot.records.cadence import Slot, due_slot
from bot.records.digest import Candidate, Digest, ProfileWindow
from bot.records.feedback import VotedPreprint
from bot.records.outcome import Outcome
from bot.records.rules import DigestRules
from bot.scoring.preference import Fitted
from bot.store import Store
from bot.store import digests as ledger
from bot.store import feedback as votes_store
from bot.store import subscriptions as subs
from bot.store.outcome_reports import digest_outcomes
from bot.store.outcomes import outcomes_of, profiles_with_outcomes
from bot.store.subscriptions import SubscriptionRecord


class RunCache:
    """Reads shared by the subscriptions of one run (same window, same journals).

    Subscriptions due at the same slot mostly have identical windows, so the window's
    preprint count and each journal's candidates are read once per run, not once per
    subscription. Only for the duration of one run: nothing here outlives it (a vote or an
    outcome recorded while a run builds counts from the next digest on).
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[datetime, datetime], int] = {}
        self.candidates: dict[tuple[Any, ...], list[Candidate]] = {}
        self.windows: dict[tuple[tuple[int, str, str], ...], list[ProfileWindow]] = {}
        self.known_outcomes: dict[str, Outcome | None] = {}
        self._voted_on: set[int] | None = None
        self._published_in: set[int] | None = None

    def voted(
        self, session: Session, subscription_id: int
    ) -> tuple[list[VotedPreprint], Fitted | None]:
        """The subscription's votes and the adjustment stored when they last changed; one
        query per run says which subscriptions have any."""
        if self._voted_on is None:
            self._voted_on = votes_store.subscriptions_with_votes(session)
        if subscription_id not in self._voted_on:
            return [], None
        return votes_store.voted(session, subscription_id), votes_store.fit_of(
            session, subscription_id
        )

    def outcomes(self, session: Session, preprint_ids: list[str]) -> dict[str, Outcome]:
        """The outcomes of these preprints (digests of one journal share most entries)."""
        unknown = [pid for pid in preprint_ids if pid not in self.known_outcomes]
        if unknown:
            found = outcomes_of(session, unknown)
            self.known_outcomes.update({pid: found.get(pid) for pid in unknown})
        known = ((pid, self.known_outcomes[pid]) for pid in preprint_ids)
        return {pid: outcome for pid, outcome in known if outcome is not None}

    def any_published_in(self, session: Session, profile_ids: list[int]) -> bool:
        """Whether any stored preprint was published in one of these profiles."""
        if self._published_in is None:
            self._published_in = profiles_with_outcomes(session)
        return not self._published_in.isdisjoint(profile_ids)

    def profile_windows(
        self, session: Session, profiles: tuple[tuple[int, str, str], ...]
    ) -> list[ProfileWindow]:
        """The followed profiles' score statistics (they change when scoring runs, not
        while digests are built)."""
        if profiles not in self.windows:
            self.windows[profiles] = ledger.profile_windows(session, profiles)
        return self.windows[profiles]

    def considered(self, session: Session, start: datetime, end: datetime) -> int:
        if (start, end) not in self.counts:
            self.counts[start, end] = ledger.considered(session, start, end)
        return self.counts[start, end]

    def found(
        self, session: Session, ids: list[int], start: datetime, end: datetime, limit: int | None
    ) -> tuple[list[Candidate], bool]:
        """Each followed profile's best `limit` candidates (read once per run and profile),
        and whether that was all of them."""
        found: list[Candidate] = []
        complete = True
        for profile_id in ids:
            key = (profile_id, start, end, limit)
            if key not in self.candidates:
                self.candidates[key] = ledger.candidates(session, [profile_id], start, end, limit)
            rows = self.candidates[key]
            complete = complete and (limit is None or len(rows) < limit)
            found.extend(rows)
        return found, complete


FIRST_READ = 100  # candidates per followed profile read first (at least; 10 per entry)


def first_read(rules: DigestRules) -> int | None:
    """How many of each followed profile's best candidates a digest reads first (None: all);
    the whole window is read only when filters or history leave the digest short."""
    return None if rules.top is None else max(FIRST_READ, 10 * rules.top)


def load_digest(
    store: Store,
    record: SubscriptionRecord,
    period: str,
    now: datetime,
    cache: RunCache | None = None,
) -> Digest:
    """Everything `build_digest` needs, read from the store; the building itself is pure.

    Candidates come best first, so the first few hundred usually fill a top-N digest; only
    when filters or history leave it short is the whole window read.
    """
    cache = cache or RunCache()
    rules = record.rules
    ids = [p.id for p in record.profiles]
    limit = first_read(rules)
    with store.session() as session:
        last = ledger.history(session, record.subscriber_id, record.id, ())
        start, end = window(rules, last, now)
        profiles = cache.profile_windows(
            session, tuple((p.id, p.name, p.kind) for p in record.profiles)
        )
        count = cache.considered(session, start, end)
        votes, fitted = cache.voted(session, record.id)
        semantics = feedback.active_semantics(session) if votes else None
        while True:
            found, complete = cache.found(session, ids, start, end, limit)
            past = ledger.history(
                session, record.subscriber_id, record.id, {c.preprint_id for c in found}, last
            )
            digest = build_digest(
                record.id,
                rules,
                profiles,
                found,
                past,
                now,
                period,
                count,
                votes,
                fitted,
                semantics,
            )
            full = len(digest.entries) >= (rules.top or 0)
            if complete or full:
                return _with_outcomes(session, digest, record, cache)
            limit = None


def _with_outcomes(
    session: Session, digest: Digest, record: SubscriptionRecord, cache: RunCache
) -> Digest:
    """Label entries already published; add the "since March, 3 were published" line."""
    entry_outcomes = cache.outcomes(session, [e.preprint_id for e in digest.entries])
    followed = [p.id for p in record.profiles]
    if not cache.any_published_in(session, followed):  # no line to write
        return with_outcomes(digest, entry_outcomes, None, [])
    since, published = digest_outcomes(session, record.id, followed)
    return with_outcomes(digest, entry_outcomes, since, published)


def _prepare_one(
    store: Store,
    public_url: str,
    empty_message: bool,
    due: tuple[SubscriptionRecord, Slot],
    now: datetime,
    cache: RunCache,
) -> tuple[DeliveryResult | None, bool]:
    """(the skipped result of an empty digest, or None; False when another process had it)."""
    record, slot = due
    with store.session() as session:
        # claim first, build second, in one transaction: a process that loses the claim
        # builds nothing; one that finds the subscription being built by another process
        # (PostgreSQL: its lock is taken) moves on at once instead of waiting for it
        if not ledger.lock_for_building(session, record.id):
            return None, False
        digest_id = ledger.claim(session, record.id, slot, now)
        if digest_id is None:
            return None, False
        digest = load_digest(store, record, slot.period, now, cache)
        if digest.is_empty and not empty_message:
            ledger.mark_skipped(session, digest_id, (digest.window_start, digest.window_end))
            return DeliveryResult(record.id, slot.period, record.target, "skipped", 0), True
        # retries reuse this id: email's Message-ID, so a duplicate after a crash is recognisable
        message_id = new_message_id(public_url)
        ledger.record_digest(session, digest_id, record.subscriber_id, digest, message_id)
    return None, True


def _unclaimed(
    store: Store, due: list[tuple[SubscriptionRecord, Slot]]
) -> list[tuple[SubscriptionRecord, Slot]]:
    """What is due and nobody has claimed yet (a cheap pre-check in one query, by period:
    a list of 10,000 ids would pass SQLite's bound on variables; the unique key in `claim`
    is what really decides)."""
    if not due:
        return []
    with store.session() as session:
        claimed = subs.claimed_periods(session, periods={slot.period for _, slot in due})
    return [(record, slot) for record, slot in due if (record.id, slot.period) not in claimed]


def prepare_due(
    store: Store, public_url: str, empty_message: bool, now: datetime
) -> list[DeliveryResult]:
    """Claim, build and record every digest due at `now`; report the empty (skipped) ones.

    Alone, a process goes through the subscriptions in order. Once it finds one another
    process has (two `send-due`s, two `rxradar run`s), it takes the rest from the other
    end, so the two meet once in the middle instead of trying every subscription each;
    when they meet, what the other claimed meanwhile is read again and left out.
    """
    due: list[tuple[SubscriptionRecord, Slot]] = []
    with store.session() as session:
        for record in subs.subscriptions(session):
            slot = due_slot(record.rules.cadence, record.created_at, now)
            if record.sendable and slot is not None:
                due.append((record, slot))
    order = deque(_unclaimed(store, due))
    results = []
    cache = RunCache()
    from_end = False
    while order:
        item = order.pop() if from_end else order.popleft()
        result, won = _prepare_one(store, public_url, empty_message, item, now, cache)
        if result is not None:
            results.append(result)
        if not won:
            if from_end:  # met the other process
                order = deque(_unclaimed(store, list(order)))
            from_end = True
    return results
