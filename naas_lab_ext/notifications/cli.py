"""``naas-lab notify test|settings``, and the dispatcher of ``naas-lab scheduler``.

Headless, the settings come from the environment (``NAAS_SMTP_HOST``, ``NAAS_SMTP_PORT``,
``NAAS_SMTP_SECURITY``, ``NAAS_SMTP_USER``, ``NAAS_SMTP_PASSWORD_ENV`` and the variable it
names, ``NAAS_MAIL_FROM``, ``NAAS_NOTIFY_EMAIL_TO``, ``NAAS_NOTIFY_WEBHOOK_URLS``,
``NAAS_PUBLIC_URL``, ``NAAS_NOTIFY_RETRIES``): a terminal of JupyterLab has its server's
(the server exports them, except the webhooks).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scheduler.companion import Companion
from .settings import NotifySettings

if TYPE_CHECKING:  # the store (SQLAlchemy) and the senders load in the commands
    from ..pipelines.store.repository import RunStore
    from .dispatcher import Dispatcher

__all__ = ["SCHEDULER_COMPANION", "add_commands"]


def _cmd_test(args: argparse.Namespace) -> int:
    from .service import NotificationService

    service = NotificationService(NotifySettings.from_env())
    given = args.to is not None or args.webhook is not None
    results = service.test(args.to if given else None, args.webhook if given else None)
    if args.json:
        print(json.dumps({"results": results}, indent=2))
    else:
        for result in results:
            mark = "ok    " if result["ok"] else "FAILED"
            print(f"{mark} {result['channel']:<7} {result['target']}: {result['message']}")
    return 0 if all(r["ok"] for r in results) else 6


def _cmd_settings(args: argparse.Namespace) -> int:
    settings = NotifySettings.from_env()
    answer = settings.to_json()
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    smtp = answer["smtp"]
    if smtp["host"]:
        login = f", user {smtp['user']}" if smtp["user"] else ", no login"
        password = " (password set)" if smtp["password_set"] else ""
        if smtp["user"] and not smtp["password_set"]:
            password = f" (password NOT set: {settings.smtp.password_from} is empty)"
        print(f"SMTP:       {settings.smtp.where()}{login}{password}")
        print(f"From:       {settings.smtp.sender()}")
    else:
        print("SMTP:       none (set NAAS_SMTP_HOST): no mail is sent")
    print(f"Recipients: {', '.join(answer['email_to']) or 'none'}")
    print(f"Webhooks:   {', '.join(answer['webhooks']) or 'none'}")
    print(f"Public URL: {answer['public_url'] or 'unknown (mail has no links)'}")
    return 0


def _scheduler_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-notify",
        action="store_true",
        help="send no notifications from this scheduler (another process on the store does)",
    )


@contextmanager
def _dispatching(
    args: argparse.Namespace, store: RunStore, say: Callable[[str], None]
) -> Iterator[Dispatcher | None]:
    if getattr(args, "no_notify", False):
        say("Notifications: not sent from here (--no-notify).")
        yield None
        return
    from .dispatcher import Dispatcher

    settings = NotifySettings.from_env()
    dispatcher = Dispatcher(store, settings, root=Path(args.root))
    dispatcher.start()
    say(f"Notifications: {settings.summary()}.")
    try:
        yield dispatcher
    finally:
        dispatcher.stop()


#: Runs the notifications' dispatcher beside ``naas-lab scheduler`` (see naas_lab_ext.cli).
SCHEDULER_COMPANION = Companion(add_options=_scheduler_options, running=_dispatching)


def add_commands(sub: Any) -> None:
    """Add ``notify`` to the ``naas-lab`` parser."""
    notify = sub.add_parser("notify", help="test the notifications, show their settings")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True)
    test = notify_sub.add_parser(
        "test",
        help="send a test notification and print each server's answer",
        description="Send a test mail and webhook POST with the settings of the environment "
        "(NAAS_SMTP_HOST...), to --to and --webhook, or to the default recipients "
        "(NAAS_NOTIFY_EMAIL_TO, NAAS_NOTIFY_WEBHOOK_URLS). Exit 0 when all arrived, 6 when "
        "one failed, 2 for bad input.",
    )
    test.add_argument("--to", action="append", metavar="EMAIL", help="an address (repeat)")
    test.add_argument("--webhook", action="append", metavar="URL", help="a webhook (repeat)")
    test.add_argument("--json", action="store_true", help="print the results as JSON")
    test.set_defaults(func=_cmd_test)
    settings = notify_sub.add_parser(
        "settings", help="where notifications go (from the environment; no password shown)"
    )
    settings.add_argument("--json", action="store_true", help="print them as JSON")
    settings.set_defaults(func=_cmd_settings)
