"""Email over SMTP (STARTTLS, SSL or plain), one connection per batch.

SMTP replies map onto the channel contract: 4xx and connection problems are temporary
(retry on a later run), 5xx refusals of the recipient or the message are permanent (pause
the subscription). Authentication failures are permanent too: retrying will not fix a
wrong password, the operator must.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from bot.channels.base import DeliveryError, DigestMessage, Receipt
from bot.config import Settings
from bot.store.base import utcnow


def message_id_for(settings: Settings) -> str:
    """A fresh Message-ID in our public domain; stored with the delivery and reused on retry."""
    domain = urlsplit(settings.public_url).hostname or "rxradar.localhost"
    return make_msgid(idstring="rxradar", domain=domain)


def sender(settings: Settings) -> Address:
    """RXRADAR_SMTP_FROM is 'address' or 'Name <address>'."""
    name, address = parseaddr(settings.smtp_from)
    if "@" not in address:
        raise DeliveryError(
            True,
            f"RXRADAR_SMTP_FROM={settings.smtp_from!r} has no address; set it to "
            "'rxradar <digests@example.org>'",
        )
    user, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def build_email(settings: Settings, message: DigestMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender(settings)
    email["To"] = message.target.address or ""
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message.message_id or message_id_for(settings)
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def _reply_error(code: int, reply: bytes | str, what: str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryError(permanent=500 <= code < 600, reason=f"SMTP {code} {what}: {text}")


class EmailChannel:
    kind = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError(False, "RXRADAR_SMTP_HOST is not set; set it to send email")
        port = s.smtp_port or 587
        context = ssl.create_default_context(cafile=s.smtp_ca_file)
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, port, timeout=s.smtp_timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, port, timeout=s.smtp_timeout)
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
        if s.smtp_username and s.smtp_password:
            smtp.login(s.smtp_username, s.smtp_password.get())
        return smtp

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                raise DeliveryError(
                    True,
                    f"SMTP login refused ({exc.smtp_code}); check RXRADAR_SMTP_USERNAME "
                    "and RXRADAR_SMTP_PASSWORD",
                ) from exc
            except smtplib.SMTPResponseException as exc:
                raise _reply_error(exc.smtp_code, exc.smtp_error, "on connect") from exc
            except ssl.SSLCertVerificationError as exc:
                raise DeliveryError(
                    False,
                    f"the SMTP server's TLS certificate was not accepted ({exc.verify_message}); "
                    "check that RXRADAR_SMTP_HOST is the name on its certificate, or set "
                    "RXRADAR_SMTP_CA_FILE to the CA that signed it",
                ) from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise DeliveryError(
                    False,
                    f"the SMTP server lacks a feature rxradar was told to use ({exc}): "
                    "RXRADAR_SMTP_SECURITY=starttls needs STARTTLS (use ssl for port 465, "
                    "none only on a trusted network); RXRADAR_SMTP_USERNAME needs AUTH",
                ) from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError(False, f"cannot reach the SMTP server: {exc}") from exc
        return self._smtp

    def send(self, message: DigestMessage) -> Receipt:
        if not message.target.address:
            raise DeliveryError(True, "the subscriber has no email address")
        email = build_email(self.settings, message)
        smtp = self._session()
        try:
            refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _reply_error(code, reply, "recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _reply_error(exc.smtp_code, exc.smtp_error, "message refused") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()  # the next message of the batch reconnects
            raise DeliveryError(False, f"SMTP connection failed: {exc}") from exc
        if refused:
            code, reply = next(iter(refused.values()))
            raise _reply_error(code, reply, "recipient refused")
        return Receipt(message_id=str(email["Message-ID"]))

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
