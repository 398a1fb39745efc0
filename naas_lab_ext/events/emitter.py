"""The events as a stream inside a Jupyter server: each event recorded in the store (by any
process: the server, the CLI, a notebook, a headless scheduler) is handed, about a second
later, to ``emit`` (the app gives the server's jupyter_events ``EventLogger``, so other
extensions can listen); events older than ``keep_days`` are pruned at start and then daily.

This module knows no server: it takes the emit callable, and runs on the event loop it is
started from (jupyter_events schedules its listeners there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .store import EventFilter, EventStore

__all__ = ["SCHEMA_ID", "SCHEMA_PATH", "SCHEMA_VERSION", "EventsTask"]

log = logging.getLogger(__name__)

#: The jupyter_events schema of naas_lab_ext's events (``event.schema.json`` beside this file).
SCHEMA_ID = "https://naas-lab-ext.naas.ai/event/v1"
SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("event.schema.json")
#: Events read per query while catching up.
BATCH = 500
DAY = 86_400.0


class EventsTask:
    """Tails ``store`` every ``interval`` seconds and calls ``emit(event JSON)`` for each new
    event of a product under ``root`` (or of no product), oldest first; prunes the events
    older than ``keep_days`` (0: never) when it starts and every ``prune_every`` seconds."""

    def __init__(
        self,
        store: EventStore,
        emit: Callable[[dict[str, Any]], object],
        *,
        root: Path,
        interval: float = 1.0,
        keep_days: float = 90.0,
        prune_every: float = DAY,
        clock: Callable[[], float] = time.monotonic,
        after: int | None = None,
    ) -> None:
        self.store = store
        self.emit = emit
        self.root = Path(root)
        self.interval = interval
        self.keep_days = keep_days
        self.prune_every = prune_every
        self.clock = clock
        #: The last event handed to ``emit`` (or left out): the events recorded before the
        #: task was made (or before the event ``after``) are not emitted.
        self.cursor = store.last_id() if after is None else after
        self.emitted = 0
        self._next_prune = 0.0
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start tailing on the running event loop (twice does nothing)."""
        if self.running:
            return
        self._stop = asyncio.Event()
        self._next_prune = self.clock()
        self._task = asyncio.create_task(self._loop(self._stop))

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            full = False
            try:
                await self._prune_if_due()
                full = await self.step()
            except Exception:
                log.exception("Reading the events failed; trying again in %s s", self.interval)
            if full:
                await asyncio.sleep(0)  # more to catch up: go on, letting others run
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)

    async def _prune_if_due(self) -> None:
        if self.keep_days <= 0 or self.clock() < self._next_prune:
            return
        self._next_prune = self.clock() + self.prune_every
        pruned = await asyncio.to_thread(self.store.prune, self.keep_days)
        if pruned:
            log.info("Pruned %d event(s) older than %s days", pruned, self.keep_days)

    async def step(self) -> bool:
        """Emit the events recorded since the last step; True when there may be more."""
        tail = await asyncio.to_thread(
            self.store.tail, self.cursor, limit=BATCH, filters=EventFilter(under=self.root)
        )
        for event in tail.events:
            try:
                self.emit(event.to_json(relative_to=self.root))
                self.emitted += 1
            except Exception:
                log.exception("Emitting event %s (%s) failed", event.id, event.kind)
        self.cursor = tail.last_id
        return len(tail.events) == BATCH

    async def stop(self) -> None:
        """Stop tailing (a read under way finishes first)."""
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
