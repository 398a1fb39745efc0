"""The dispatcher: tails the events of the store and tells people of runs, in the background.

It runs in the Lab server (started and stopped with the extension) and in ``naas-lab
scheduler``. A thread reads the events after its cursor about every second, starting from the
newest event there is when it starts (no flood of old news after a restart). For each run event
that may notify (:data:`~.rules.TRIGGERS`), a worker thread reads the run, its schedule's rules
(a scheduler's run: the schedule whose firing started it), works out the targets
(:func:`~.rules.targets_for`), composes the message (:mod:`.messages`), then for each target
claims the delivery (:class:`~.claims.ClaimStore`: once across every process of the store) and
sends it with retries (:func:`~.delivery.attempt`). The end is recorded with a
``notification.sent`` or ``notification.failed`` event (the reason; never a secret).

Nothing here runs in a run's thread or can fail a run: the runs only write their events.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..core.errors import NotFound
from ..events.store import Event, EventStore
from ..pipelines.results import RunResult
from ..pipelines.store.repository import RunStore
from ..scheduler.orm import TABLES as SCHEDULE_TABLES
from ..scheduler.orm import FiringRow, ScheduleRow
from .channels import Channels, Content
from .claims import ClaimStore
from .delivery import Outcome, Target, attempt
from .messages import run_message
from .rules import TRIGGERS, targets_for
from .settings import NotifySettings

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
#: How long a scheduler's run may wait for its firing to name it (the firing records the run
#: id just after the run is created).
FIRING_WAIT = 5.0
#: How long a hole in the event ids is watched for an event committed late (PostgreSQL hands
#: ids out before commit; SQLite never leaves holes).
GAP_WAIT = 60.0
MAX_GAPS = 1000
BATCH = 500


class Dispatcher:
    """Notifies of the runs of ``runs``'s store, with ``settings``; ``root`` (the server's)
    makes the links of mail relative to it."""

    def __init__(
        self,
        runs: RunStore,
        settings: NotifySettings,
        *,
        root: Path | None = None,
        channels: Channels | None = None,
        poll_interval: float = POLL_INTERVAL,
        workers: int = 4,
        on_outcome: Callable[[Target, Outcome], None] | None = None,
    ) -> None:
        self.runs = runs
        self.settings = settings
        self.root = Path(root).resolve() if root is not None else None
        self.channels = channels or Channels(settings)
        self.poll_interval = poll_interval
        self.events = EventStore(runs.db)
        self.claims = ClaimStore(runs.db)
        runs.db.create_tables(SCHEDULE_TABLES)  # read for the schedules' rules
        self.on_outcome = on_outcome
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="naas-notify")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._reading = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._gaps: dict[int, float] = {}
        self.cursor: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start tailing from the newest event now (a thread; starting twice, or after
        :meth:`stop`, does nothing)."""
        if self._thread is not None or self._stop.is_set():
            return
        if self.cursor is None:
            self.cursor = self.events.last_id()
        self._thread = threading.Thread(target=self._loop, name="naas-notify-tail", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("Notifications: reading the events failed; trying again")
            self._stop.wait(self.poll_interval)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop tailing, after one last read (the runs a stopping server interrupts are told
        of); wait up to ``timeout`` s for the deliveries under way (one waiting for its next
        try stops, recorded failed)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            try:
                self.poll()
            except Exception:
                log.exception("Notifications: reading the last events failed")
        self.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until no delivery is under way (tests, and a command that ends); True if so."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    # -- reading the events -------------------------------------------------------------------

    def poll(self) -> int:
        """Handle the events recorded since the last call; return how many were read."""
        with self._reading:  # the tailing thread, and a last read at stop
            return self._poll()

    def _poll(self) -> int:
        if self.cursor is None:
            self.cursor = self.events.last_id()
            return 0
        found = self._late_events()
        while True:
            events = self.events.after(self.cursor, limit=BATCH)
            for event in events:
                for missing in range(self.cursor + 1, min(event.id, self.cursor + 1 + MAX_GAPS)):
                    if len(self._gaps) < MAX_GAPS:
                        self._gaps.setdefault(missing, time.monotonic() + GAP_WAIT)
                self.cursor = event.id
            found += events
            if len(events) < BATCH:
                break
        for event in found:
            if event.kind in TRIGGERS:
                self._submit(self._handle, event)
        return len(found)

    def _late_events(self) -> list[Event]:
        """Events whose id was skipped earlier and that have been committed since."""
        late = []
        now = time.monotonic()
        for missing, deadline in sorted(self._gaps.items()):
            found = self.events.after(missing - 1, limit=1)
            if found and found[0].id == missing:
                late.append(found[0])
                del self._gaps[missing]
            elif now > deadline:
                del self._gaps[missing]  # a transaction that never committed
        return late

    def _submit(self, work: Callable[..., None], *args: Any) -> None:
        future = self._pool.submit(self._guarded, work, *args)
        with self._lock:
            self._futures = {f for f in self._futures if not f.done()}
            self._futures.add(future)

    @staticmethod
    def _guarded(work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except Exception:
            log.exception("Notifications: a delivery failed unexpectedly")

    # -- one event ----------------------------------------------------------------------------

    def _handle(self, event: Event) -> None:
        run_id = str(event.details.get("run_id") or event.subject_id or "")
        run = self._run(run_id)
        schedule_rules = self._schedule_rules(run_id, run)
        targets = targets_for(
            event.kind, run.notify if run else None, schedule_rules, self.settings
        )
        if not targets:
            return
        message = run_message(event, run, root=self.root, public_url=self.settings.public_url)
        content = Content(
            subject=message.subject,
            text=message.text,
            html=message.html,
            payload={"text": message.line, "event": event.to_json(relative_to=self.root)},
            product_root=run.product_root if run else event.product_root,
        )
        for target in targets:
            self._submit(self._deliver, event, run, target, content)

    def _run(self, run_id: str) -> RunResult | None:
        try:
            return self.runs.get_run(run_id)
        except NotFound:
            return None  # pruned meanwhile: the event says enough

    def _schedule_rules(self, run_id: str, run: RunResult | None) -> dict[str, Any] | None:
        """The rules of the schedule whose firing started the run (None: not a scheduler's
        run, or no rules)."""
        if run is None or run.source != "scheduler":
            return None
        query = (
            select(ScheduleRow.notify)
            .join(FiringRow, FiringRow.schedule_id == ScheduleRow.id)
            .where(FiringRow.run_id == run_id)
            .limit(1)
        )
        deadline = time.monotonic() + FIRING_WAIT
        while True:
            with self.runs.db.sessions() as session:
                found = session.execute(query).first()
            if found is not None:
                rules = found[0]
                return dict(rules) if isinstance(rules, dict) else None
            if time.monotonic() > deadline or self._stop.is_set():
                return None
            time.sleep(0.1)

    def _deliver(
        self, event: Event, run: RunResult | None, target: Target, content: Content
    ) -> None:
        claim = self.claims.claim(event.id, target)
        if claim is None:
            return  # another dispatcher has it
        outcome = attempt(
            lambda: self.channels.send(target, content),
            tries=self.settings.retries,
            backoff=self.settings.backoff,
            stop=self._stop,
        )
        self.claims.finish(claim, outcome, event=self._outcome_event(event, run, target, outcome))
        if outcome.ok:
            log.info("Notification of %s (event %s) sent to %s", event.kind, event.id, target.shown)
        else:
            log.warning(
                "Notification of %s (event %s) to %s failed after %d tries: %s",
                event.kind,
                event.id,
                target.shown,
                outcome.attempts,
                outcome.message,
            )
        if self.on_outcome is not None:
            self.on_outcome(target, outcome)

    @staticmethod
    def _outcome_event(
        event: Event, run: RunResult | None, target: Target, outcome: Outcome
    ) -> dict[str, Any]:
        run_id = str(event.details.get("run_id") or event.subject_id or "")
        what = {"run.started": "start", "run.succeeded": "success"}.get(event.kind, "failure")
        where = "mail to" if target.channel == "email" else "webhook"
        if outcome.ok:
            message = f"Sent the {what} notice of run {run_id} ({where} {target.shown})"
        else:
            tries = f" after {outcome.attempts} tries" if outcome.attempts > 1 else ""
            message = (
                f"Could not send the {what} notice of run {run_id} ({where} {target.shown})"
                f"{tries}: {outcome.message}"
            )
        return {
            "kind": "notification.sent" if outcome.ok else "notification.failed",
            "message": message,
            "subject_type": "notification",
            "subject_id": run_id or None,
            "product_root": run.product_root if run else event.product_root,
            "details": {
                "run_id": run_id,
                "event_id": event.id,
                "event_kind": event.kind,
                "channel": target.channel,
                "target": target.shown,
                "attempts": outcome.attempts,
                "answer" if outcome.ok else "reason": outcome.message,
            },
        }
