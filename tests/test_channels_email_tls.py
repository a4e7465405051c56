"""The email channel over STARTTLS and implicit TLS, with and without AUTH, against a real
local SMTP server holding a certificate from a throwaway CA (trustme)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from bot.channels.base import DeliveryError, Message
from bot.channels.email import EmailChannel
from bot.config import ConfigError, load_settings
from tests import factories
from tests.peers.smtp import SmtpPeer


def _message(address: str = "ada@example.org") -> Message:
    return factories.email_message(address)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _send(peer: SmtpPeer, tmp_path: Path, **env: str) -> None:
    channel = EmailChannel(factories.settings(tmp_path, **{**peer.env(), **env}).smtp)
    try:
        channel.send(_message())
    finally:
        channel.close()


@pytest.fixture(params=["starttls", "ssl"])
def tls_peer(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[SmtpPeer]:
    with SmtpPeer(security=request.param, cert=ca.issue_cert("127.0.0.1")) as peer:
        yield peer


def test_mail_goes_over_tls_when_the_ca_is_trusted(
    tls_peer: SmtpPeer, ca_file: Path, tmp_path: Path
) -> None:
    _send(tls_peer, tmp_path, RXRADAR_SMTP_CA_FILE=str(ca_file))
    assert len(tls_peer.messages) == 1 and tls_peer.tls_sessions == 1


def test_an_untrusted_certificate_is_a_clear_temporary_error(
    tls_peer: SmtpPeer, tmp_path: Path
) -> None:
    with pytest.raises(DeliveryError) as caught:
        _send(tls_peer, tmp_path)  # the system CAs do not know the throwaway CA
    assert not caught.value.permanent  # fix the setting, and the digest still goes out
    assert "certificate was not accepted" in caught.value.reason
    assert "RXRADAR_SMTP_CA_FILE" in caught.value.reason
    assert tls_peer.messages == []


def test_starttls_against_a_server_without_it_says_what_to_change(tmp_path: Path) -> None:
    with SmtpPeer() as plain, pytest.raises(DeliveryError) as caught:
        _send(plain, tmp_path, RXRADAR_SMTP_SECURITY="starttls")
    assert "STARTTLS" in caught.value.reason and "RXRADAR_SMTP_SECURITY" in caught.value.reason
    assert plain.messages == []


def test_login_over_starttls(ca: trustme.CA, ca_file: Path, tmp_path: Path) -> None:
    cert = ca.issue_cert("127.0.0.1")
    with SmtpPeer(security="starttls", cert=cert, users={"ada": "s3cret"}) as peer:
        _send(
            peer,
            tmp_path,
            RXRADAR_SMTP_CA_FILE=str(ca_file),
            RXRADAR_SMTP_USERNAME="ada",
            RXRADAR_SMTP_PASSWORD="s3cret",
        )
        with pytest.raises(DeliveryError) as caught:
            _send(
                peer,
                tmp_path,
                RXRADAR_SMTP_CA_FILE=str(ca_file),
                RXRADAR_SMTP_USERNAME="ada",
                RXRADAR_SMTP_PASSWORD="wrong",
            )
    assert peer.logins == ["ada"] and len(peer.messages) == 1
    # the operator's mistake: the channel fails, no subscriber is paused for it
    assert caught.value.operator and not caught.value.permanent
    assert "SMTP authentication" in caught.value.reason
    assert "RXRADAR_SMTP_USERNAME and RXRADAR_SMTP_PASSWORD" in caught.value.reason
    assert "wrong" not in caught.value.reason


def test_a_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    env = {"RXRADAR_DATA_DIR": str(tmp_path), "RXRADAR_SMTP_CA_FILE": str(tmp_path / "no.pem")}
    with pytest.raises(ConfigError, match=r"RXRADAR_SMTP_CA_FILE.*no such file"):
        load_settings(env)
