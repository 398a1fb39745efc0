"""Mail over SMTP (smtplib): build a message (plain text, HTML, attachments) and send it through
the configured server, with STARTTLS, TLS or neither, and time limits.

The password is read from the environment variable the settings name, at the moment of
sending, and goes nowhere else: the errors raised here name the server and the user, never it.
"""

from __future__ import annotations

import base64
import mimetypes
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..core.errors import NaasError
from .delivery import DeliveryError
from .settings import SmtpSettings

__all__ = ["MAX_ATTACHMENTS", "build_mail", "send_mail"]

#: The most a mail may carry in attachments (most servers refuse more than 25 MB).
MAX_ATTACHMENTS = 20 * 1024 * 1024


def build_mail(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    files: Sequence[Path] = (),
) -> EmailMessage:
    """A mail: ``text`` (and ``html`` as the alternative), ``files`` attached."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    # Headers are one line: a subject made from a run's error must not add headers.
    mail["Subject"] = " ".join(subject.split())[:250]
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for path in files:
        kind, encoding = mimetypes.guess_type(path.name)
        if kind is None or encoding is not None:
            kind = "application/octet-stream"
        main, _, sub = kind.partition("/")
        mail.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    return mail


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; smtplib only encodes ASCII credentials, so others go as UTF-8 AUTH PLAIN
    (RFC 4616), which servers that offer PLAIN take."""
    if user.isascii() and password.isascii():
        server.login(user, password)
        return
    if not server.has_extn("auth") or "PLAIN" not in server.esmtp_features["auth"].upper():
        raise smtplib.SMTPNotSupportedError(
            "the server does not offer AUTH PLAIN, the only way to send a non-ASCII password"
        )
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    code, answer = server.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def send_mail(
    settings: SmtpSettings,
    mail: EmailMessage,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Send ``mail`` to its To addresses; return the server's answer to the message (e.g.
    ``250 OK``). :class:`DeliveryError` says what went wrong, ``permanent`` when trying again
    cannot help (no server configured, the login or an address refused)."""
    if not settings.configured:
        raise DeliveryError(
            "No SMTP server is configured: set NaasLabExtApp.smtp_host (or NAAS_SMTP_HOST).",
            permanent=True,
        )
    try:
        password = settings.password(environ)
    except NaasError as exc:
        raise DeliveryError(
            f"The SMTP password ({settings.password_from}) cannot be read: {exc.message}",
            permanent=True,
        ) from None
    if settings.user and password is None and settings.password_secret:
        name = settings.password_secret
        raise DeliveryError(
            f"The SMTP password of {settings.user} is not set: add the secret {name} "
            f"(`naas-lab secrets set {name}`, or the Manager's Secrets tab).",
            permanent=True,
        )
    if settings.user and password is None:
        raise DeliveryError(
            f"The SMTP password of {settings.user} is not in the environment: set the "
            f"variable {settings.password_env} where the server (or command) starts.",
            permanent=True,
        )
    recipients = [a.strip() for a in str(mail["To"]).split(",") if a.strip()]
    sender = str(mail["From"] or "") or settings.sender()
    where = settings.where()
    # The system's trusted certificates (SSL_CERT_FILE / SSL_CERT_DIR add a private CA).
    context = ssl.create_default_context()
    try:
        with _connect(settings, context) as server:
            server.ehlo_or_helo_if_needed()
            if settings.security == "starttls":
                server.starttls(context=context)
                server.ehlo()
            if settings.user and password is not None:
                _login(server, settings.user, password)
            code, answer = server.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, answer, sender)
            refused = {}
            for address in recipients:
                code, answer = server.rcpt(address)
                if code not in (250, 251):
                    refused[address] = (code, answer)
            if len(refused) == len(recipients):
                server.rset()
                raise smtplib.SMTPRecipientsRefused(refused)
            code, answer = server.data(mail.as_bytes())
            if code != 250:
                raise smtplib.SMTPDataError(code, answer)
    except smtplib.SMTPAuthenticationError as exc:
        said = _reply(exc.smtp_code, exc.smtp_error)
        raise DeliveryError(
            f"{where} refused the login of {settings.user}: {said}", permanent=True
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{where}: {exc} (check smtp_security)", permanent=True) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refusals = "; ".join(
            f"{address}: {_reply(*reply)}" for address, reply in exc.recipients.items()
        )
        raise DeliveryError(f"{where} refused {refusals}", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}",
            permanent=500 <= exc.smtp_code < 600,
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS with {where} failed: {exc.reason or exc} (check smtp_security and smtp_port; "
            "a private CA goes in SSL_CERT_FILE)"
        ) from None
    except TimeoutError:
        raise DeliveryError(f"{where} did not answer within {settings.timeout:g} s") from None
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DeliveryError(
            f"Cannot send through {where}: {reason or type(exc).__name__}"
        ) from None
    said = _reply(code, answer)
    if refused:
        return f"{said} (refused: {', '.join(refused)})"
    return said


def _reply(code: int, answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {' '.join(text.split())}"[:300]
