"""Where notifications go through and to whom by default: the SMTP server, the sender, the
default recipients and webhooks, the public URL of JupyterLab, the tries.

The server builds them from its traits (:mod:`.config`) and exports what its kernels need
(:meth:`NotifySettings.exports`: never the password, never a webhook); kernels, ``naas-lab
scheduler`` and ``naas-lab notify`` read them from the environment
(:meth:`NotifySettings.from_env`).
The SMTP password is read, when a mail is sent, from the secret ``smtp.password_secret``
names (see :mod:`naas_lab_ext.secrets`) when it is set, else from the environment variable
``smtp.password_env`` names: it is never a setting, an answer, an event or a log line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core import env
from ..core.errors import InvalidInput, NaasError
from ..core.notify import check_email, check_emails, check_webhooks, redact_url
from ..core.secret_refs import SECRET_NAME

__all__ = ["SECURITY", "NotifySettings", "SmtpSettings", "check_public_url", "split_list"]

#: How the SMTP connection is secured: STARTTLS after connecting (port 587), TLS from the
#: start (port 465), or not at all (a relay on the same host or network).
SECURITY = ("starttls", "ssl", "none")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MAX_RETRIES = 10


def split_list(text: str | None) -> list[str]:
    """Items of a comma- or space-separated environment variable."""
    return [item for item in re.split(r"[\s,]+", text or "") if item]


def check_public_url(value: str, *, field: str = "public_url") -> str:
    """``value`` without its trailing ``/`` if it is an http(s) URL (or empty)."""
    text = (value or "").strip().rstrip("/")
    if text and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", text):
        raise InvalidInput(
            f"public_url must be the http(s) URL users open JupyterLab at, e.g. "
            f"'https://lab.example.com', not {text[:80]!r}.",
            field=field,
        )
    return text


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server mail goes through."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password_env: str = env.SMTP_PASSWORD
    """The NAME of the environment variable holding the password, read at send time."""
    mail_from: str = ""
    password_secret: str = ""
    """The NAME of the secret holding the password; when set, it wins over ``password_env``."""
    timeout: float = 30.0
    """Seconds to connect, and for each answer of the server."""

    def checked(self) -> SmtpSettings:
        """The same settings, or :class:`InvalidInput` naming what is wrong."""
        if self.security not in SECURITY:
            raise InvalidInput(
                f"smtp_security must be one of {', '.join(SECURITY)}, not {self.security!r}.",
                field="smtp_security",
            )
        if not 0 < int(self.port) < 65536:
            raise InvalidInput(f"smtp_port must be 1 to 65535, not {self.port}.", field="smtp_port")
        if not ENV_NAME.match(self.password_env or ""):
            # Never repeat the value: it may be the password itself, put there by mistake.
            raise InvalidInput(
                "smtp_password_env must be the NAME of the environment variable that holds "
                "the SMTP password (e.g. NAAS_SMTP_PASSWORD), not the password.",
                field="smtp_password_env",
            )
        if self.password_secret and not SECRET_NAME.match(self.password_secret):
            raise InvalidInput(
                "smtp_password_secret must be the NAME of the secret that holds the SMTP "
                "password (e.g. SMTP_PASSWORD), not the password.",
                field="smtp_password_secret",
            )
        if self.mail_from:
            check_email(self.mail_from, field="mail_from")
        if any(c.isspace() for c in self.host):
            raise InvalidInput("smtp_host must be a host name, without spaces.", field="smtp_host")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The password (None: not set): the user's secret :attr:`password_secret` names
        when it is set (the vault of this process's environment; its errors raised), else the
        variable :attr:`password_env` names in ``environ``."""
        if self.password_secret:
            # Here: kernels import this module at start, and seldom send.
            from ..secrets.vault import open_vault

            return open_vault().get(self.password_secret)
        found = (os.environ if environ is None else environ).get(self.password_env)
        return found or None

    @property
    def password_from(self) -> str:
        """Where the password is read, as messages say it."""
        if self.password_secret:
            return f"the secret {self.password_secret}"
        return f"the variable {self.password_env}"

    def password_is_set(self, environ: Mapping[str, str] | None = None) -> bool:
        try:
            return self.password(environ) is not None
        except NaasError:
            return False

    def sender(self) -> str:
        """The From address: ``mail_from``, else the user when it is an address, else
        ``naas-lab@<this host>``."""
        if self.mail_from:
            return self.mail_from
        if "@" in self.user:
            return self.user
        import socket  # here: kernels import this module at start, and seldom send

        return f"naas-lab@{socket.getfqdn() or 'localhost'}"

    def where(self) -> str:
        """How logs and answers name the server: ``smtp.example.com:587 (starttls)``."""
        return f"{self.host}:{self.port} ({self.security})"

    def to_json(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "user": self.user,
            "mail_from": self.mail_from,
            "password_set": self.password_is_set(environ),
            "password_secret": self.password_secret or None,
        }


