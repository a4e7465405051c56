"""Failures by whose fault they are, against a real SMTP server (aiosmtpd with STARTTLS and
AUTH): the operator's wrong password fails the channel and pauses nobody; a recipient's
550 pauses that one subscription."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.records.target import Target
from bot.store import Store, trust
from bot.store.subscriptions import subscriptions
from bot.subscribing import subscribe
from tests import factories
from tests.peers.smtp import SmtpPeer

CREATED = datetime(2026, 10, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
READERS = ("ada@example.org", "bob@example.org", "cy@example.org")


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with SmtpPeer("starttls", ca.issue_cert("127.0.0.1"), users={"digests": "right"}) as smtp:
        yield smtp


def _env(smtp: SmtpPeer, tmp_path: Path, password: str) -> dict[str, str]:
    return {
        **smtp.env(),
        "RXRADAR_SMTP_CA_FILE": str(tmp_path / "ca.pem"),
        "RXRADAR_SMTP_USERNAME": "digests",
        "RXRADAR_SMTP_PASSWORD": password,
    }


def _settings(smtp: SmtpPeer, tmp_path: Path, password: str) -> Settings:
    return factories.settings(tmp_path, **_env(smtp, tmp_path, password))


def _readers(store: Store) -> None:
    mia = factories.journal(store, "Medical Image Analysis")
    factories.scored(store, mia, "10.1101/a", 0.5, date(2026, 10, 22))
    for address in READERS:
        subscribe(store, Target("email", address), ["Medical Image Analysis"], CREATED)


def _paused(store: Store) -> dict[str, str | None]:
    with store.session() as session:
        return {r.target.address: r.paused_reason for r in subscriptions(session)}


def test_a_wrong_smtp_password_pauses_nobody_and_everything_goes_out_once_fixed(
    store: Store, peer: SmtpPeer, tmp_path: Path, env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    _readers(store)
    wrong = _settings(peer, tmp_path, "wrong")

    with caplog.at_level(logging.INFO, logger="rxradar.delivery"):
        first = factories.send_due(store, wrong, MONDAY)
        again = factories.send_due(store, wrong, MONDAY + timedelta(minutes=1))
    assert [r.status for r in first] == ["pending"] and first[0].channel_failing
    assert [r.status for r in again] == ["pending"]  # the rest wait untouched, unattempted
    assert all(reason is None for reason in _paused(store).values())
    assert peer.messages == []
    with store.session() as session:
        [failing] = trust.failing_channels(session)
    assert failing.kind == "email" and "SMTP authentication failed (535)" in failing.reason
    failing_lines = [r for r in caplog.records if "channel is failing" in r.getMessage()]
    assert len(failing_lines) == 1  # one line per change, not one per digest or run

    checked = CliRunner().invoke(
        app, ["check", "--json"], env={**env, **_env(peer, tmp_path, "wrong")}
    )
    assert checked.exit_code == 1
    smtp_check = next(c for c in json.loads(checked.stdout)["checks"] if c["name"] == "smtp")
    assert not smtp_check["ok"] and "SMTP authentication" in smtp_check["detail"]
    assert "RXRADAR_SMTP_PASSWORD" in smtp_check["detail"] and peer.messages == []
    logging.getLogger().addHandler(caplog.handler)  # the CLI set up its own logging

    right = _settings(peer, tmp_path, "right")
    with caplog.at_level(logging.INFO, logger="rxradar.delivery"):
        fixed = factories.send_due(store, right, MONDAY + timedelta(minutes=2))
        later = factories.send_due(store, right, MONDAY + timedelta(hours=2))
    assert sorted(r.status for r in fixed) == ["sent"] * 3 and later == []
    assert sorted(str(m["To"]) for m in peer.messages) == list(READERS)
    with store.session() as session:
        assert trust.failing_channels(session) == []
    assert sum("works again" in r.getMessage() for r in caplog.records) == 1
    fine = CliRunner().invoke(
        app, ["check", "--json"], env={**env, **_env(peer, tmp_path, "right")}
    )
    smtp_check = next(c for c in json.loads(fine.stdout)["checks"] if c["name"] == "smtp")
    assert smtp_check["ok"], smtp_check


def test_a_550_for_one_recipient_pauses_only_that_subscription(
    store: Store, peer: SmtpPeer, tmp_path: Path
) -> None:
    _readers(store)
    peer.refuse_rcpt["bob@example.org"] = "550 5.1.1 No such user here"

    results = factories.send_due(store, _settings(peer, tmp_path, "right"), MONDAY)

    status = {r.target.address: r.status for r in results}
    assert status == {"ada@example.org": "sent", "bob@example.org": "failed",
                      "cy@example.org": "sent"}  # fmt: skip
    paused = _paused(store)
    assert "550" in (paused["bob@example.org"] or "")
    assert paused["ada@example.org"] is None and paused["cy@example.org"] is None
    with store.session() as session:
        assert trust.failing_channels(session) == []


def test_an_unconfigured_channel_keeps_digests_pending_until_it_is_set_up(
    store: Store, peer: SmtpPeer, tmp_path: Path, env: dict[str, str]
) -> None:
    _readers(store)

    code = CliRunner().invoke(app, ["send-due", "--now", MONDAY.isoformat()], env=env)

    assert code.exit_code == 1  # said, not swallowed
    assert "RXRADAR_SMTP_HOST is not set" in code.stderr
    assert all(reason is None for reason in _paused(store).values())
    sent = factories.send_due(
        store, _settings(peer, tmp_path, "right"), MONDAY + timedelta(hours=1)
    )
    assert sorted(r.status for r in sent) == ["sent"] * 3
    assert sorted(str(m["To"]) for m in peer.messages) == list(READERS)
