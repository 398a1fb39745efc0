"""One delivery: to whom (a :class:`Target`), and trying again with backoff until it is done
or the tries are spent (:func:`attempt`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import NaasError
from ..core.notify import redact_url

__all__ = ["CHANNELS", "DeliveryError", "NotSent", "Outcome", "Target", "attempt"]

#: The channels a notification goes through.
CHANNELS = ("email", "webhook")


@dataclass(frozen=True)
class Target:
    """An address on a channel: ``email`` and an e-mail address, or ``webhook`` and a URL."""

    channel: str
    address: str

    @property
    def shown(self) -> str:
        """How answers, events and logs name it (a webhook's token left out)."""
        return redact_url(self.address) if self.channel == "webhook" else self.address

    @property
    def key(self) -> str:
        """What identifies it in the claims table, without storing a webhook's token."""
        import hashlib  # here: kernels import this module at start

        return hashlib.sha256(f"{self.channel}\n{self.address}".encode()).hexdigest()


class DeliveryError(Exception):
    """A try that failed: ``message`` says why (never a secret); a ``permanent`` failure
    (a setting missing, an address refused) is not tried again."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class NotSent(NaasError):
    """A notification a notebook asked for could not be delivered (the message says why)."""


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended: ``ok``, the server's answer or why not, and the tries made."""

    ok: bool
    message: str
    attempts: int


def attempt(
    send: Callable[[], str],
    *,
    tries: int,
    backoff: float,
    stop: threading.Event | None = None,
) -> Outcome:
    """Call ``send`` (which returns the server's answer or raises :class:`DeliveryError`) up
    to ``tries`` times, waiting ``backoff`` seconds before the second try and twice as long
    before each next one. ``stop`` set while waiting ends it at once (a server stopping)."""
    stop = stop or threading.Event()
    delay = backoff
    message = "not tried"
    for number in range(1, max(1, tries) + 1):
        try:
            return Outcome(True, send(), number)
        except DeliveryError as exc:
            message = exc.message
            if exc.permanent:
                return Outcome(False, message, number)
        if number < tries:
            if stop.wait(delay):
                return Outcome(False, f"{message} (stopped before try {number + 1})", number)
            delay *= 2
    return Outcome(False, message, max(1, tries))
