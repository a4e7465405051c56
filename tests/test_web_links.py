"""/confirm/<token>, /unsubscribe/<token> and /healthz through the real HTTP server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot import subscribing
from bot.config import load_settings
from bot.records.target import Target
from bot.store import Store
from bot.store.db import make_engine
from bot.store.models import Feed
from bot.store.subscriptions import SubscriptionRecord
from bot.tokens import CONFIRM, UNSUBSCRIBE, make_token
from bot.web.app import create_web_app
from tests.peers.smtp import SmtpPeer, part_text
from tests.peers.web import UvicornThread
from tests.slack_support import (  # noqa: F401
    Harness,
    harness_factory,
    sqlite_harness_factory,
)

KEY = "test-secret-key-not-for-production"


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture
def h(harness_factory: Callable[..., Harness], smtp: SmtpPeer) -> Harness:  # noqa: F811
    return harness_factory(**smtp.env())


@pytest.fixture
def h1(sqlite_harness_factory: Callable[..., Harness]) -> Harness:  # noqa: F811
    """One backend is enough where only token checking is exercised."""
    return sqlite_harness_factory()


def _subscribe(h: Harness, address: str = "reader@example.org") -> SubscriptionRecord:
    target = Target("email", address)
    return subscribing.subscribe(h.store, target, ["eLife"], datetime.now(UTC))


def _record(h: Harness, subscription_id: int) -> SubscriptionRecord:
    with h.store.session() as session:
        from bot.store.subscriptions import subscription

        found = subscription(session, subscription_id)
    assert found is not None
    return found


def _local(url: str, h: Harness) -> str:
    return url.replace("http://rxradar.test", h.server.url("").rstrip("/"))


def test_the_email_command_sends_a_confirmation_that_the_link_completes(
    h: Harness, smtp: SmtpPeer
) -> None:
    h.command("email Reader@Example.org eLife weekly fri 09:00")
    assert "I emailed reader@example.org a confirmation link" in str(h.answer())
    [message] = smtp.messages
    assert message["To"] == "reader@example.org"
    link = re.search(r"http://rxradar\.test/confirm/\S+", part_text(message, "plain"))
    assert link is not None
    [row] = subscribing.describe(h.store, datetime.now(UTC))
    assert row["paused_reason"] == "waiting for email confirmation"

    page = httpx.get(_local(link.group(0), h))  # viewing (or a mail scanner) changes nothing
    assert page.status_code == 200 and "Yes, send me these digests" in page.text
    assert "eLife (weekly)" in page.text
    assert subscribing.describe(h.store, datetime.now(UTC))[0]["paused"] is True

    done = httpx.post(_local(link.group(0), h), data={"confirm": "yes"})
    assert done.status_code == 200 and "reader@example.org is confirmed" in done.text
    assert subscribing.describe(h.store, datetime.now(UTC))[0]["paused"] is False


def test_one_click_unsubscribe_stops_the_subscription_at_once(h: Harness) -> None:
    record = _subscribe(h)
    token = make_token(KEY, UNSUBSCRIBE, record.id, record.target.key, datetime.now(UTC))
    response = httpx.post(
        h.server.url(f"/unsubscribe/{token}"),
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200 and response.text == "unsubscribed\n"
    assert _record(h, record.id).active is False


def test_the_unsubscribe_page_asks_before_acting(h: Harness) -> None:
    record = _subscribe(h)
    token = make_token(KEY, UNSUBSCRIBE, record.id, record.target.key, datetime.now(UTC))
    page = httpx.get(h.server.url(f"/unsubscribe/{token}"))
    assert page.status_code == 200
    assert "Stop sending reader@example.org the digest for eLife?" in page.text
    assert '<form method="post" action="">' in page.text
    assert _record(h, record.id).active is True
    done = httpx.post(h.server.url(f"/unsubscribe/{token}"), data={"confirm": "yes"})
    assert "will get no more digests for eLife" in done.text
    assert _record(h, record.id).active is False


@pytest.mark.parametrize(
    "make",
    [
        lambda r, now: make_token("another-key", UNSUBSCRIBE, r.id, r.target.key, now),
        lambda r, now: make_token(KEY, UNSUBSCRIBE, r.id, r.target.key, now - timedelta(days=401)),
        lambda r, now: make_token(KEY, CONFIRM, r.id, r.target.key, now),  # wrong purpose
        lambda r, now: make_token(KEY, UNSUBSCRIBE, r.id, r.target.key, now)[:-3] + "AAA",
        lambda r, now: "garbage",
        lambda r, now: "x" * 5000,
    ],
    ids=["forged", "expired", "confirm-token", "tampered", "garbage", "huge"],
)
def test_a_bad_unsubscribe_token_gets_400_and_changes_nothing(
    h1: Harness, make: Callable[[SubscriptionRecord, datetime], str]
) -> None:
    record = _subscribe(h1)
    token = make(record, datetime.now(UTC))
    for response in (
        httpx.get(h1.server.url(f"/unsubscribe/{token}")),
        httpx.post(h1.server.url(f"/unsubscribe/{token}"), content=b"List-Unsubscribe=One-Click"),
    ):
        assert response.status_code == 400
    assert _record(h1, record.id).active is True


def test_a_token_for_another_subscriber_gets_404_and_changes_nothing(h: Harness) -> None:
    mine, theirs = _subscribe(h, "me@example.org"), _subscribe(h, "them@example.org")
    # a genuine token naming their subscription but bound to my address
    token = make_token(KEY, UNSUBSCRIBE, theirs.id, mine.target.key, datetime.now(UTC))
    response = httpx.post(
        h.server.url(f"/unsubscribe/{token}"), content=b"List-Unsubscribe=One-Click"
    )
    assert response.status_code == 404
    assert _record(h, theirs.id).active is True and _record(h, mine.id).active is True
    token = make_token(KEY, CONFIRM, theirs.subscriber_id, mine.target.key, datetime.now(UTC))
    assert httpx.post(h.server.url(f"/confirm/{token}")).status_code == 404


def test_an_expired_confirmation_link_gets_400_and_confirms_nothing(h: Harness) -> None:
    target = Target("email", "late@example.org")
    record = subscribing.subscribe(h.store, target, ["eLife"], datetime.now(UTC), confirmed=False)
    old = datetime.now(UTC) - timedelta(days=8)
    token = make_token(KEY, CONFIRM, record.subscriber_id, record.target.key, old)
    response = httpx.post(h.server.url(f"/confirm/{token}"))
    assert response.status_code == 400 and "expired" in response.text
    assert _record(h, record.id).confirmed is False


def test_pages_escape_what_users_typed(h: Harness) -> None:
    record = _subscribe(h, "<script>alert(1)</script>@example.org")
    token = make_token(KEY, UNSUBSCRIBE, record.id, record.target.key, datetime.now(UTC))
    page = httpx.get(h.server.url(f"/unsubscribe/{token}"))
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@example.org" in page.text


def test_healthz_reports_database_model_and_last_poll(h: Harness) -> None:
    response = httpx.get(h.server.url("/healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"reachable": True, "error": None}
    assert body["model"] == {"version": "m1", "loaded": False}  # its file is not on disk
    assert body["status"] == "degraded"
    assert body["last_poll_at"] is None
    polled = datetime(2026, 11, 29, 5, 30, tzinfo=UTC)
    with h.store.session() as session:
        session.add(Feed(url="https://example.org/feed.xml", last_polled_at=polled))
    assert httpx.get(h.server.url("/healthz")).json()["last_poll_at"] == polled.isoformat()


def test_healthz_names_a_failing_channel_and_its_reason(h: Harness) -> None:
    from bot.store import trust

    assert httpx.get(h.server.url("/healthz")).json()["failing_channels"] == {}
    since = datetime(2026, 11, 29, 5, 30, tzinfo=UTC)
    with h.store.session() as session:
        trust.mark_failing(session, "email", "SMTP authentication failed (535)", since)
    body = httpx.get(h.server.url("/healthz")).json()
    assert body["status"] == "degraded"
    assert body["failing_channels"] == {
        "email": {"reason": "SMTP authentication failed (535)", "since": since.isoformat()}
    }


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = load_settings({"RXRADAR_DATA_DIR": str(tmp_path)})
    store = Store(make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"))
    with UvicornThread(create_web_app(settings, store)) as server:
        response = httpx.get(server.url("/healthz"), timeout=10)
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False
    assert response.json()["status"] == "error"


def test_unknown_paths_and_methods_are_refused(h: Harness) -> None:
    assert httpx.get(h.server.url("/slack/events")).status_code == 405
    assert httpx.get(h.server.url("/slack/install")).status_code == 404  # not an OAuth install
    assert httpx.get(h.server.url("/unsubscribe/")).status_code == 404
