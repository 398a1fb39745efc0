"""The runs a server executes in the background: a queue and a few worker threads.

At most ``max_active`` runs execute at once; the others wait, PENDING, in order. A thousand
runs due in the same second (a scheduler firing) cost a thousand queue entries, not a thousand
threads and kernels. A run cancelled (or interrupted by a stop) while it waits ends at once,
without waiting for a worker.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .production import Production
from .results import RunResult

if TYPE_CHECKING:
    from .runner import PipelineRun

log = logging.getLogger(__name__)

__all__ = ["BackgroundRuns", "Ticket"]


@dataclass
class Ticket:
    """A recorded run waiting for, or given, a worker."""

    run: RunResult
    notebook: Path
    parameters: dict[str, Any]
    production: Production | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    """A worker took it (it is no longer in the queue)."""
    interrupted: bool = False
    """Stopped by a shutdown: it ends INTERRUPTED, not CANCELLED."""
    pipeline_run: PipelineRun | None = None
    """The executing run, once its plan is known (to stop it)."""


class BackgroundRuns:
    """Executes tickets on up to ``max_active`` worker threads, in order.

    ``execute(ticket)`` runs one (it must end the run's record however it ends);
    ``end_waiting(ticket)`` records the end of one cancelled or interrupted while it waited.
    """

    def __init__(
        self,
        execute: Callable[[Ticket], None],
        end_waiting: Callable[[Ticket], None],
        *,
        max_active: int,
    ) -> None:
        self._execute = execute
        self._end_waiting = end_waiting
        self.max_active = max(1, max_active)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._waiting: deque[Ticket] = deque()
        self._tickets: dict[str, Ticket] = {}
        self._workers: list[threading.Thread] = []
        self._idle = 0
        self._stopping = False

    def submit(self, ticket: Ticket) -> None:
        with self._lock:
            if self._stopping:
                raise RuntimeError("the server is stopping: no run can start")
            self._tickets[ticket.run.run_id] = ticket
            self._waiting.append(ticket)
            if self._idle == 0 and len(self._workers) < self.max_active:
                worker = threading.Thread(
                    target=self._work, name=f"naas-runs-{len(self._workers) + 1}", daemon=True
                )
                self._workers.append(worker)
                worker.start()
            self._ready.notify()

    def get(self, run_id: str) -> Ticket | None:
        with self._lock:
            return self._tickets.get(run_id)

    def cancel(self, run_id: str) -> None:
        """Cancel a run of this process: a waiting one ends now; a running one is signalled."""
        with self._lock:
            ticket = self._tickets.get(run_id)
            if ticket is None:
                return
            ticket.cancel.set()
            waiting = not ticket.started
            if waiting:
                self._waiting.remove(ticket)
                del self._tickets[run_id]
        if waiting:
            self._end_waiting(ticket)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Interrupt every run of this process (they end INTERRUPTED) and wait for them."""
        with self._lock:
            self._stopping = True
            waiting = list(self._waiting)
            self._waiting.clear()
            running = [t for t in self._tickets.values() if t.started]
            for ticket in [*waiting, *running]:
                ticket.interrupted = True
                ticket.cancel.set()
                if ticket.pipeline_run is not None:
                    ticket.pipeline_run.stop(interrupted=True, reason="The server stopped.")
            for ticket in waiting:
                self._tickets.pop(ticket.run.run_id, None)
            self._ready.notify_all()
            workers = list(self._workers)
        for ticket in waiting:
            self._end_waiting(ticket)
        for worker in workers:
            worker.join(timeout)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
                while not self._waiting and not self._stopping:
                    self._ready.wait()
                self._idle -= 1
                if not self._waiting:
                    return  # stopping, and nothing left to do
                ticket = self._waiting.popleft()
                ticket.started = True
            try:
                self._execute(ticket)
            except Exception:
                log.exception("Run %s: the background worker failed", ticket.run.run_id)
            finally:
                with self._lock:
                    self._tickets.pop(ticket.run.run_id, None)
