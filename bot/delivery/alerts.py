"""Instant alerts: after each poll and scoring, one message per new preprint that passes
an instant subscription's threshold, sent at once through the same ledger as digests.

- never twice: each alert is the digest row (subscription, `alert:<preprint>`); a new
  version of the preprint has the same id, so it finds its row taken and sends nothing;
- bounded: at most `max_per_day` alerts a local day; the rest get an `alert:` row marked
  "rolled" and are gathered in that day's `rollup:<date>` digest, sent when the next local
  day begins (the last alert of the day says so);
- quiet hours: an alert that falls inside them is recorded at once but held (its
  `retry_at`) until they end, in the subscriber's time zone; send-due sends it then.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy.orm import Session

from bot.channels.base import new_message_id
from bot.channels.registry import live
from bot.config import Settings
from bot.delivery.sending import send_pending
from bot.digest.build import build_digest, passes_cut, passes_filters
from bot.digest.wording import count
from bot.records.cadence import Slot
from bot.records.digest import ALERT_PREFIX, ROLLUP_PREFIX, Candidate, Digest, Entry, History
from bot.records.rules import DigestRules, zone
from bot.store import Store
from bot.store import alerts as ledger_alerts
from bot.store import digests as ledger
from bot.store import subscriptions as subs
from bot.store.subscriptions import SubscriptionRecord

log = logging.getLogger("rxradar.alerts")
_PERIOD_LENGTH = 40  # digests.period


@dataclass(frozen=True)
class AlertCounts:
    alerts: int = 0  # recorded to be sent (now, or when quiet hours end)
    held: int = 0  # of those, held for quiet hours
    rolled: int = 0  # past the daily cap: in the day's roll-up

    def __add__(self, other: AlertCounts) -> AlertCounts:
        return AlertCounts(self.alerts + other.alerts, self.held + other.held,
                           self.rolled + other.rolled)  # fmt: skip


def alert_period(preprint_id: str) -> str:
    """`alert:<preprint id>`, hashed when the id would not fit the period column."""
    period = ALERT_PREFIX + preprint_id
    if len(period) <= _PERIOD_LENGTH:
        return period
    digest = hashlib.sha256(preprint_id.encode()).hexdigest()
    return ALERT_PREFIX + digest[: _PERIOD_LENGTH - len(ALERT_PREFIX)]


def _clock(text: str) -> clock:
    hour, minute = (int(part) for part in text.split(":"))
    return clock(hour, minute)


def quiet_until(rules: DigestRules, when: datetime) -> datetime:
    """`when`, or the end of the subscriber's quiet hours when `when` falls inside them."""
    hours = rules.quiet_hours
    if hours is None:
        return when
    tz = zone(rules.cadence.tz)
    local = when.astimezone(tz)
    start, end, now = _clock(hours[0]), _clock(hours[1]), local.time()
    spans_midnight = end < start
    inside = (now >= start or now < end) if spans_midnight else start <= now < end
    if not inside:
        return when
    day = local.date() + timedelta(days=1) if spans_midnight and now >= start else local.date()
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def local_day(rules: DigestRules, when: datetime) -> tuple[date, datetime, datetime]:
    """The subscriber's local date at `when`, with its start and the next day's (UTC)."""
    tz = zone(rules.cadence.tz)
    day = when.astimezone(tz).date()
    start = datetime.combine(day, clock(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), clock(0), tzinfo=tz).astimezone(UTC)
    return day, start, end


def _last_note(rules: DigestRules, rollup_at: datetime) -> str:
    local = rollup_at.astimezone(zone(rules.cadence.tz))
    return (
        f"This is the last of today's {count(rules.max_per_day, 'alert')} (your daily "
        f"limit): any further matches today come together in one roll-up at "
        f"{local:%H:%M} on {local:%a %d %b} ({rules.cadence.tz})."
    )


def _one(digest: Digest, entry: Entry, period: str, note: str) -> Digest:
    """The alert of one entry: its own section only."""
    section = next(s for s in digest.sections if s.profile_id == entry.profile_id)
    alone = replace(section, entries=(replace(entry, rank=1),))
    return Digest(digest.subscription_id, period, digest.window_start, digest.window_end,
                  digest.considered, (alone,), note=note)  # fmt: skip


