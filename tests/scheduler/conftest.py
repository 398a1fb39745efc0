"""Fixtures of the scheduler tests: a store, a controllable clock, a launcher that records."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core.errors import NotFound
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.loop import FiringEvent, Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from naas_lab_ext.scheduler.spec import ScheduleSpec
from tests.scheduler.launching import EachInTurn

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class FakeClock:
    """A clock that only moves when told to, or when the scheduler sleeps on it."""

    def __init__(self, now: datetime) -> None:
        self.current = now
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self.sleeps.append(seconds)
        self.advance(seconds)
        return event.is_set()


@dataclass
class FakeLauncher(EachInTurn):
    """Starts "runs" by recording them RUNNING in the run store (no kernel); tests end them."""

    store: RunStore
    clock: FakeClock
    calls: list[tuple[Production, str, dict[str, Any], datetime]] = field(default_factory=list)
    fail: str | None = None
    count: int = 0
    instant: bool = False
    """Runs end (SUCCEEDED) as soon as they start."""

    def start_production(
        self, production: Production, pipeline: str, parameters: Any = None, *, source: str = ""
    ) -> RunResult:
        if self.fail:
            raise NotFound(self.fail)
        self.count += 1
        self.calls.append((production, pipeline, dict(parameters or {}), self.clock.now()))
        run = RunResult(
            run_id=f"run-{self.count:04d}",
            pipeline=Path(pipeline).stem,
            status=RunStatus.RUNNING,
            product_root=production.product_root,
            created_at=self.clock.now(),
            started_at=self.clock.now(),
            source=source,
            deployment_id=production.deployment_id,
        )
        self.store.create_run(run)
        if self.instant:
            self.finish(run.run_id)
        return run

    def finish(self, run_id: str, status: RunStatus = RunStatus.SUCCEEDED) -> None:
        run = self.store.get_run(run_id)
        run.status, run.ended_at = status, self.clock.now()
        self.store.finish_run(run)

    @property
    def fired_at(self) -> list[datetime]:
        return [call[3] for call in self.calls]


@pytest.fixture
def run_store(run_store_url: str) -> Iterator[RunStore]:
    store = RunStore(run_store_url)
    yield store
    store.close()


@pytest.fixture
def schedules(run_store: RunStore) -> ScheduleStore:
    return ScheduleStore(run_store)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 5, 4, 7, 0))


@pytest.fixture
def launcher(run_store: RunStore, clock: FakeClock) -> FakeLauncher:
    return FakeLauncher(run_store, clock)


@pytest.fixture
def events() -> list[FiringEvent]:
    return []


@pytest.fixture
def scheduler(
    schedules: ScheduleStore, launcher: FakeLauncher, clock: FakeClock, events: list[FiringEvent]
) -> Scheduler:
    return Scheduler(schedules, launcher, clock, on_firing=events.append)


def production(
    tmp_path: Path, name: str = "sales", deployment: str = "d-1", *, root: Path | None = None
) -> Production:
    """A deployment of product ``name`` (under ``root``, default ``tmp_path/root``), its frozen
    copy outside the root."""
    product = (root or tmp_path / "root") / name
    product.mkdir(parents=True, exist_ok=True)
    copy = tmp_path / "deployments" / name / deployment / "copy"
    copy.mkdir(parents=True, exist_ok=True)
    kernel = f"naas-{name}-{deployment}"
    spec = copy.parent / "kernels" / kernel
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": kernel, "language": "python"})
    )
    return Production(
        deployment_id=deployment,
        copy_root=copy,
        product_root=product,
        kernel_name=kernel,
        kernel_dirs=(copy.parent / "kernels",),
        env={"NAAS_TEST_DEPLOYMENT": deployment},
    )


def spec(cron: str = "0 8 * * *", **kw: Any) -> ScheduleSpec:
    return ScheduleSpec(pipeline=kw.pop("pipeline", "models/__pipeline__.ipynb"), cron=cron, **kw)


def run_until(scheduler: Scheduler, clock: FakeClock, end: datetime) -> None:
    """Drive the real loop (tick, then sleep on the clock) until ``end``; fail on a busy loop
    (the scheduler asking to wake again at once, again and again)."""
    idle = 0
    while clock.now() < end:
        delay = scheduler.tick()
        idle = idle + 1 if delay <= 0 else 0
        assert idle < 3, "the scheduler asks to wake at once, again and again: a busy loop"
        clock.wait(threading.Event(), min(delay, (end - clock.now()).total_seconds()))
