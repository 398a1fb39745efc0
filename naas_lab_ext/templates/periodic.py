"""The template sync inside a server: at start, then every ``interval`` seconds, one at a time.

A sync runs in a thread (it copies files and may clone git repositories); the event loop only
waits for it. Asking for a sync while one runs joins it rather than starting another.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from ..core.clock import to_version, utc_now
from ..core.errors import Conflict
from .library import TemplateLibrary

log = logging.getLogger(__name__)

__all__ = ["PeriodicSync"]


class PeriodicSync:
    """Synchronises ``library`` at start (``at_start``) and every ``interval`` seconds
    (0: on demand only)."""

    def __init__(self, library: TemplateLibrary, *, interval: float, at_start: bool = True) -> None:
        self.library = library
        self.interval = interval
        self.at_start = at_start
        #: When the periodic sync runs next (a version string), for the sync status.
        self.next_sync_at: str | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._sync_task: asyncio.Task[dict[str, Any] | None] | None = None

    def start(self) -> None:
        """Start the background loop: a sync now (unless disabled), then every interval."""
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        first = True
        while True:
            if not first or self.at_start:
                await self.sync_now()
            first = False
            if self.interval <= 0:
                self.next_sync_at = None
                return
            self.next_sync_at = to_version(utc_now() + timedelta(seconds=self.interval))
            await asyncio.sleep(self.interval)

    async def _run(self) -> dict[str, Any] | None:
        try:
            return await asyncio.to_thread(self.library.sync)
        except Conflict as exc:
            log.info("Template sync skipped: %s", exc.message)
        except Exception:
            log.exception("Template sync failed (the previous templates are kept)")
        return None

    def sync_soon(self) -> asyncio.Task[dict[str, Any] | None]:
        """Start a sync in the background unless one is under way; return its task."""
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.create_task(self._run())
        return self._sync_task

    async def sync_now(self) -> dict[str, Any] | None:
        """Sync now (or wait for the sync under way); the report, or None if it failed.

        The sync is shielded: a caller that is cancelled stops waiting, not the sync.
        """
        return await asyncio.shield(self.sync_soon())

    @property
    def running(self) -> bool:
        return self.library.running or (self._sync_task is not None and not self._sync_task.done())

    def status(self) -> dict[str, Any]:
        """The library's sync status, with this schedule (blocking: reads the index)."""
        return {
            **self.library.status().to_json(),
            "running": self.running,
            "interval": self.interval,
            "next_sync_at": self.next_sync_at,
        }

    async def stop(self) -> None:
        """Stop the loop and a sync under way (the library's thread stops at its next check)."""
        self.library.stop_event.set()
        tasks = [t for t in (self._loop_task, self._sync_task) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _ in range(200):
            if not self.library.running:
                break
            await asyncio.sleep(0.05)
