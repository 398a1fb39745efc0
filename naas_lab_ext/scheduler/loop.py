"""The scheduler loop: sleep until a schedule is due, claim the firing, start the run.

:meth:`Scheduler.tick` does what is due at the clock's ``now()`` and says how long to sleep:
until the next due time, or :attr:`~Scheduler.poll_interval` (5 s) at most, when it checks
whether another process changed the schedules (the store's change counter) and whether a
queued firing can start. Nothing is polled in between: an idle scheduler wakes every 5 s for
one small query. :meth:`Scheduler.run` drives it in a thread (``naas-lab scheduler``);
:class:`~naas_lab_ext.scheduler.task.SchedulerTask` drives it from the server's event loop.

Every due time is claimed in the store before anything happens (see
:meth:`ScheduleStore.claim`), so with several schedulers on one store exactly one handles it:
it starts a run (``runs.start_productions(...)``: the runs due together are recorded in one
transaction), or records why not:

* a due time more than :attr:`~Scheduler.grace` seconds old was *missed* (no scheduler ran):
  ``catch_up="skip"`` records it skipped and waits for the next one; ``"latest"`` runs the
  latest missed one at once (the older ones are recorded skipped);
* the schedule's previous run is still PENDING/RUNNING: ``overlap="skip"`` records the firing
  skipped; ``"queue"`` records it queued, and it starts once that run ends (one firing waits
  at most: later ones are skipped meanwhile);
* the run cannot start (the deployment's copy is gone...): recorded failed, with the reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ..core.clock import utc_now
from ..core.errors import NaasError
from ..database.processes import ProcessIdentity
from ..pipelines.production import ProductionRequest
from ..pipelines.results import RunResult
from .cron import Cron
from .repository import Claim, ScheduleStore
from .schedule import Firing, Schedule

__all__ = ["Clock", "FiringEvent", "Launcher", "Scheduler", "SystemClock"]

log = logging.getLogger(__name__)

POLL_INTERVAL = 5.0
#: A due time is *missed* (catch_up applies) when the scheduler handles it more than this
#: many seconds late: after a restart, or a machine that slept. A busy tick is never that late.
GRACE = 60.0
#: How often at most stale runs (their process gone) are looked for, when overlap needs it.
RECOVER_INTERVAL = 60.0


class Clock(Protocol):
    """Where the scheduler reads the time and sleeps (tests inject a controllable one)."""

    def now(self) -> datetime:
        """The current time, aware."""

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Sleep ``seconds`` or until ``event`` is set; return whether it was set."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utc_now()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


class Launcher(Protocol):
    """What starts production runs (:class:`~naas_lab_ext.pipelines.service.RunService`)."""

    def start_productions(
        self, requests: Sequence[ProductionRequest], *, source: str = "scheduler"
    ) -> list[RunResult | NaasError]: ...


def _utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class FiringEvent:
    """What the scheduler did with one due time (for the log and ``naas-lab scheduler``)."""

    schedule: Schedule
    due_at: datetime
    outcome: str
    run_id: str | None = None
    message: str | None = None
    lateness: float | None = None
    """Seconds from the due time to the launch call (a started run only)."""

    def line(self) -> str:
        what = self.outcome
        if self.run_id:
            what += f" run {self.run_id}"
        if self.lateness is not None:
            what += f" ({self.lateness:.3f} s after its due time)"
        if self.message:
            what += f": {self.message}"
        return f"{self.schedule.label()} due {_utc_text(self.due_at)}: {what}"


@dataclass
class _Entry:
    schedule: Schedule
    cron: Cron
    next_due: datetime
    after: datetime | None = None
    """The due time after ``next_due``, computed ahead so a firing does not wait for it."""

    def prepare(self) -> None:
        if self.after is None or self.after <= self.next_due:
            self.after = self.cron.next_after(self.next_due)


class Scheduler:
    """Fires the schedules of ``store`` with ``runs``, on ``clock``."""

    def __init__(
        self,
        store: ScheduleStore,
        runs: Launcher,
        clock: Clock | None = None,
        *,
        poll_interval: float = POLL_INTERVAL,
        grace: float = GRACE,
        on_firing: Callable[[FiringEvent], None] | None = None,
        owner: ProcessIdentity | None = None,
        on_schedules: Callable[[list[Schedule]], object] | None = None,
    ) -> None:
        self.store = store
        self.runs = runs
        self.clock: Clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.grace = grace
        self.on_firing = on_firing
        #: Called with the active (not paused) schedules each time they are (re)loaded.
        self.on_schedules = on_schedules
        self.owner = owner or ProcessIdentity.current()
        self._entries: dict[str, _Entry] = {}
        self._changes: int | None = None
        self._next_poll: datetime | None = None
        self._queued: list[Firing] = []
        self._last_recover: datetime | None = None
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reload = False
        self._listeners: list[Callable[[], object]] = []

    # -- control ------------------------------------------------------------------------------

    @property
    def schedules(self) -> list[Schedule]:
        """The schedules as this scheduler last loaded them."""
        return [entry.schedule for entry in self._entries.values()]

    def next_due(self) -> datetime | None:
        """The earliest due time of the schedules it fires (None: nothing to fire)."""
        dues = [e.next_due for e in self._entries.values() if not e.schedule.paused]
        return min(dues) if dues else None

    def add_listener(self, listener: Callable[[], object]) -> None:
        """Call ``listener`` (from any thread) when the scheduler should wake up."""
        self._listeners.append(listener)

    def wake(self) -> None:
        """Reload the schedules now (this process changed them) rather than at the next poll."""
        self._reload = True
        self._wake.set()
        for listener in self._listeners:
            listener()

    def stop(self) -> None:
        """Stop :meth:`run` (and any driver): no run starts after this."""
        self._stop.set()
        self.wake()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Tick and sleep until :meth:`stop` (the headless driver, in the calling thread)."""
        while not self._stop.is_set():
            try:
                delay = self.tick()
            except Exception:
                log.exception(
                    "The scheduler's tick failed; it tries again in %s s", self.poll_interval
                )
                delay = self.poll_interval
            if self._stop.is_set():
                break
            self.clock.wait(self._wake, delay)
            self._wake.clear()

    def load(self) -> None:
        """Read the schedules from the store now (fires nothing)."""
        with self._lock:
            self._poll(self.clock.now())

    # -- one tick -----------------------------------------------------------------------------

    def tick(self) -> float:
        """Fire what is due now; return the seconds to sleep before the next tick."""
        with self._lock:
            now = self.clock.now()
            if self._reload or self._next_poll is None or now >= self._next_poll:
                self._poll(now)
            due = sorted(
                (e for e in self._entries.values() if not e.schedule.paused and e.next_due <= now),
                key=lambda e: (e.next_due, e.schedule.id),
            )
            if due and not self._stop.is_set():
                self._fire(due, now)
            for entry in self._entries.values():
                entry.prepare()
            return self._delay(self.clock.now())

    def _delay(self, now: datetime) -> float:
        wake = self._next_poll or now
        upcoming = self.next_due()
        if upcoming is not None and upcoming < wake:
            wake = upcoming
        return max(0.0, (wake - now).total_seconds())

    def _poll(self, now: datetime) -> None:
        self._reload = False
        self._next_poll = now + timedelta(seconds=self.poll_interval)
        changes = self.store.changes()
        if changes != self._changes:
            self._load(now)
            self._changes = changes
        if self._queued and not self._stop.is_set():
            self._start_queued(now)

    def _load(self, now: datetime) -> None:
        entries: dict[str, _Entry] = {}
        for schedule in self.store.all():
            cron = schedule.parsed
            known = self._entries.get(schedule.id)
            next_due = schedule.next_due
            if next_due is None:
                next_due = cron.next_after(now)
                self.store.advance(schedule.id, next_due)
            after = None
            if known is not None and known.next_due >= next_due:
                next_due = known.next_due  # handled here already; the store catches up
                after = known.after  # already computed: a reload must stay cheap
            entries[schedule.id] = _Entry(schedule, cron, next_due, after)
            if cron.every_minute and schedule.id not in self._warned:
                self._warned.add(schedule.id)
                log.warning(
                    "Schedule %s fires every minute (cron '%s'): allowed, but a run must take "
                    "less than a minute or its overlap policy applies.",
                    schedule.label(),
                    schedule.cron,
                )
        self._entries = entries
        self._queued = self.store.queued()
        if self.on_schedules is not None:
            try:
                self.on_schedules([e.schedule for e in entries.values() if not e.schedule.paused])
            except Exception:
                log.exception("Preparing the kernels of the active schedules failed")

    # -- firing -------------------------------------------------------------------------------

    def _fire(self, due: Sequence[_Entry], now: datetime) -> None:
        plans: list[tuple[_Entry, Claim]] = []
        following: dict[str, datetime] = {}
        for entry in due:
            claims, following[entry.schedule.id] = self._claims(entry, now)
            plans.extend((entry, claim) for claim in claims)
        runnable = [entry.schedule.id for entry, claim in plans if claim.outcome == "started"]
        busy = self._busy(runnable, now)
        queued = {f.schedule_id for f in self._queued}
        decided = [(entry, self._overlap(entry, claim, busy, queued)) for entry, claim in plans]
        won = self.store.claim([claim for _, claim in decided], owner=self.owner, now=now)
        mine = {(f.schedule_id, f.due_at): f for f in won}
        launches: list[tuple[Schedule, Firing, str | None]] = []
        for entry, claim in decided:
            firing = mine.get((claim.schedule_id, claim.due_at))
            if firing is None:
                continue  # another scheduler handled this due time
            if claim.outcome == "queued":
                self._queued.append(firing)
            if claim.outcome != "started":
                self._report(
                    FiringEvent(entry.schedule, claim.due_at, claim.outcome, None, claim.message)
                )
                continue
            launches.append((entry.schedule, firing, claim.message))
        self.store.record(self._launch(launches))
        for entry in due:
            entry.next_due = following[entry.schedule.id]

    def _claims(self, entry: _Entry, now: datetime) -> tuple[list[Claim], datetime]:
        """The claims for an entry's due times up to ``now`` (one to run, and one recording
        the missed ones), and its next due time after them."""
        schedule, cron = entry.schedule, entry.cron
        entry.prepare()
        assert entry.after is not None
        if entry.after > now:
            latest, following = entry.next_due, entry.after
        else:
            latest = max(cron.latest_at_or_before(now), entry.next_due)
            following = cron.next_after(latest)
        claims: list[Claim] = []
        missed_before = entry.next_due < latest
        on_time = (now - latest).total_seconds() <= self.grace
        span = f"from {_utc_text(entry.next_due)} to {_utc_text(latest)}"
        if on_time or schedule.catch_up == "latest":
            if missed_before:
                claims.append(
                    Claim(
                        schedule.id,
                        entry.next_due,
                        "skipped",
                        following,
                        message=f"missed the due times {span} while no scheduler ran; only "
                        f"{'the one on time' if on_time else 'the latest'} runs",
                    )
                )
            message = (
                None
                if on_time
                else ("missed while no scheduler ran; catch_up='latest' runs it now")
            )
            claims.append(Claim(schedule.id, latest, "started", following, message=message))
        else:
            what = f"the due times {span}" if missed_before else "this due time"
            claims.append(
                Claim(
                    schedule.id,
                    latest,
                    "skipped",
                    following,
                    message=f"missed {what} while no scheduler ran (catch_up='skip'); next at "
                    f"{_utc_text(following)}",
                )
            )
        return claims, following

    def _busy(self, schedule_ids: Sequence[str], now: datetime) -> Mapping[str, str]:
        if not schedule_ids:
            return {}
        busy = self.store.busy(schedule_ids)
        recently = (
            self._last_recover and (now - self._last_recover).total_seconds() < RECOVER_INTERVAL
        )
        if busy and not recently:
            # A run whose process died stays RUNNING until someone notices: notice it now,
            # or overlap would hold the schedule forever.
            self._last_recover = now
            if self.store.runs.recover_interrupted():
                busy = self.store.busy(schedule_ids)
        return busy

    @staticmethod
    def _overlap(entry: _Entry, claim: Claim, busy: Mapping[str, str], queued: set[str]) -> Claim:
        schedule = entry.schedule
        if claim.outcome != "started" or (schedule.id not in busy and schedule.id not in queued):
            return claim
        previous = busy.get(schedule.id)
        if schedule.overlap == "queue" and schedule.id not in queued:
            queued.add(schedule.id)
            message = f"waits for run {previous} to end (overlap='queue')"
            return Claim(claim.schedule_id, claim.due_at, "queued", claim.next_due, message=message)
        reason = (
            "a firing is already queued (overlap='queue' keeps one waiting)"
            if schedule.overlap == "queue"
            else f"the previous run {previous} has not ended (overlap='skip')"
        )
        return Claim(claim.schedule_id, claim.due_at, "skipped", claim.next_due, message=reason)

    def _launch(
        self, launches: Sequence[tuple[Schedule, Firing, str | None]]
    ) -> list[tuple[int, str, str | None, str | None]]:
        """Start the runs of claimed firings, together (one transaction records them all);
        the outcome of each firing to record."""
        if not launches:
            return []
        if self._stop.is_set():
            message = "the scheduler stopped before it could start the run"
            for schedule, firing, _note in launches:
                self._report(FiringEvent(schedule, firing.due_at, "failed", None, message))
            return [(firing.id, "failed", None, message) for _, firing, _ in launches]
        started = self.clock.now()
        requests = [
            ProductionRequest(schedule.production(), schedule.pipeline, dict(schedule.parameters))
            for schedule, _firing, _note in launches
        ]
        answers: Sequence[RunResult | Exception]
        try:
            answers = self.runs.start_productions(requests, source="scheduler")
        except Exception as exc:
            log.exception("The runs of %d firing(s) could not start", len(launches))
            answers = [exc] * len(launches)
        outcomes: list[tuple[int, str, str | None, str | None]] = []
        for (schedule, firing, note), answer in zip(launches, answers, strict=True):
            if isinstance(answer, RunResult):
                lateness = (started - firing.due_at).total_seconds()
                self._report(
                    FiringEvent(schedule, firing.due_at, "started", answer.run_id, note, lateness)
                )
                outcomes.append((firing.id, "started", answer.run_id, note))
                continue
            message = (
                answer.message
                if isinstance(answer, NaasError)
                else f"{type(answer).__name__}: {answer}"
            )
            self._report(FiringEvent(schedule, firing.due_at, "failed", None, message))
            outcomes.append((firing.id, "failed", None, message))
        return outcomes

    def _start_queued(self, now: datetime) -> None:
        """Start the queued firings whose schedule's previous run has ended."""
        self._queued = self.store.queued()
        if not self._queued:
            return
        busy = self._busy(sorted({f.schedule_id for f in self._queued}), now)
        outcomes: list[tuple[int, str, str | None, str | None]] = []
        launches: list[tuple[Schedule, Firing, str | None]] = []
        started: set[str] = set()
        for firing in self._queued:
            entry = self._entries.get(firing.schedule_id)
            if entry is None or firing.schedule_id in busy or firing.schedule_id in started:
                continue
            if not self.store.take_queued(firing.id, owner=self.owner, now=now):
                continue  # another scheduler took it
            started.add(firing.schedule_id)
            if entry.schedule.paused:
                message = "the schedule was paused while this firing waited"
                outcomes.append((firing.id, "skipped", None, message))
                self._report(FiringEvent(entry.schedule, firing.due_at, "skipped", None, message))
                continue
            note = "queued until the previous run ended (overlap='queue')"
            launches.append((entry.schedule, firing, note))
        self.store.record([*outcomes, *self._launch(launches)])
        self._queued = [f for f in self._queued if f.schedule_id not in started]

    def _report(self, event: FiringEvent) -> None:
        level = logging.WARNING if event.outcome == "failed" else logging.INFO
        log.log(level, "Schedule %s", event.line())
        if self.on_firing is not None:
            try:
                self.on_firing(event)
            except Exception:
                log.exception("The firing callback failed")
