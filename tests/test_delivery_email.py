"""send-due over a real SMTP server: digests, numbers, headers, retries and pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.records.rules import Cadence, DigestRules
from bot.records.target import Target
from bot.store import Store
from bot.store import subscriptions as subs
from bot.subscribing import describe, subscribe, unsubscribe_by_token
from tests import factories
from tests.peers.smtp import SmtpPeer, part_text

CREATED = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)  # 08:05 GMT, just after the slot
WEEKLY = DigestRules(cadence=Cadence("weekly", "mon", "08:00", "Europe/London"))


@pytest.fixture
def smtp() -> object:
    with SmtpPeer() as peer:
        yield peer


def _settings(tmp_path: Path, smtp: SmtpPeer) -> Settings:
    return factories.settings(tmp_path, **smtp.env())


def _journal_with_preprints(store: Store) -> int:
    mia = factories.journal(store, "Medical Image Analysis", n_papers=33, mean=0.0006)
    factories.scored(
        store,
        mia,
        "10.64898/2026.10.21.1",
        0.523,
        date(2026, 10, 21),
        title="CorSeg-CineSAX: segmentation of cine cardiac MRI",
    )
    factories.scored(
        store,
        mia,
        "10.64898/2026.10.22.2",
        0.434,
        date(2026, 10, 22),
        title="Causal graphs for cardiac <networks> & more",
    )
    factories.scored(
        store, mia, "10.64898/2026.10.23.3", 0.0001, date(2026, 10, 23), title="Barely relevant"
    )
    factories.scored(
        store,
        mia,
        "10.64898/2026.09.01.4",
        0.9,
        date(2026, 9, 1),
        title="Too old for the first digest",
    )
    return mia


def _subscribe(store: Store, address: str, **kw: object) -> int:
    rules = kw.pop("rules", WEEKLY)
    assert isinstance(rules, DigestRules)
    record = subscribe(store, Target("email", address), ["Medical Image Analysis"], CREATED,
                       rules=rules)  # fmt: skip
    return record.id


def test_two_subscribers_get_their_own_digest_and_a_second_run_sends_nothing(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journal_with_preprints(store)
    _subscribe(store, "ada@example.org")
    _subscribe(store, "bob@example.org", rules=DigestRules(cadence=WEEKLY.cadence, top=1))
    config = _settings(tmp_path, smtp)

    first = factories.send_due(store, config, MONDAY)
    second = factories.send_due(store, config, MONDAY.replace(hour=20))

    assert sorted((r.target.address, r.status, r.items) for r in first) == [
        ("ada@example.org", "sent", 3),
        ("bob@example.org", "sent", 1),
    ]
    assert second == []
    assert sorted(m["To"] for m in smtp.messages) == ["ada@example.org", "bob@example.org"]
    assert smtp.connections == 1  # one SMTP session for the batch


def test_the_email_is_multipart_with_one_click_unsubscribe_and_the_right_numbers(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journal_with_preprints(store)
    sub_id = _subscribe(store, "ada@example.org")
    config = _settings(tmp_path, smtp)

    [result] = factories.send_due(store, config, MONDAY)

    [mail] = smtp.messages
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["From"] == "rxradar digests <digests@rxradar.test>"
    assert mail["Message-ID"] == result.message_id
    assert mail["Message-ID"].endswith("@rxradar.test>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://rxradar.test/unsubscribe/")
    text = part_text(mail, "plain")
    html = part_text(mail, "html")
    for body in (text, html):
        assert "52.3%" in body and "43.4%" in body
        assert "Top 0.1%" in body
        assert "872× the average preprint" in body
        assert "based on 33 papers previously published there" in body
        assert "0.06% match score" in body
        assert "Xu, R.; Jiang, S.; Zhai, Y. et al." in body
        assert "Too old" not in body
        assert link in body
    assert text.index("CorSeg") < text.index("Causal graphs")
    assert "Causal graphs for cardiac &lt;networks&gt; &amp; more" in html
    assert 'style="' in html  # css inlined
    record = unsubscribe_by_token(store, config.links(), link.rsplit("/", 1)[1], MONDAY)
    assert record.id == sub_id
    with store.session() as session:
        assert subs.subscription(session, sub_id).active is False  # type: ignore[union-attr]


def test_a_451_is_retried_on_a_later_run_with_the_same_message_id(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journal_with_preprints(store)
    _subscribe(store, "ada@example.org")
    config = _settings(tmp_path, smtp)
    smtp.fail_data = ["451 4.3.0 Try again later"]

    [failed] = factories.send_due(store, config, MONDAY)
    same_run_again = factories.send_due(store, config, MONDAY)
    too_early = factories.send_due(store, config, MONDAY.replace(minute=9))
    [retried] = factories.send_due(store, config, MONDAY.replace(minute=11))
    after = factories.send_due(store, config, MONDAY.replace(hour=12))

    assert failed.status == "pending" and "451" in (failed.error or "")
    assert failed.retry_at == MONDAY.replace(minute=10)
    assert same_run_again == [] and too_early == []
    assert retried.status == "sent" and retried.message_id == failed.message_id
    assert after == []
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["Message-ID"] == failed.message_id


def test_a_550_pauses_the_subscription_with_the_reason(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journal_with_preprints(store)
    sub_id = _subscribe(store, "gone@example.org")
    config = _settings(tmp_path, smtp)
    smtp.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"

    [result] = factories.send_due(store, config, MONDAY)
    later = factories.send_due(store, config, MONDAY.replace(day=27))

    assert result.status == "failed" and "550" in (result.error or "")
    assert later == []
    [row] = describe(store, MONDAY)
    assert row["id"] == sub_id and row["paused"] is True
    assert "550" in row["paused_reason"]
    assert row["last_result"]["status"] == "failed"


def test_temporary_failures_give_up_after_a_day(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    _journal_with_preprints(store)
    _subscribe(store, "ada@example.org")
    config = _settings(tmp_path, smtp)
    smtp.fail_data = ["421 4.7.0 Busy"] * 100
    results = []
    when = MONDAY
    for _ in range(40):
        results += factories.send_due(store, config, when)
        if results and results[-1].status == "failed":
            break
        when = results[-1].retry_at or when

    statuses = [r.status for r in results]
    assert statuses[-1] == "failed" and set(statuses[:-1]) == {"pending"}
    minutes = [(r.retry_at - MONDAY).total_seconds() / 60 for r in results[:4] if r.retry_at]
    assert minutes == [5, 5 + 15, 5 + 15 + 60, 5 + 15 + 60 + 60]
    assert results[-1].retry_at is None
    assert len(results) == 3 + 23  # 5, 15, 60 min, then hourly until 24 h are used up
    assert "gave up" in (results[-1].error or "")
    assert smtp.messages == []


def test_a_paused_subscription_can_be_resumed(store: Store, smtp: SmtpPeer, tmp_path: Path) -> None:
    from bot.subscribing import resume

    _journal_with_preprints(store)
    sub_id = _subscribe(store, "ada@example.org")
    config = _settings(tmp_path, smtp)
    smtp.refuse_rcpt["ada@example.org"] = "550 5.2.1 Mailbox disabled"
    factories.send_due(store, config, MONDAY)
    del smtp.refuse_rcpt["ada@example.org"]

    assert resume(store, sub_id)
    same_period = factories.send_due(store, config, MONDAY.replace(day=27))
    [sent] = factories.send_due(store, config, MONDAY.replace(month=11, day=2))

    assert same_period == []  # that period's digest failed for good; its items are not lost:
    assert sent.status == "sent" and sent.period == "2026-11-02" and sent.items == 3
    assert describe(store, MONDAY)[0]["paused"] is False


def test_hourly_runs_across_the_october_dst_change_send_one_digest_per_week(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    for day in range(12, 33):
        posted = date(2026, 10, day) if day <= 31 else date(2026, 11, day - 31)
        factories.scored(store, mia, f"10.1101/{day}", 0.3, posted)
    subscribe(
        store,
        Target("email", "ada@example.org"),
        ["Medical Image Analysis"],
        datetime(2026, 10, 15, tzinfo=UTC),
        rules=WEEKLY,
    )  # Monday 08:00 London
    config = _settings(tmp_path, smtp)
    runs = [
        datetime(2026, month, day, hour, 5, tzinfo=UTC)
        for month, days in ((10, (18, 19, 20, 25, 26, 27)), (11, (1, 2, 3)))
        for day in days
        for hour in range(24)
    ]

    sent = [r for now in runs for r in factories.send_due(store, config, now)]

    assert [r.period for r in sent] == ["2026-10-19", "2026-10-26", "2026-11-02"]
    assert [m["Date"] for m in smtp.messages]  # three real emails
    assert len(smtp.messages) == 3
    with store.session() as session:
        from sqlalchemy import select

        from bot.store.delivery_models import DigestRow

        slots = sorted(row.slot_at for row in session.scalars(select(DigestRow)))
    assert slots == [
        datetime(2026, 10, 19, 7, tzinfo=UTC),  # 08:00 BST
        datetime(2026, 10, 26, 8, tzinfo=UTC),  # 08:00 GMT, the day after the change
        datetime(2026, 11, 2, 8, tzinfo=UTC),
    ]
    assert sum(r.items for r in sent) == 21  # every preprint once, none twice


def test_an_empty_period_sends_nothing_unless_asked_to(
    store: Store, smtp: SmtpPeer, tmp_path: Path
) -> None:
    factories.journal(store, "Medical Image Analysis")
    _subscribe(store, "ada@example.org")
    _subscribe(store, "bob@example.org")
    quiet = _settings(tmp_path, smtp)
    chatty: Settings = factories.settings(
        tmp_path, RXRADAR_EMPTY_DIGEST_MESSAGE="true", **smtp.env()
    )

    skipped = factories.send_due(store, quiet, MONDAY)
    sent = factories.send_due(store, chatty, MONDAY.replace(month=11, day=2))

    assert [(r.status, r.items) for r in skipped] == [("skipped", 0)] * 2
    assert [(r.status, r.items) for r in sent] == [("sent", 0)] * 2
    assert smtp.messages[0]["Subject"] == "New preprints for Medical Image Analysis: 0 preprints"
    assert "Nothing new for Medical Image Analysis" in part_text(smtp.messages[0], "plain")