class PollCache:
    """Reads every instant subscription of one poll shares: each followed profile's
    just-scored candidates, read once per profile and look-back (most subscriptions follow
    the same few journals). Only for the duration of one poll."""

    def __init__(self, preprint_ids: Collection[str]) -> None:
        self.preprint_ids = set(preprint_ids)
        self.found: dict[tuple[int, int], list[Candidate]] = {}

    def candidates(
        self, session: Session, profile_ids: Sequence[int], days: int, now: datetime
    ) -> list[Candidate]:
        found: list[Candidate] = []
        for profile_id in profile_ids:
            if (profile_id, days) not in self.found:
                self.found[profile_id, days] = ledger.candidates(
                    session, [profile_id], now - timedelta(days=days), now, None,
                    preprint_ids=self.preprint_ids,
                )  # fmt: skip
            found.extend(self.found[profile_id, days])
        return found


def _matches(store: Store, record: SubscriptionRecord, cache: PollCache, now: datetime) -> Digest:
    """Every just-scored preprint passing the subscription's threshold and filters, best
    first, as one uncut digest (not yet split into alerts)."""
    rules = replace(record.rules, top=None)
    ids = [p.id for p in record.profiles]
    with store.session() as session:
        profiles = ledger.profile_windows(
            session, [(p.id, p.name, p.kind) for p in record.profiles]
        )
        found = cache.candidates(session, ids, rules.lookback_days, now)
        past = ledger.history(session, record.subscriber_id, record.id,
                              {c.preprint_id for c in found})  # fmt: skip
    # the window is the look-back, not "since the last alert": alerts come one at a time
    history = History(delivered=past.delivered)
    return build_digest(record.id, rules, profiles, found, history, now, ALERT_PREFIX, 0)


def _queue_one(
    store: Store, public_url: str, record: SubscriptionRecord, cache: PollCache,
    now: datetime,
) -> AlertCounts:  # fmt: skip
    rules = record.rules
    matches = _matches(store, record, cache, now)
    periods = {e.preprint_id: alert_period(e.preprint_id) for e in matches.entries}
    day, day_start, next_day = local_day(rules, now)
    rollup_at = quiet_until(rules, next_day)
    release = quiet_until(rules, now)
    with store.session() as session:
        done = ledger_alerts.alerted(session, record.id, list(periods.values()))
        given = ledger_alerts.alerts_since(session, record.id, day_start)
    alerts, rolled = 0, []
    for entry in (e for e in matches.entries if periods[e.preprint_id] not in done):
        period = periods[entry.preprint_id]
        with store.session() as session:
            digest_id = ledger.claim(session, record.id, Slot(release, period), now)
            if digest_id is None:
                continue  # another run alerted it
            if given >= rules.max_per_day:
                ledger_alerts.mark_rolled(session, digest_id, ROLLUP_PREFIX + day.isoformat())
                rolled.append(entry)
                continue
            given += 1
            note = _last_note(rules, rollup_at) if given == rules.max_per_day else ""
            alert = _one(matches, entry, period, note)
            ledger.record_digest(session, digest_id, record.subscriber_id, alert,
                                 new_message_id(public_url))  # fmt: skip
            ledger_alerts.release_at(session, digest_id, release)
            alerts += 1
    if rolled:
        _roll_up(store, public_url, record, matches, rolled, (day, day_start, next_day), now)
    held = alerts if release > now else 0
    return AlertCounts(alerts, held, len(rolled))


