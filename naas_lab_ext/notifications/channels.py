"""Sending one notification on one channel: a mail through the SMTP server of the settings, or
a POST to a webhook. The dispatcher, the test sends and the notebook calls all go through
:class:`Channels`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, NaasError
from ..core.notify import check_webhook
from ..core.secret_refs import secret_ref_name
from .delivery import DeliveryError, Target
from .settings import NotifySettings

__all__ = ["Channels", "Content"]


class Content:
    """What to send: the mail's subject, text and HTML, and the webhook's JSON payload."""

    def __init__(
        self,
        *,
        subject: str,
        text: str,
        html: str | None = None,
        payload: Mapping[str, Any] | None = None,
        files: Sequence[Path] = (),
        sender: str | None = None,
        product_root: Path | None = None,
    ) -> None:
        self.subject = subject
        self.text = text
        self.html = html
        self.payload = dict(payload) if payload is not None else {"text": subject}
        self.files = tuple(files)
        self.sender = sender
        #: The product whose secrets ``secret:NAME`` webhooks are read from first (then the
        #: user's); None: the user's only.
        self.product_root = product_root


class Channels:
    """Sends on each channel with ``settings`` (the password read from ``environ``, default
    the process's environment, at each send)."""

    def __init__(
        self, settings: NotifySettings, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings
        self.environ = environ

    def can_send(self, target: Target) -> bool:
        """Whether this process has what ``target``'s channel needs (mail: an SMTP server)."""
        return target.channel != "email" or self.settings.smtp.configured

    def send(self, target: Target, content: Content) -> str:
        """Send ``content`` to ``target``: the server's answer, or :class:`DeliveryError`."""
        if target.channel == "email":
            from .smtp import build_mail, send_mail

            mail = build_mail(
                sender=content.sender or self.settings.smtp.sender(),
                to=[target.address],
                subject=content.subject,
                text=content.text,
                html=content.html,
                files=content.files,
            )
            return send_mail(self.settings.smtp, mail, environ=self.environ)
        if target.channel == "webhook":
            from .webhook import post_json

            return post_json(
                self.webhook_url(target.address, content.product_root),
                content.payload,
                timeout=self.settings.webhook_timeout,
                shown=target.shown,
            )
        raise DeliveryError(f"Unknown channel {target.channel!r}.", permanent=True)

    @staticmethod
    def webhook_url(address: str, product_root: Path | None = None) -> str:
        """The URL to POST to: ``address``, or for ``secret:NAME`` the URL the secret holds
        (the product's, else the user's), read now. :class:`DeliveryError` (permanent) when
        it is missing or not a URL; the message names the secret, never its value."""
        name = secret_ref_name(address)
        if name is None:
            return address
        from ..secrets.vault import open_vault  # here: kernels import this module at start

        try:
            url = open_vault().get(name, product=product_root)
        except NaasError as exc:
            raise DeliveryError(
                f"The webhook secret:{name} cannot be read: {exc.message}", permanent=True
            ) from None
        if url is None:
            raise DeliveryError(
                f"There is no secret {name} (the webhook secret:{name}): add it with "
                f"`naas-lab secrets set {name}` or in the Manager's Secrets tab.",
                permanent=True,
            )
        try:
            if secret_ref_name(url) is not None:
                raise InvalidInput("a secret naming a secret")
            return check_webhook(url)
        except InvalidInput:
            raise DeliveryError(
                f"The secret {name} does not hold a webhook's http(s) URL: set it to the URL.",
                permanent=True,
            ) from None
