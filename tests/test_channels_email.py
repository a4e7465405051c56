"""The email channel on its own, against a real local SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.base import DeliveryError, Message
from bot.channels.email import EmailChannel, build_email
from bot.config import Settings, SmtpSettings
from tests import factories
from tests.peers.smtp import SmtpPeer, free_port


def _message(address: str = "ada@example.org") -> Message:
    return factories.email_message(address)


def _smtp(tmp_path: Path, **env: str) -> SmtpSettings:
    return factories.settings(tmp_path, **env).smtp


def _settings(tmp_path: Path, **env: str) -> Settings:
    return factories.settings(tmp_path, **env)


@pytest.fixture
def smtp() -> object:
    with SmtpPeer() as peer:
        yield peer


def test_the_message_has_both_parts_and_one_click_unsubscribe(tmp_path: Path) -> None:
    email = build_email(_smtp(tmp_path, RXRADAR_SMTP_FROM="digests@rxradar.test"), _message())

    assert email.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in email.iter_parts()] == ["text/plain", "text/html"]
    assert email["From"] == "digests@rxradar.test"
    assert email["Message-ID"] == "<fixed.1@rxradar.test>"
    assert email["List-Unsubscribe"] == "<http://rxradar.test/unsubscribe/TOKEN>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_several_messages_share_one_connection(smtp: SmtpPeer, tmp_path: Path) -> None:
    channel = EmailChannel(_smtp(tmp_path, **smtp.env()))
    try:
        for address in ("a@example.org", "b@example.org", "c@example.org"):
            channel.send(_message(address))
    finally:
        channel.close()

    assert smtp.connections == 1
    assert [to for _, [to] in smtp.envelopes] == ["a@example.org", "b@example.org", "c@example.org"]
    assert smtp.envelopes[0][0] == "digests@rxradar.test"


@pytest.mark.parametrize(
    ("refusal", "permanent"),
    [
        ("550 5.1.1 No such user", True),
        ("451 4.3.0 Try later", False),
        ("421 4.7.0 Too busy", False),
        ("552 5.3.4 Message too big", True),
    ],
)
def test_smtp_replies_map_to_permanent_or_temporary(
    smtp: SmtpPeer, tmp_path: Path, refusal: str, permanent: bool
) -> None:
    if refusal.startswith("55") and "user" in refusal:
        smtp.refuse_rcpt["ada@example.org"] = refusal
    else:
        smtp.fail_data = [refusal]
    channel = EmailChannel(_smtp(tmp_path, **smtp.env()))

    with pytest.raises(DeliveryError) as caught:
        channel.send(_message())
    channel.close()

    assert caught.value.permanent is permanent
    assert refusal.split()[0] in caught.value.reason


def test_an_unreachable_server_is_temporary(tmp_path: Path) -> None:
    channel = EmailChannel(
        _smtp(
            tmp_path,
            RXRADAR_SMTP_HOST="127.0.0.1",
            RXRADAR_SMTP_PORT=str(free_port()),
            RXRADAR_SMTP_SECURITY="none",
            RXRADAR_SMTP_TIMEOUT="2",
        )
    )

    with pytest.raises(DeliveryError) as caught:
        channel.send(_message())

    assert caught.value.permanent is False and "SMTP server" in caught.value.reason


def test_a_missing_host_says_which_setting_to_set(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="RXRADAR_SMTP_HOST"):
        EmailChannel(_smtp(tmp_path)).send(_message())
