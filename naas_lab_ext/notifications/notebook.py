"""What a notebook calls to send its own message: :func:`notify`, and Naas's
``naas.notification.send(email_to, subject, html, files=[], email_from=None)``.

They send from the kernel, with the SMTP settings its server exported (``NAAS_SMTP_HOST``...;
the password from the variable ``NAAS_SMTP_PASSWORD_ENV`` names, which the kernel inherits),
trying each target up to ``NAAS_NOTIFY_RETRIES`` times. Imported by ``naas_data_product``:
nothing heavy (smtplib, email, urllib.request) loads before the first send.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core import env
from ..core.errors import InvalidInput
from ..core.notify import check_email, check_emails, check_webhooks
from .delivery import NotSent, Target, attempt
from .settings import NotifySettings

__all__ = ["Notification", "notification", "notify"]

#: The most the attachments of one mail may weigh (most servers refuse more than 25 MB).
MAX_ATTACHMENTS = 20 * 1024 * 1024
#: Seconds before a notebook's second try (doubled before the next).
BACKOFF = 1.0


def _files(files: Any) -> list[Path]:
    if files is None:
        return []
    items = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    paths = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise InvalidInput(f"Attach files by path, not {type(item).__name__}.", field="files")
        path = Path(item).expanduser()
        if not path.is_file():
            raise InvalidInput(
                f"There is no file '{item}' to attach (paths are relative to the notebook's "
                f"folder, {Path.cwd()}).",
                field="files",
            )
        paths.append(path)
    total = sum(p.stat().st_size for p in paths)
    if total > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"The attachments weigh {total / 1e6:.1f} MB; mail takes {MAX_ATTACHMENTS // 2**20} "
            "MB at most: save big files as outputs and send their path instead.",
            field="files",
        )
    return paths


def _text_of(markup: str) -> str:
    """A plain-text version of an HTML body (the mail's alternative for text readers)."""
    import html as html_module

    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|h[1-6]|li|tr)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    lines = (" ".join(line.split()) for line in html_module.unescape(text).splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def _secrets_product() -> Path | None:
    """The product whose secrets a ``secret:NAME`` webhook is read from first: the run's
    (``$NAAS_SECRETS_PRODUCT``), else the notebook's, else none (the user's only)."""
    explicit = os.environ.get(env.SECRETS_PRODUCT, "").strip()
    if explicit:
        return Path(explicit)
    from ..runtime.product import NotInProduct, locate_product

    try:
        return locate_product()
    except NotInProduct:
        return None


def _send(
    settings: NotifySettings,
    emails: Sequence[str],
    webhooks: Sequence[str],
    *,
    subject: str,
    text: str,
    html: str | None,
    files: Sequence[Path],
    sender: str | None,
) -> list[dict[str, Any]]:
    from .channels import Channels, Content

    if emails and not settings.smtp.configured:
        raise InvalidInput(
            "No SMTP server is configured for this kernel: its server's NaasLabExtApp.smtp_host "
            "is empty (exported to kernels as NAAS_SMTP_HOST). Ask who runs JupyterLab to set "
            "it, or set NAAS_SMTP_HOST (and NAAS_SMTP_USER...) in this kernel's environment.",
            field="to",
        )
    if files and not emails:
        raise InvalidInput("Attachments go with mail: give addresses (to=...).", field="files")
    content = Content(
        subject=subject,
        text=text,
        html=html,
        payload={"text": f"*{subject}*\n{text}".strip(), "subject": subject, "body": text},
        files=files,
        sender=sender,
        product_root=_secrets_product() if webhooks else None,
    )
    channels = Channels(settings)
    targets = [Target("email", a) for a in emails] + [Target("webhook", u) for u in webhooks]
    results = []
    for target in targets:
        outcome = attempt(
            lambda target=target: channels.send(target, content),  # type: ignore[misc]
            tries=settings.retries,
            backoff=BACKOFF,
        )
        results.append(
            {
                "channel": target.channel,
                "target": target.shown,
                "ok": outcome.ok,
                "message": outcome.message,
            }
        )
    failed = [r for r in results if not r["ok"]]
    if failed:
        sent = [str(r["target"]) for r in results if r["ok"]]
        reasons = "; ".join(f"{r['target']}: {r['message']}" for r in failed)
        also = f" (sent to {', '.join(sent)})" if sent else ""
        raise NotSent(f"Not sent to {reasons}{also}.", field="to")
    return results


def notify(
    subject: str,
    body: str,
    *,
    to: str | Sequence[str] | None = None,
    webhook: str | Sequence[str] | None = None,
    html: str | None = None,
    files: Sequence[str | os.PathLike[str]] = (),
) -> list[dict[str, Any]]:
    """Send a message from this notebook: a mail to ``to`` (one address or a list; default:
    the server's default recipients when no webhook is given) and a POST to each ``webhook``
    (``{"text": ..., "subject": ..., "body": ...}``: Slack shows the text). ``body`` is the
    plain text; ``html`` an HTML version of it; ``files`` are attached to the mail.

    Returns each target's result (``channel``, ``target``, ``ok``, the server's answer).
    Raises :class:`~naas_lab_ext.core.errors.InvalidInput` when there is nobody to send to or
    no SMTP server is configured, and ``NotSent`` (with each reason) when a target could not
    be reached after its tries.
    """
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidInput("Give the message a subject (text).", field="subject")
    if not isinstance(body, str):
        raise InvalidInput("The body must be text (html= takes an HTML version).", field="body")
    settings = NotifySettings.from_env()
    hooks = check_webhooks(webhook, field="webhook")
    emails = check_emails(to, field="to")
    if to is None and not hooks:
        emails = list(settings.email_to)
    if not emails and not hooks:
        raise InvalidInput(
            "Nobody to send to: give to='ops@example.com' or webhook='https://...' (the "
            "server has no default recipients: NaasLabExtApp.notify_email_to).",
            field="to",
        )
    return _send(
        settings,
        emails,
        hooks,
        subject=subject,
        text=body,
        html=html,
        files=_files(files),
        sender=None,
    )


class Notification:
    """Naas's ``naas.notification``: ``send(email_to, subject, html, files=[],
    email_from=None)``."""

    def send(
        self,
        email_to: str | Sequence[str] | None = None,
        subject: str = "",
        html: str = "",
        files: Sequence[str | os.PathLike[str]] | None = None,
        email_from: str | None = None,
        **_naas_options: Any,
    ) -> list[dict[str, Any]]:
        """Mail ``html`` (with a plain-text version made from it) to ``email_to`` (an address
        or a list), ``files`` attached, from ``email_from`` (default: the server's sender).
        Raises as :func:`notify` does."""
        if email_to is None or email_to == [] or email_to == "":
            raise InvalidInput(
                "Give the recipients: naas.notification.send(email_to='ops@example.com', ...).",
                field="email_to",
            )
        emails = check_emails(email_to, field="email_to")
        sender = check_email(email_from, field="email_from") if email_from else None
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidInput("Give the mail a subject (text).", field="subject")
        markup = html if isinstance(html, str) else str(html)
        return _send(
            NotifySettings.from_env(),
            emails,
            [],
            subject=subject,
            text=_text_of(markup),
            html=markup,
            files=_files(files),
            sender=sender,
        )

    def __repr__(self) -> str:
        return "<naas_data_product.notification: notification.send(email_to, subject, html)>"


notification = Notification()
