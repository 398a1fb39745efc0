"""A scheduler process of its own for the race tests: ``python -m tests.scheduler.racer URL
REAL_START SIM_START SECONDS``.

Its clock runs 60 times faster than real time from a start both racers share (one real second
is one simulated minute), so every-minute schedules come due every second, at the same
instant in every racer. Its launcher records a run in the store and ends it at once.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.loop import Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from tests.scheduler.launching import EachInTurn

SPEED = 60.0


class ScaledClock:
    def __init__(self, real_start: float, sim_start: datetime) -> None:
        self.real_start, self.sim_start = real_start, sim_start

    def now(self) -> datetime:
        return self.sim_start + timedelta(seconds=(time.time() - self.real_start) * SPEED)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds) / SPEED)


class RecordingLauncher(EachInTurn):
    def __init__(self, store: RunStore, clock: ScaledClock) -> None:
        self.store, self.clock, self.count = store, clock, 0

    def start_production(
        self, production: Production, pipeline: str, parameters: Any = None, *, source: str = ""
    ) -> RunResult:
        self.count += 1
        now = self.clock.now()
        run = RunResult(
            run_id=f"race-{threading.get_native_id()}-{time.time_ns()}-{self.count}",
            pipeline="race",
            status=RunStatus.SUCCEEDED,
            product_root=production.product_root,
            created_at=now,
            started_at=now,
            ended_at=now,
            parameters=dict(parameters or {}),
            source=source,
        )
        self.store.create_run(run)
        return run


def main(argv: list[str]) -> int:
    url, real_start, sim_start, seconds = argv
    clock = ScaledClock(
        float(real_start), datetime.fromisoformat(sim_start).astimezone(timezone.utc)
    )
    runs = RunStore(url)
    scheduler = Scheduler(ScheduleStore(runs), RecordingLauncher(runs, clock), clock)
    threading.Timer(float(seconds), scheduler.stop).start()
    print("ready", flush=True)
    scheduler.run()
    runs.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
