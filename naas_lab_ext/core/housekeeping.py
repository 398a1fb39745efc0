"""Chores a server runs when it starts and then periodically, in a thread of their own: each
capability's cleaner of what killed processes left behind (see ``naas_lab_ext.leftovers``).
A cleaner that fails is logged and tried again next time; it never stops the others."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence

__all__ = ["Housekeeping"]

log = logging.getLogger(__name__)

Cleaner = Callable[[], Sequence[str]]


class Housekeeping:
    """Run ``cleaners`` (name -> function returning what it removed) at :meth:`start` and
    then every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, cleaners: Mapping[str, Cleaner], *, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval must be more than 0 seconds")
        self.cleaners = dict(cleaners)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: How many rounds have run (tests and the log read it).
        self.rounds = 0

    def run_once(self) -> dict[str, list[str]]:
        """Run every cleaner once; return what each removed (cleaners that failed: none)."""
        removed: dict[str, list[str]] = {}
        for name, cleaner in self.cleaners.items():
            try:
                removed[name] = list(cleaner())
            except Exception:
                log.warning("Removing the leftovers of %s failed", name, exc_info=True)
                removed[name] = []
                continue
            if removed[name]:
                shown = ", ".join(removed[name][:10])
                more = f" and {len(removed[name]) - 10} more" if len(removed[name]) > 10 else ""
                log.info("Removed what killed processes left (%s): %s%s", name, shown, more)
        self.rounds += 1
        return removed

    def start(self) -> None:
        """Run now, then every ``interval`` seconds, in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="naas-housekeeping", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the round in progress (waiting at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
