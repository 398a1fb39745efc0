"""The notification options of the server: traits ``NaasLabExtApp`` inherits (set them as
``c.NaasLabExtApp.smtp_host = ...``), and the :class:`~.settings.NotifySettings` they make.

Each option defaults to its environment variable (``NAAS_SMTP_HOST``...; see
:mod:`naas_lab_ext.core.env`), so a container configures the server, ``naas-lab scheduler``
and the kernels alike.
"""

from __future__ import annotations

import os
from typing import Any

from traitlets import Enum, HasTraits, Int, List, TraitError, Unicode, default, validate

from ..core import env
from ..core.errors import NaasError
from ..core.notify import check_emails, check_webhooks
from .settings import SECURITY, NotifySettings, SmtpSettings, check_public_url, split_list

__all__ = ["NotificationTraits"]


def _env(name: str, fallback: str = "") -> str:
    return os.environ.get(name, "").strip() or fallback


class NotificationTraits(HasTraits):
    """The ``smtp_*``, ``mail_from``, ``notify_*`` and ``public_url`` options."""

    smtp_host = Unicode(
        config=True,
        help="SMTP server notifications are mailed through (empty: no mail). "
        "Default: $NAAS_SMTP_HOST.",
    )
    smtp_port = Int(config=True, help="Port of the SMTP server (587 for STARTTLS, 465 for SSL).")
    smtp_security = Enum(
        SECURITY,
        config=True,
        help="'starttls' (upgrade the connection, port 587), 'ssl' (TLS from the start, port "
        "465) or 'none' (a relay on a trusted network).",
    )
    smtp_user = Unicode(config=True, help="User to log in to the SMTP server as (empty: no login).")
    smtp_password_env = Unicode(
        config=True,
        help="The NAME of the environment variable holding the SMTP password (default "
        "NAAS_SMTP_PASSWORD). The password is read from it when a mail is sent; it is never "
        "a setting, an answer, an event or a log line. Kernels inherit the variable.",
    )
    smtp_password_secret = Unicode(
        config=True,
        help="The NAME of the secret (see `naas-lab secrets`, the Manager's Secrets tab) "
        "holding the SMTP password; when set it wins over smtp_password_env. Read when a mail "
        "is sent; kernels get the name, never the password. Default: "
        "$NAAS_SMTP_PASSWORD_SECRET.",
    )
    mail_from = Unicode(
        config=True, help="Sender address of notifications (default: smtp_user, or naas-lab@host)."
    )
    notify_email_to = List(
        Unicode(),
        config=True,
        help="Default recipients: told of every failed run unless its rules say otherwise "
        "(and of successes or starts a rule turns on with `true`). Default: "
        "$NAAS_NOTIFY_EMAIL_TO (comma-separated).",
    )
    notify_webhook_urls = List(
        Unicode(),
        config=True,
        help="Default webhooks (Slack incoming webhooks...), POSTed the same news as "
        "notify_email_to. Their URLs are secrets: answers and events show them shortened. "
        "'secret:NAME' stands for the URL the secret NAME holds (read at send time).",
    )
    public_url = Unicode(
        config=True,
        help="The URL users open JupyterLab at (e.g. https://lab.example.com): mail links to "
        "the executed notebook and the Manager. Empty: no links. Default: $NAAS_PUBLIC_URL.",
    )
    notify_retries = Int(
        config=True, help="Tries per notification (with backoff) before it is recorded failed."
    )

    @default("smtp_host")
    def _default_host(self) -> str:
        return _env(env.SMTP_HOST)

    @default("smtp_port")
    def _default_port(self) -> int:
        text = _env(env.SMTP_PORT)
        return int(text) if text.isdigit() else 587

    @default("smtp_security")
    def _default_security(self) -> str:
        text = _env(env.SMTP_SECURITY).lower()
        return text if text in SECURITY else "starttls"

    @default("smtp_user")
    def _default_user(self) -> str:
        return _env(env.SMTP_USER)

    @default("smtp_password_env")
    def _default_password_env(self) -> str:
        return _env(env.SMTP_PASSWORD_ENV, env.SMTP_PASSWORD)

    @default("smtp_password_secret")
    def _default_password_secret(self) -> str:
        return _env(env.SMTP_PASSWORD_SECRET)

    @default("mail_from")
    def _default_from(self) -> str:
        return _env(env.MAIL_FROM)

    @default("notify_email_to")
    def _default_email_to(self) -> list[str]:
        return split_list(_env(env.NOTIFY_EMAIL_TO))

    @default("notify_webhook_urls")
    def _default_webhooks(self) -> list[str]:
        return split_list(_env(env.NOTIFY_WEBHOOK_URLS))

    @default("public_url")
    def _default_public_url(self) -> str:
        return _env(env.PUBLIC_URL)

    @default("notify_retries")
    def _default_retries(self) -> int:
        text = _env(env.NOTIFY_RETRIES)
        return int(text) if text.isdigit() else 3

    @validate("notify_email_to")
    def _check_email_to(self, proposal: Any) -> list[str]:
        try:
            return check_emails(list(proposal["value"]), field="notify_email_to")
        except NaasError as exc:
            raise TraitError(f"notify_email_to: {exc.message}") from None

    @validate("notify_webhook_urls")
    def _check_webhooks(self, proposal: Any) -> list[str]:
        try:
            return check_webhooks(list(proposal["value"]), field="notify_webhook_urls")
        except NaasError as exc:
            raise TraitError(f"notify_webhook_urls: {exc.message}") from None

    @validate("public_url")
    def _check_public_url(self, proposal: Any) -> str:
        try:
            return check_public_url(proposal["value"])
        except NaasError as exc:
            raise TraitError(exc.message) from None

    def notification_settings(self) -> NotifySettings:
        """The settings these options make (:class:`InvalidInput` for a bad combination)."""
        return NotifySettings(
            smtp=SmtpSettings(
                host=self.smtp_host.strip(),
                port=self.smtp_port,
                security=self.smtp_security,
                user=self.smtp_user.strip(),
                password_env=self.smtp_password_env.strip(),
                mail_from=self.mail_from.strip(),
                password_secret=self.smtp_password_secret.strip(),
            ),
            email_to=tuple(self.notify_email_to),
            webhooks=tuple(self.notify_webhook_urls),
            public_url=self.public_url,
            retries=self.notify_retries,
        ).checked()
