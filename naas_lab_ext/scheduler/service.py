"""Schedules as the REST API and the CLI see them: under a Jupyter root, by id.

:class:`ScheduleService` lists the schedules with their next and last run, pauses, resumes
and deletes them, and runs one at once ("run now": a production run, source ``scheduler``,
recorded as a manual firing so the schedule's last run and overlap see it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.clock import utc_now
from ..core.errors import Conflict, NaasError, NotFound
from ..core.paths import is_inside, resolve_inside
from ..pipelines.production import ProductionRequest
from ..pipelines.results import RunResult
from .loop import Launcher
from .repository import Claim, ScheduleStore
from .schedule import Schedule

__all__ = ["ScheduleService"]


class ScheduleService:
    """The schedules of the products under ``root`` (the store may hold other roots')."""

    def __init__(
        self,
        root: Path,
        store: ScheduleStore,
        runs: Launcher,
        *,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.root = Path(root).resolve()
        self.store = store
        self.runs = runs
        self.on_change = on_change
        """Called after this process changed a schedule (the local scheduler reloads at once)."""
        self.clock = clock

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def next_run(self, schedule: Schedule, now: datetime | None = None) -> datetime | None:
        """When it fires next: None while paused; its next due time, or the cron's next one
        when that is past (no scheduler is running to handle it)."""
        if schedule.paused:
            return None
        now = now or self.clock()
        if schedule.next_due is not None and schedule.next_due > now:
            return schedule.next_due
        return schedule.parsed.next_after(now)

    def to_json(self, schedules: list[Schedule]) -> list[dict[str, Any]]:
        """The JSON of ``schedules`` with their next run and last run."""
        now = self.clock()
        last = self.store.last_runs([s.id for s in schedules])
        return [
            s.to_json(self.root, next_run=self.next_run(s, now), last_run=last.get(s.id))
            for s in schedules
        ]

    def list_schedules(self, product: str | None = None) -> list[Schedule]:
        """The schedules of the product at API path ``product``, or of every product under
        the root."""
        if product:
            return self.store.for_product(resolve_inside(self.root, product, field="product"))
        return self.store.all(under=self.root)

    def get(self, schedule_id: str) -> Schedule:
        """The schedule ``schedule_id``, if it belongs to a product under the root."""
        schedule = self.store.get(schedule_id)
        if not is_inside(self.root, schedule.product_root):
            raise NotFound(
                f"No schedule '{schedule_id}' under this server's root: list them with "
                "`naas-lab schedules list`.",
                field="schedule_id",
            )
        return schedule

    def pause(self, schedule_id: str) -> Schedule:
        self.get(schedule_id)
        schedule = self.store.pause(schedule_id, now=self.clock())
        self._changed()
        return schedule

    def resume(self, schedule_id: str) -> Schedule:
        self.get(schedule_id)
        schedule = self.store.resume(schedule_id, now=self.clock())
        self._changed()
        return schedule

    def delete(self, schedule_id: str) -> None:
        self.get(schedule_id)
        self.store.delete(schedule_id)
        self._changed()

    def set_notify(self, schedule_id: str, notify: Any) -> Schedule:
        """Edit who is told of the schedule's runs (the Notify JSON; None: the defaults). The
        product's next deploy replaces it with what setup.ipynb declares."""
        self.get(schedule_id)
        return self.store.set_notify(schedule_id, notify, now=self.clock())

    def run_now(self, schedule_id: str) -> RunResult:
        """Start a production run of the schedule now (even paused); :class:`Conflict` while
        its previous run goes."""
        schedule = self.get(schedule_id)
        busy = self.store.busy([schedule.id])
        if busy:
            self.store.runs.recover_interrupted()
            busy = self.store.busy([schedule.id])
        if busy:
            run_id = busy[schedule.id]
            raise Conflict(
                f"The schedule's previous run {run_id} has not ended: wait for it, or cancel it "
                f"(naas-lab runs cancel {run_id}), then run the schedule again.",
                field="schedule_id",
            )
        now = self.clock()
        won = self.store.claim(
            [Claim(schedule.id, now, "started", kind="manual", message="run now")], now=now
        )
        if not won:
            self.get(schedule_id)  # deleted meanwhile: NotFound
            raise Conflict("The schedule fired at this very instant: try again.")
        [firing] = won
        request = ProductionRequest(
            schedule.production(), schedule.pipeline, dict(schedule.parameters)
        )
        try:
            [run] = self.runs.start_productions([request], source="scheduler")
            if isinstance(run, NaasError):
                raise run
        except Exception as exc:
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.store.record([(firing.id, "failed", None, f"run now: {message}")])
            raise
        self.store.record([(firing.id, "started", run.run_id, "run now")])
        return run