@dataclass(frozen=True)
class NotifySettings:
    """Everything notifications need to know, besides the rules of each run."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    email_to: tuple[str, ...] = ()
    """Default recipients (failure mail; ``true`` in a rule)."""
    webhooks: tuple[str, ...] = ()
    """Default webhooks (the same)."""
    public_url: str = ""
    """The URL users open JupyterLab at ("" = unknown: mail has no links)."""
    retries: int = 3
    """Tries per notification before it is recorded failed."""
    backoff: float = 2.0
    """Seconds before the second try; doubled before each next one."""
    webhook_timeout: float = 10.0

    def checked(self) -> NotifySettings:
        """The same settings, normalised, or :class:`InvalidInput` naming what is wrong."""
        if not 1 <= int(self.retries) <= MAX_RETRIES:
            raise InvalidInput(
                f"notify_retries must be 1 to {MAX_RETRIES}, not {self.retries}.",
                field="notify_retries",
            )
        return NotifySettings(
            smtp=self.smtp.checked(),
            email_to=tuple(check_emails(list(self.email_to), field="notify_email_to")),
            webhooks=tuple(check_webhooks(list(self.webhooks), field="notify_webhook_urls")),
            public_url=check_public_url(self.public_url),
            retries=int(self.retries),
            backoff=self.backoff,
            webhook_timeout=self.webhook_timeout,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotifySettings:
        """The settings the environment gives (``NAAS_SMTP_HOST``...; see
        :mod:`naas_lab_ext.core.env`), checked."""
        values = os.environ if environ is None else environ

        def number(name: str, default: int) -> int:
            text = values.get(name, "").strip()
            if not text:
                return default
            try:
                return int(text)
            except ValueError:
                raise InvalidInput(f"{name} must be a number, not {text!r}.", field=name) from None

        smtp = SmtpSettings(
            host=values.get(env.SMTP_HOST, "").strip(),
            port=number(env.SMTP_PORT, 587),
            security=values.get(env.SMTP_SECURITY, "").strip().lower() or "starttls",
            user=values.get(env.SMTP_USER, "").strip(),
            password_env=values.get(env.SMTP_PASSWORD_ENV, "").strip() or env.SMTP_PASSWORD,
            mail_from=values.get(env.MAIL_FROM, "").strip(),
            password_secret=values.get(env.SMTP_PASSWORD_SECRET, "").strip(),
        )
        return cls(
            smtp=smtp,
            email_to=tuple(split_list(values.get(env.NOTIFY_EMAIL_TO))),
            webhooks=tuple(split_list(values.get(env.NOTIFY_WEBHOOK_URLS))),
            public_url=values.get(env.PUBLIC_URL, ""),
            retries=number(env.NOTIFY_RETRIES, 3),
        ).checked()

    def exports(self) -> dict[str, str]:
        """What the server sets in its kernels' environment: the SMTP settings, the default
        addresses, the public URL. Never the password (a kernel inherits the variable that
        holds it) and never a webhook URL (it holds a token)."""
        values = {
            env.SMTP_HOST: self.smtp.host,
            env.SMTP_PORT: str(self.smtp.port),
            env.SMTP_SECURITY: self.smtp.security,
            env.SMTP_USER: self.smtp.user,
            env.SMTP_PASSWORD_ENV: self.smtp.password_env,
            env.SMTP_PASSWORD_SECRET: self.smtp.password_secret,
            env.MAIL_FROM: self.smtp.mail_from,
            env.NOTIFY_EMAIL_TO: ",".join(self.email_to),
            env.PUBLIC_URL: self.public_url,
            env.NOTIFY_RETRIES: str(self.retries),
        }
        return {name: value for name, value in values.items() if value}

    def to_json(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The settings as ``GET notifications/settings`` answers them (no password; webhooks
        shortened, their tokens left out)."""
        return {
            "smtp": self.smtp.to_json(environ),
            "email_to": list(self.email_to),
            "webhooks": [redact_url(url) for url in self.webhooks],
            "public_url": self.public_url or None,
        }

    def summary(self) -> str:
        """One line saying where notifications go (for a log or a terminal)."""
        mail = f"mail via {self.smtp.where()}" if self.smtp.configured else "no SMTP server"
        return (
            f"{mail}, {len(self.email_to)} default recipient(s), "
            f"{len(self.webhooks)} default webhook(s)"
        )
