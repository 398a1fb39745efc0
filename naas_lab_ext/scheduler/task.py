"""The scheduler inside a Jupyter server: an asyncio task started with the extension.

Each tick runs in a thread (it reads and writes the store, and starts runs); the event loop
only sleeps until the next due time or the next poll, and wakes early when this process
changed the schedules (:meth:`Scheduler.wake`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .loop import Scheduler

__all__ = ["SchedulerTask"]

log = logging.getLogger(__name__)


class SchedulerTask:
    """Drives ``scheduler`` from the running event loop, like the template sync."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop (on the running event loop); starting it twice does nothing."""
        if self.running:
            return
        loop = asyncio.get_running_loop()
        wake = self._wake = asyncio.Event()
        self.scheduler.add_listener(lambda: loop.call_soon_threadsafe(wake.set))
        self._task = asyncio.create_task(self._loop(wake))

    async def _loop(self, wake: asyncio.Event) -> None:
        while not self.scheduler.stopped:
            try:
                delay = await asyncio.to_thread(self.scheduler.tick)
            except Exception:
                log.exception("The scheduler's tick failed; it tries again shortly")
                delay = self.scheduler.poll_interval
            if self.scheduler.stopped:
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)
            wake.clear()

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop; a tick under way finishes first (no run starts after this)."""
        self.scheduler.stop()
        if self._task is None:
            return
        try:
            # Not cancelled: a tick in its thread would go on without us; let it end.
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except asyncio.TimeoutError:
            log.warning("The scheduler did not stop within %s s", timeout)
            self._task.cancel()
