"""Two processes running send-due at once never send the same digest twice."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.channels.base import Channel, Message, Receipt
from bot.channels.email import EmailChannel
from bot.channels.registry import Registry
from bot.channels.slack import SlackChannel, slack_target
from bot.config import DeliverySettings, Settings
from bot.delivery.results import DeliveryResult
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.store import Store, trust
from bot.store import digests as ledger
from bot.store.delivery_models import DigestRow
from bot.subscribing import subscribe
from tests import factories
from tests.conftest import PG_URL
from tests.peers.slack_fake import SlackFake
from tests.peers.smtp import SmtpPeer

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)


def _weekly_readers(store: Store, n: int) -> DigestRules:
    """One scored preprint in one journal, and `n` email readers of its weekly digest
    (user0@ … in order); returns their rules."""
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    weekly = DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"))
    for k in range(n):
        subscribe(store, Target("email", f"user{k}@example.org"), ["Medical Image Analysis"],
                  CREATED, rules=weekly)  # fmt: skip
    return weekly


LEASE = DeliverySettings().lease
STALE = DeliverySettings().heartbeat_stale


def test_concurrent_runs_send_each_digest_once(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    if store.dialect == "sqlite":
        pytest.skip("SQLite deployments run a single scheduler; concurrency is PostgreSQL's")
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    weekly = DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"))
    for n in range(8):
        subscribe(
            store,
            Target("email", f"user{n}@example.org"),
            ["Medical Image Analysis"],
            CREATED,
            rules=weekly,
        )
    results: list[DeliveryResult] = []
    with SmtpPeer() as smtp:
        config: Settings = factories.settings(tmp_path, **smtp.env())

        def run() -> None:
            other = Store.open(database_url, migrate=False)  # its own pool, like a process
            try:
                results.extend(factories.send_due(other, config, MONDAY))
            finally:
                other.close()

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(m["To"] for m in smtp.messages) == [f"user{n}@example.org" for n in range(8)]
    assert sorted(r.subscription for r in results if r.status == "sent") == list(range(1, 9))


def test_a_lease_is_exclusive_until_it_expires(store: Store) -> None:
    from datetime import timedelta

    from bot.records.cadence import Slot
    from bot.records.digest import Digest
    from bot.store import digests as ledger

    factories.journal(store, "Medical Image Analysis")
    record = subscribe(store, Target("email", "a@b.org"), ["Medical Image Analysis"], CREATED)
    with store.session() as session:
        digest_id = ledger.claim(session, record.id, Slot(MONDAY, "2026-10-26"), MONDAY)
        assert digest_id is not None
        empty = Digest(record.id, "2026-10-26", MONDAY, MONDAY, 0, ())
        ledger.record_digest(session, digest_id, record.subscriber_id, empty, None)
        assert ledger.claim(session, record.id, Slot(MONDAY, "2026-10-26"), MONDAY) is None

    def lease(run: str, at: datetime) -> bool:
        with store.session() as session:
            for alive in ("run-a", "run-b"):  # both instances are alive throughout
                trust.beat(session, alive, at)
            return ledger.take_lease(session, digest_id, run, at, LEASE, at - STALE)

    assert lease("run-a", MONDAY)
    assert not lease("run-b", MONDAY + timedelta(minutes=14))
    assert lease("run-b", MONDAY + LEASE)


def test_a_lease_of_an_instance_whose_heartbeat_stopped_is_free_before_it_expires(
    store: Store,
) -> None:
    from datetime import timedelta

    from bot.records.cadence import Slot
    from bot.records.digest import Digest
    from bot.store import digests as ledger

    factories.journal(store, "Medical Image Analysis")
    record = subscribe(store, Target("email", "a@b.org"), ["Medical Image Analysis"], CREATED)
    with store.session() as session:
        digest_id = ledger.claim(session, record.id, Slot(MONDAY, "2026-10-26"), MONDAY)
        assert digest_id is not None
        empty = Digest(record.id, "2026-10-26", MONDAY, MONDAY, 0, ())
        ledger.record_digest(session, digest_id, record.subscriber_id, empty, None)
        trust.beat(session, "dead", MONDAY)
        assert ledger.take_lease(session, digest_id, "dead", MONDAY, LEASE, MONDAY - STALE)

    later = MONDAY + STALE + timedelta(seconds=1)  # "dead" never beat again
    with store.session() as session:
        trust.beat(session, "alive", MONDAY + timedelta(minutes=1))
        fresh = MONDAY + timedelta(minutes=1)
        assert not ledger.take_lease(session, digest_id, "alive", fresh, LEASE, fresh - STALE)
        assert ledger.take_lease(session, digest_id, "alive", later, LEASE, later - STALE)


def test_a_build_lock_in_another_schema_of_the_same_database_does_not_skip_ours(
    store: Store, database_url: str
) -> None:
    """PostgreSQL advisory locks are database-wide: two deployments (or parallel test
    processes) in one database, each in its own schema, used to skip each other's
    subscription 1 while the other built it — and send it nothing that run."""
    if store.dialect == "sqlite":
        pytest.skip("advisory locks are PostgreSQL's")
    assert PG_URL is not None
    other = f"rxtest_other_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{other}"'))
    theirs = Store(create_engine(f"{PG_URL}?options=-csearch_path%3D{other}"))
    try:
        with theirs.session() as session:  # another deployment builds its subscription 1
            assert ledger.lock_for_building(session, 1)
            with store.session() as ours:
                assert ledger.lock_for_building(ours, 1)
                with store.session() as ours_again:  # within one schema it still excludes
                    assert not ledger.lock_for_building(ours_again, 1)
    finally:
        theirs.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()


def test_a_run_whose_read_overlaps_another_runs_read_still_sends(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    """The list of what to send used to be read FOR UPDATE SKIP LOCKED: a second process
    reading it while the first one's read was still open found every row locked and sent
    nothing (seen in bench_delivery: two processes slower than one)."""
    if store.dialect == "sqlite":
        pytest.skip("SQLite deployments run a single scheduler; concurrency is PostgreSQL's")
    from bot.delivery.preparing import prepare_due

    _weekly_readers(store, 3)
    with SmtpPeer() as smtp:
        config: Settings = factories.settings(tmp_path, **smtp.env())
        prepare_due(store, config.links().public_url, False, MONDAY)
        first = Store.open(database_url, migrate=False)
        try:
            with first.session() as reading:  # the first process is reading its list
                listed = ledger.sendable(reading, MONDAY, MONDAY - STALE)
                results = factories.send_due(store, config, MONDAY)
        finally:
            first.close()

        assert len(listed) == 3
        assert sorted(r.status for r in results) == ["sent"] * 3
        assert len(smtp.messages) == 3


class BeforeEachSend:
    """The real channel, with something happening (`before`) as each send starts."""

    def __init__(self, channel: Channel, store: Store) -> None:
        self.inner, self.kind, self.store = channel, channel.kind, store

    def before(self, message: Message) -> None:
        raise NotImplementedError

    def send(self, message: Message) -> Receipt:
        self.before(message)
        return self.inner.send(message)

    def close(self) -> None:
        self.inner.close()


class NotesLeases(BeforeEachSend):
    """Notes each digest's lease when its send starts."""

    def __init__(self, channel: Channel, store: Store, seen: list[tuple[datetime, float]]):
        super().__init__(channel, store)
        self.seen = seen

    def before(self, message: Message) -> None:
        with self.store.session() as session:
            row = session.get_one(DigestRow, int(message.reference["digest"]))
            assert row.claimed_until is not None
            self.seen.append((row.claimed_until, time.monotonic()))