def _roll_up(
    store: Store, public_url: str, record: SubscriptionRecord, matches: Digest,
    rolled: Sequence[Entry], day: tuple[date, datetime, datetime], now: datetime,
) -> None:  # fmt: skip
    """Add `rolled` to the day's roll-up (created when the first one arrives)."""
    local, start, end = day
    period = ROLLUP_PREFIX + local.isoformat()
    due = quiet_until(record.rules, end)
    with store.session() as session:
        digest_id = ledger_alerts.rollup_id(session, record.id, period)
        if digest_id is None:
            digest_id = ledger.claim(session, record.id, Slot(due, period), now)
        if digest_id is None:
            digest_id = ledger_alerts.rollup_id(session, record.id, period)
        assert digest_id is not None
        payload = ledger_alerts.rollup_payload(session, digest_id)
        if payload is None:
            log.warning("roll-up %s of subscription %d was already sent", period, record.id)
            return
        before = Digest.from_payload(payload).entries if payload.get("sections") else ()
        merged = list({e.preprint_id: e for e in [*before, *rolled]}.values())
        ranked = [replace(e, rank=rank) for rank, e in enumerate(merged, start=1)]
        sections = tuple(
            replace(s, entries=tuple(e for e in ranked if e.profile_id == s.profile_id))
            for s in matches.sections
        )
        considered = ledger.considered(session, start, end)
        digest = Digest(record.id, period, start, end, considered, sections)
        added = {e.preprint_id for e in rolled}
        ledger_alerts.extend_rollup(session, digest_id, record.subscriber_id, digest, added,
                                    due, new_message_id(public_url))  # fmt: skip


def queue_alerts(
    store: Store, public_url: str, preprint_ids: Collection[str], now: datetime
) -> AlertCounts:
    """Record the alerts the just-scored `preprint_ids` call for (nothing is sent here).

    One subscription's problem is logged and does not stop the others' alerts."""
    if not preprint_ids:
        return AlertCounts()
    with store.session() as session:
        records = [r for r in subs.subscriptions(session) if r.rules.instant and r.sendable]
    total = AlertCounts()
    cache = PollCache(preprint_ids)
    for record in records:
        try:
            total += _queue_one(store, public_url, record, cache, now)
        except Exception:
            log.exception("instant alerts of subscription %d failed", record.id)
    return total


def alert_after_scoring(
    settings: Settings, store: Store, preprint_ids: Collection[str], now: datetime
) -> AlertCounts:
    """The hook after poll + scoring: record the alerts, then send what is due now."""
    links = settings.links()
    counts = queue_alerts(store, links.public_url, preprint_ids, now)
    if counts.alerts > counts.held:
        send_pending(store, settings.delivery, links, live(settings, store), now)
    return counts


# ---------------------------------------------------------------- the estimate


@dataclass(frozen=True)
class Estimate:
    """How many alerts the threshold would have sent over the stored score window."""

    n_preprints: int
    days: int

    def to_json(self) -> dict[str, object]:
        return {"preprints": self.n_preprints, "days": self.days,
                "per_week": round(self.per_week, 2), "text": self.sentence()}  # fmt: skip

    @property
    def per_week(self) -> float:
        return self.n_preprints * 7 / self.days if self.days else 0.0

    def sentence(self) -> str:
        """`about 2 alerts a week at this threshold, judging by the last 90 days`."""
        judged = f"at this threshold, judging by the last {self.days} days"
        if self.n_preprints == 0:
            return f"no alerts {judged} (no preprint passed it)"
        if self.per_week < 0.5:
            return f"fewer than one alert a week {judged} ({self.n_preprints} in all)"
        weekly = round(self.per_week)
        return f"about {count(weekly, 'alert')} a week {judged}"


def estimate(
    store: Store, profile_ids: Sequence[int], rules: DigestRules, now: datetime, days: int
) -> Estimate:
    """Distinct preprints of the last `days` whose score for any of the profiles passes
    `rules`' threshold and filters (the daily cap left out: it only moves them)."""
    with store.session() as session:
        profiles = ledger.profile_windows(session, [(pid, "", "") for pid in profile_ids])
        found = ledger.candidates(session, list(profile_ids), now - timedelta(days=days), now)
    by_id = {p.id: p for p in profiles}
    passing = {
        c.preprint_id
        for c in found
        if passes_cut(rules, c, by_id.get(c.profile_id)) and passes_filters(rules, c)
    }
    return Estimate(len(passing), days)
