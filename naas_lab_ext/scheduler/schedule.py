"""A stored schedule and its firings, as the loop, the REST API and the CLI see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.notify import shown_notify
from ..core.paths import is_inside, to_api_path
from ..pipelines.production import Production
from ..pipelines.results import RunResult
from .cron import Cron, parse_cron
from .orm import FiringRow, ScheduleRow
from .spec import ScheduleSpec

__all__ = ["OUTCOMES", "Firing", "Schedule", "iso"]

#: What became of a due time: a run ``started``; ``skipped`` (missed while no scheduler ran,
#: or the previous run still went); ``queued`` (starts when the previous run ends); ``failed``
#: (the run could not be started: the message says why).
OUTCOMES = ("started", "skipped", "queued", "failed")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as every answer of the API writes times."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


@dataclass(frozen=True)
class Schedule:
    """A product's pipeline on a cron, from a deployment."""

    id: str
    product_root: Path
    pipeline: str
    """The pipeline notebook, relative to the product root."""
    cron: str
    timezone: str
    parameters: Mapping[str, Any]
    notify: Mapping[str, Any] | None
    catch_up: str
    overlap: str
    paused: bool
    next_due: datetime | None
    """The first due time no scheduler has handled yet (None while paused)."""
    deployment_id: str
    copy_root: Path
    kernel_name: str | None
    kernel_dirs: tuple[Path, ...]
    env: Mapping[str, str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ScheduleRow) -> Schedule:
        return cls(
            id=row.id,
            product_root=Path(row.product_root),
            pipeline=row.pipeline,
            cron=row.cron,
            timezone=row.timezone,
            parameters=dict(row.parameters or {}),
            notify=dict(row.notify) if row.notify is not None else None,
            catch_up=row.catch_up,
            overlap=row.overlap,
            paused=bool(row.paused),
            next_due=row.next_due,
            deployment_id=row.deployment_id,
            copy_root=Path(row.copy_root),
            kernel_name=row.kernel_name,
            kernel_dirs=tuple(Path(p) for p in row.kernel_dirs or ()),
            env={str(k): str(v) for k, v in (row.env or {}).items()},
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @property
    def parsed(self) -> Cron:
        return parse_cron(self.cron, self.timezone)

    @property
    def spec(self) -> ScheduleSpec:
        """The declaration this schedule was made from."""
        return ScheduleSpec(
            pipeline=self.pipeline,
            cron=self.cron,
            timezone=self.timezone,
            parameters=dict(self.parameters),
            notify=dict(self.notify) if self.notify is not None else None,
            catch_up=self.catch_up,
            overlap=self.overlap,
        )

    def production(self) -> Production:
        """Where and how this schedule's runs execute: its deployment's frozen copy."""
        return Production(
            deployment_id=self.deployment_id,
            copy_root=self.copy_root,
            product_root=self.product_root,
            kernel_name=self.kernel_name,
            kernel_dirs=self.kernel_dirs,
            env=dict(self.env),
        )

    def label(self) -> str:
        """How logs and the CLI name it: ``<id> <product>/<pipeline>``."""
        return f"{self.id} {self.product_root.name}/{self.pipeline}"

    def to_json(
        self,
        relative_to: Path | None = None,
        *,
        next_run: datetime | None = None,
        last_run: RunResult | None = None,
    ) -> dict[str, Any]:
        """JSON of the REST API (``product`` relative to ``relative_to``, the Jupyter root)."""
        product = str(self.product_root)
        if relative_to is not None and is_inside(relative_to, self.product_root):
            product = to_api_path(relative_to, self.product_root)
        cron = self.parsed
        return {
            "id": self.id,
            "product": product,
            "pipeline": self.pipeline,
            "cron": self.cron,
            "timezone": self.timezone,
            "description": cron.describe(),
            "every_minute": cron.every_minute,
            "parameters": dict(self.parameters),
            "notify": shown_notify(self.notify),  # webhooks shortened: their URLs are secrets
            "catch_up": self.catch_up,
            "overlap": self.overlap,
            "paused": self.paused,
            "deployment_id": self.deployment_id,
            "next_run": iso(next_run),
            "last_run": None
            if last_run is None
            else {
                "id": last_run.run_id,
                "status": last_run.status.value,
                "started_at": iso(last_run.started_at),
                "ended_at": iso(last_run.ended_at),
                "duration": last_run.duration,
            },
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True)
class Firing:
    """One handled due time of a schedule (or one "run now")."""

    id: int
    schedule_id: str
    due_at: datetime
    kind: str
    outcome: str
    run_id: str | None
    message: str | None
    host: str | None
    pid: int | None
    claimed_at: datetime

    @classmethod
    def from_row(cls, row: FiringRow) -> Firing:
        return cls(
            id=row.id,
            schedule_id=row.schedule_id,
            due_at=row.due_at,
            kind=row.kind,
            outcome=row.outcome,
            run_id=row.run_id,
            message=row.message,
            host=row.host,
            pid=row.pid,
            claimed_at=row.claimed_at,
        )