def test_a_lease_runs_its_full_length_from_when_it_is_taken_late_in_a_long_run(
    store: Store, tmp_path: Path
) -> None:
    """Leases were taken on a clock that restarted at each channel and ignored the time
    spent building: late in a long run they ran out early, and another process could take
    and send a digest that was still being sent (seen with two `rxradar run`s)."""
    weekly = _weekly_readers(store, 3)
    subscribe(store, slack_target("T1", "C1"), ["Medical Image Analysis"], CREATED,
              rules=weekly)  # fmt: skip  # sent after the emails: its lease is taken last
    seen: list[tuple[datetime, float]] = []
    with SmtpPeer() as smtp, SlackFake(token="xoxb-test", min_interval=0) as slack:
        slack.add_channel("C1")
        smtp.rcpt_delay = 0.6  # a slow server: the run goes on for seconds
        config: Settings = factories.settings(
            tmp_path, RXRADAR_SLACK_BOT_TOKEN="xoxb-test", RXRADAR_SLACK_API_URL=slack.url,
            **smtp.env(),
        )  # fmt: skip
        noting = Registry({
            "email": lambda: NotesLeases(EmailChannel(config.smtp), store, seen),
            "slack": lambda: NotesLeases(SlackChannel(config.slack), store, seen),
        })  # fmt: skip
        started = time.monotonic()
        results = factories.send_due(store, config, MONDAY, noting)

    assert [r.status for r in results] == ["sent"] * 4 and len(seen) == 4
    for claimed_until, at in seen:  # taken on the run's clock: MONDAY + time since it began
        assert claimed_until >= MONDAY + LEASE + timedelta(seconds=at - started - 0.5)


class AnotherProcessTakesTheNext(BeforeEachSend):
    """While the first digest is being sent, another live process leases the next one
    (what a second `send-due` started at the same time does)."""

    done = False

    def before(self, message: Message) -> None:
        if self.done:
            return
        self.done = True
        following = int(message.reference["digest"]) + 1
        with self.store.session() as session:
            trust.beat(session, "other-process", MONDAY)
            assert ledger.take_lease(session, following, "other-process", MONDAY, LEASE,
                                     MONDAY - STALE)  # fmt: skip


def test_a_run_that_finds_a_digest_taken_sends_the_rest_from_the_other_end(
    store: Store, tmp_path: Path
) -> None:
    """Two processes going through the same list in the same order collide on every
    digest; once one finds a digest taken it goes from the other end, and they meet once."""
    _weekly_readers(store, 4)
    with SmtpPeer() as smtp:
        config: Settings = factories.settings(tmp_path, **smtp.env())
        racing = Registry(
            {"email": lambda: AnotherProcessTakesTheNext(EmailChannel(config.smtp), store)}
        )
        results = factories.send_due(store, config, MONDAY, racing)

        assert [(r.subscription, r.status) for r in results] == [
            (1, "sent"),
            (4, "sent"),
            (3, "sent"),
        ]
        assert [m["To"] for m in smtp.messages] == [f"user{n}@example.org" for n in (0, 3, 2)]
