"""Notifications as REST and the CLI see them: the settings (no secret in them) and a test
send that reports each server's answer."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from ..core.clock import utc_now
from ..core.errors import InvalidInput
from ..core.notify import check_emails, check_webhooks
from .channels import Channels, Content
from .delivery import DeliveryError, Target
from .settings import NotifySettings

__all__ = ["NotificationService", "test_content"]


def test_content(settings: NotifySettings) -> Content:
    """The test notification: says where it comes from, and that real ones will arrive."""
    when = utc_now().strftime("%Y-%m-%d %H:%M:%S UTC")
    host = socket.gethostname()
    text = (
        f"This is a test notification of naas_lab_ext, sent from {host} at {when}.\n\n"
        "If you read it, the failure (and success, start) notifications of your data "
        "products reach you here.\n"
    )
    if settings.public_url:
        text += f"\nJupyterLab: {settings.public_url}/lab\n"
    line = f":white_check_mark: naas_lab_ext test notification from {host} at {when}"
    return Content(
        subject="[naas] Test notification",
        text=text,
        html=None,
        payload={"text": line, "event": None, "test": True},
    )


class NotificationService:
    """The notification settings of a server, and test sends with them."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        channels: Channels | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.channels = channels or Channels(settings, environ=environ)

    def settings_json(self) -> dict[str, Any]:
        """The settings without the password (only whether it is set) and with the webhooks'
        tokens left out."""
        return self.settings.to_json(self.environ)

    def test(self, to: Any = None, webhooks: Any = None) -> list[dict[str, Any]]:
        """Send the test notification to ``to`` and ``webhooks`` (both absent: the default
        recipients and webhooks), one try each; each target's result with the server's
        answer or why it failed."""
        emails = check_emails(to, field="to")
        hooks = check_webhooks(webhooks, field="webhooks")
        if to is None and webhooks is None:
            emails, hooks = list(self.settings.email_to), list(self.settings.webhooks)
        targets = [Target("email", a) for a in emails] + [Target("webhook", u) for u in hooks]
        if not targets:
            raise InvalidInput(
                "Nobody to send a test to: give addresses (to) or webhooks, or set the "
                "default recipients (NaasLabExtApp.notify_email_to, notify_webhook_urls).",
                field="to",
            )
        content = test_content(self.settings)
        results = []
        for target in targets:
            try:
                answer, ok = self.channels.send(target, content), True
            except DeliveryError as exc:
                answer, ok = exc.message, False
            results.append(
                {"channel": target.channel, "target": target.shown, "ok": ok, "message": answer}
            )
        return results
