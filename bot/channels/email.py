"""Email over SMTP (STARTTLS, SSL or plain), one connection per batch; renders digests and
notices as multipart text + HTML mail.

SMTP replies map onto the channel contract: 4xx and connection problems are temporary
(retry on a later run), 5xx refusals of the recipient or the message are permanent (pause
the subscription). What is the operator's to fix — the server unreachable, TLS, a wrong
password (530/535), a missing RXRADAR_SMTP_FROM — marks the whole channel as failing
instead: no subscriber is paused, and everything waits until the settings work.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from typing import Any

import css_inline
from jinja2 import TemplateNotFound

from bot.channels.base import ChannelSpec, DeliveryError, DigestBody, Message, Notice, Receipt
from bot.config import Settings, SmtpSettings
from bot.digest import feedback, wording
from bot.records.target import TargetError
from bot.store import Store
from bot.store.base import utcnow
from bot.templating import render

NOT_SET = "RXRADAR_SMTP_HOST is not set; set it to send email"
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


@dataclass(frozen=True)
class EmailParts:
    subject: str
    text: str
    html: str | None


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


def digest_context(body: DigestBody) -> dict[str, Any]:
    digest = body.digest
    return {
        "subject": wording.subject(digest),
        "heading": wording.heading(digest),
        "intro": wording.intro(digest),
        "sections": wording.shown_sections(digest),
        "grouped": len(digest.sections) > 1,
        "section_empty": wording.section_empty,
        "entries": digest.entries,
        "journals": wording.journals(digest),
        "section_note": wording.section_note,
        "empty_note": wording.empty_note(digest),
        "kind": wording.kind(digest, body.cadence),
        "unsubscribe_url": body.links.unsubscribe_url,
        "outcome_line": digest.outcome_line,
        "outcome_links": digest.outcome_links,
        "vote_urls": body.links.vote_urls,
        "feedback_reset_url": body.links.feedback_reset_url,
        "feedback_line": feedback.feedback_line,
    }


def render_email(message: Message) -> EmailParts:
    """The subject, plain-text part and (CSS-inlined) HTML part of a message."""
    if isinstance(message.body, Notice):
        notice = message.body
        text = render(f"notices/{notice.name}.txt.j2", **notice.values)
        try:
            page = render(f"notices/{notice.name}.html.j2", **notice.values)
        except TemplateNotFound:
            return EmailParts(notice.subject, text, None)
        return EmailParts(notice.subject, text, _inliner().inline(page))
    context = digest_context(message.body)
    html = _inliner().inline(render("email/digest.html.j2", **context))
    return EmailParts(context["subject"], render("email/digest.txt.j2", **context), html)


def sender(smtp: SmtpSettings) -> Address:
    """RXRADAR_SMTP_FROM is 'address' or 'Name <address>'."""
    name, address = parseaddr(smtp.sender)
    if "@" not in address:
        raise DeliveryError(
            False,
            f"RXRADAR_SMTP_FROM={smtp.sender!r} has no address; set it to "
            "'rxradar <digests@example.org>'",
            operator=True,
        )
    user, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def build_email(smtp: SmtpSettings, message: Message) -> EmailMessage:
    parts = render_email(message)
    email = EmailMessage()
    email["From"] = sender(smtp)
    email["To"] = message.target.address
    email["Subject"] = parts.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message.message_id
    if isinstance(message.body, DigestBody):
        email["List-Unsubscribe"] = f"<{message.body.links.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(parts.text)
    if parts.html:
        email.add_alternative(parts.html, subtype="html")
    return email


AUTH_CODES = frozenset({530, 534, 535, 538})  # authentication required / refused


def _auth_error(code: int) -> DeliveryError:
    return DeliveryError(
        False,
        f"SMTP authentication failed ({code}); check RXRADAR_SMTP_USERNAME and "
        "RXRADAR_SMTP_PASSWORD",
        operator=True,
    )


def _reply_error(code: int, reply: bytes | str, what: str) -> DeliveryError:
    if code in AUTH_CODES:
        return _auth_error(code)
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryError(permanent=500 <= code < 600, reason=f"SMTP {code} {what}: {text}")


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if not smtp.host:
        raise DeliveryError(False, NOT_SET, operator=True)
    context = ssl.create_default_context(cafile=smtp.ca_file)
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.security == "starttls":
            client.starttls(context=context)
    if smtp.username and smtp.password:
        client.login(smtp.username, smtp.password.get())
    return client


def open_session(smtp: SmtpSettings) -> smtplib.SMTP:
    """A logged-in SMTP session; every failure is a DeliveryError saying what to check."""
    try:
        return _connect(smtp)
    except smtplib.SMTPAuthenticationError as exc:
        raise _auth_error(exc.smtp_code) from exc
    except smtplib.SMTPResponseException as exc:
        error = _reply_error(exc.smtp_code, exc.smtp_error, "on connect")
        raise DeliveryError(False, error.reason, operator=True) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            False,
            f"the SMTP server's TLS certificate was not accepted ({exc.verify_message}); "
            "check that RXRADAR_SMTP_HOST is the name on its certificate, or set "
            "RXRADAR_SMTP_CA_FILE to the CA that signed it",
            operator=True,
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            False,
            f"the SMTP server lacks a feature rxradar was told to use ({exc}): "
            "RXRADAR_SMTP_SECURITY=starttls needs STARTTLS (use ssl for port 465, "
            "none only on a trusted network); RXRADAR_SMTP_USERNAME needs AUTH",
            operator=True,
        ) from exc
    except ssl.SSLError as exc:
        raise DeliveryError(
            False, f"TLS with the SMTP server failed ({exc}); check RXRADAR_SMTP_SECURITY "
            "(starttls for port 587, ssl for 465)", operator=True,
        ) from exc  # fmt: skip
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            False, f"cannot reach the SMTP server {smtp.host}:{smtp.port}: {exc}", operator=True
        ) from exc


class EmailChannel:
    kind = "email"

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self._session: smtplib.SMTP | None = None

    def send(self, message: Message) -> Receipt:
        email = build_email(self.smtp, message)
        if self._session is None:
            self._session = open_session(self.smtp)
        try:
            refused = self._session.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _reply_error(code, reply, "recipient refused") from exc
        except smtplib.SMTPSenderRefused as exc:  # MAIL FROM: the operator's sender or login
            self._drop()
            error = _reply_error(exc.smtp_code, exc.smtp_error, "sender refused")
            raise DeliveryError(False, error.reason, operator=True) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _reply_error(exc.smtp_code, exc.smtp_error, "message refused") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()  # the next attempt reconnects
            raise DeliveryError(False, f"SMTP connection failed: {exc}", operator=True) from exc
        if refused:
            code, reply = next(iter(refused.values()))
            raise _reply_error(code, reply, "recipient refused")
        return Receipt(message_id=str(email["Message-ID"]))

    def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(OSError):
                session.close()

    def close(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.quit()
        except (smtplib.SMTPException, OSError):
            session.close()


def parse_address(text: str) -> str:
    """One email address, lower-cased; anything else is refused."""
    address = text.strip().removeprefix("mailto:").lower()
    if not _ADDRESS.match(address):
        raise TargetError(f"{text!r} is not an email address (write it as name@example.org)")
    return address


def _missing(settings: Settings) -> str | None:
    return None if settings.smtp.host else NOT_SET


def _open(settings: Settings, store: Store) -> EmailChannel:
    return EmailChannel(settings.smtp)


def preview_text(message: Message) -> str:
    return render_email(message).text


def preview_html(message: Message) -> str:
    return render_email(message).html or ""


SPEC = ChannelSpec(
    kind="email",
    open=_open,
    missing=_missing,
    parse_address=parse_address,
    preview=preview_text,
    confirm_first=True,
)
