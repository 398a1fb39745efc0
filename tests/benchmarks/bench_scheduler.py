"""Benchmark of the scheduler: lateness of 1,000 schedules due in the same minute, and its CPU
time while idle.

S1: N schedules (products of 10) due at the same instant; the scheduler (the headless driver,
    ``Scheduler.run()`` in a thread, on a SQLite store) fires them all. Lateness = the time a
    run is launched - its due time, p50 / p95 / max (target: p95 <= 1 s). Twice: with a fake
    launcher that only notes the call time (the scheduler's own lateness: claims, overlap
    checks), and with the real ``RunService.start_productions`` (a run counts as launched when
    it is recorded PENDING and its thread started; each ends FAILED at once: its notebook
    defines no pipeline, so no kernel starts).
    The clock is the system clock shifted so that the minute starts ``--lead`` seconds after
    the set-up (rather than waiting up to a minute for a real one); the scheduler sleeps and
    wakes on it in real time.
    Baseline, same run: a thread that sleeps until the same kind of instant (the OS's wake-up
    lateness, the floor).
S2: the CPU seconds of the scheduler's thread while idle (N schedules, none due) over
    ``--idle`` seconds (target: <= 0.1 s per 60 s; a shorter window is scaled to 60 s and
    said so).
    Baseline, same run: a thread that wakes every 5 s and does nothing.

Usage: python tests/benchmarks/bench_scheduler.py [--schedules 1000] [--idle 60] [--lead 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import NaasError
from naas_lab_ext.pipelines.production import Production, ProductionRequest
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.loop import Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from naas_lab_ext.scheduler.spec import ScheduleSpec

PER_PRODUCT = 10
TARGET_P95 = 1.0
TARGET_IDLE_CPU = 0.1


class ShiftedClock:
    """The system clock, shifted by ``offset`` seconds (real-time sleeps)."""

    def __init__(self, offset: float) -> None:
        self.offset = timedelta(seconds=offset)

    def now(self) -> datetime:
        return utc_now() + self.offset

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


class FakeLauncher:
    """Notes when it is called; starts nothing."""

    def __init__(self, clock: ShiftedClock) -> None:
        self.clock = clock
        self.calls: list[datetime] = []

    def start_productions(
        self, requests: Sequence[ProductionRequest], *, source: str = ""
    ) -> list[RunResult | NaasError]:
        now = self.clock.now()
        answers: list[RunResult | NaasError] = []
        for request in requests:
            self.calls.append(now)
            root = request.production.product_root
            answers.append(RunResult(f"fake-{len(self.calls)}", "p", RunStatus.PENDING, root))
        return answers


class TimedRunService(RunService):
    """The real RunService, noting when the scheduler calls it."""

    clock: ShiftedClock
    calls: list[datetime]

    def start_productions(
        self, requests: Sequence[ProductionRequest], *, source: str = "scheduler"
    ) -> list[RunResult | NaasError]:
        answers = super().start_productions(requests, source=source)
        # a run counts as launched once it is recorded (PENDING) and its thread started
        recorded = self.clock.now()
        self.calls.extend(recorded for _ in requests)
        return answers


def deploy(folder: Path, store: ScheduleStore, count: int, cron: str, now: datetime) -> None:
    """``count`` schedules of ``cron``, over products of ten (a trivial pipeline each)."""
    for index in range(0, count, PER_PRODUCT):
        product = folder / "root" / f"product-{index // PER_PRODUCT:04d}"
        copy = folder / "deployments" / product.name / "copy"
        (copy / "models").mkdir(parents=True, exist_ok=True)
        product.mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("print('trivial')")]
        nbformat.write(nb, copy / "models" / "__pipeline__.ipynb")
        production = Production(deployment_id="bench", copy_root=copy, product_root=product)
        specs = [
            ScheduleSpec("models/__pipeline__.ipynb", cron, parameters={"n": n})
            for n in range(index, min(index + PER_PRODUCT, count))
        ]
        store.replace(product, production, specs, now=now)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def lateness_run(
    count: int, lead: float, make_launcher: Callable[[RunStore, Path, ShiftedClock], Any]
) -> dict[str, float]:
    """Fire ``count`` schedules due at one instant; the lateness figures (seconds)."""
    with tempfile.TemporaryDirectory(prefix="naas-bench-sched-") as tmp:
        folder = Path(tmp)
        runs = RunStore(f"sqlite:///{folder / 'runs.sqlite'}")
        store = ScheduleStore(runs)
        # Shift the clock so the next minute starts ``lead`` seconds from now.
        real = utc_now()
        minute = (real + timedelta(minutes=1)).replace(second=0, microsecond=0)
        clock = ShiftedClock((minute - real).total_seconds() - lead)
        set_up_at = clock.now()
        deploy(folder, store, count, f"{minute.minute} {minute.hour} * * *", set_up_at)
        launcher = make_launcher(runs, folder, clock)
        scheduler = Scheduler(store, launcher, clock)
        thread = threading.Thread(target=scheduler.run, name="scheduler")
        thread.start()
        deadline = time.monotonic() + lead + 120
        while len(launcher.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.stop()
        thread.join(60)
        if isinstance(launcher, RunService):
            launcher.shutdown()
        late = [(call - minute).total_seconds() for call in launcher.calls]
        runs.close()
    if len(late) < count:
        print(f"    (only {len(late)} of {count} launched within the time allowed)")
    return {
        "p50": statistics.median(late),
        "p95": percentile(late, 0.95),
        "max": max(late),
        "launched": float(len(late)),
    }


def fake(runs: RunStore, folder: Path, clock: ShiftedClock) -> FakeLauncher:
    return FakeLauncher(clock)


def real_runs(runs: RunStore, folder: Path, clock: ShiftedClock) -> TimedRunService:
    service = TimedRunService(folder / "root", runs)
    service.clock, service.calls = clock, []
    return service


def sleeper_baseline(samples: int = 20) -> float:
    """Median lateness of a thread sleeping until an instant (the OS's wake-up floor)."""
    late = []
    for _ in range(samples):
        target = time.monotonic() + 0.05
        threading.Event().wait(target - time.monotonic())
        late.append(time.monotonic() - target)
    return statistics.median(late)


def thread_cpu(work: Callable[[threading.Event], None], seconds: float) -> float:
    """CPU seconds of the thread running ``work`` for ``seconds`` (then told to stop)."""
    stop = threading.Event()
    used: list[float] = []

    def measured() -> None:
        start = time.thread_time()
        work(stop)
        used.append(time.thread_time() - start)

    thread = threading.Thread(target=measured)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join(30)
    return used[0]


def idle_run(count: int, seconds: float) -> tuple[float, float, int]:
    """(scheduler CPU, baseline CPU, scheduler wakes) over ``seconds`` with nothing due."""
    with tempfile.TemporaryDirectory(prefix="naas-bench-idle-") as tmp:
        folder = Path(tmp)
        runs = RunStore(f"sqlite:///{folder / 'runs.sqlite'}")
        store = ScheduleStore(runs)
        now = utc_now()
        later = now + timedelta(hours=12)
        deploy(folder, store, count, f"{later.minute} {later.hour} * * *", now)
        scheduler = Scheduler(store, FakeLauncher(ShiftedClock(0)), ShiftedClock(0))
        scheduler.tick()  # loading the schedules is set-up, not idling
        wakes = 0
        tick = scheduler.tick

        def counted() -> float:
            nonlocal wakes
            wakes += 1
            return tick()

        scheduler.tick = counted  # type: ignore[method-assign]

        def run_scheduler(stop: threading.Event) -> None:
            def stopper() -> None:
                stop.wait()
                scheduler.stop()

            threading.Thread(target=stopper).start()
            scheduler.run()

        def poller(stop: threading.Event) -> None:
            while not stop.wait(5.0):
                pass

        used = thread_cpu(run_scheduler, seconds)
        baseline = thread_cpu(poller, seconds)
        runs.close()
    return used, baseline, wakes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--schedules", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=60.0, help="idle window, seconds")
    parser.add_argument("--lead", type=float, default=3.0, help="seconds from set-up to due")
    args = parser.parse_args(argv)
    n = args.schedules
    floor = sleeper_baseline()
    print(f"S1  {n} schedules due in the same minute ({n // PER_PRODUCT} products x 10), SQLite")
    print("    lateness = launched - due time; system clock shifted so the minute starts")
    print(f"    {args.lead:g} s after the set-up; headless driver (Scheduler.run in a thread)")
    print(f"    baseline: a thread sleeping until an instant wakes {floor * 1000:.2f} ms late")
    for title, launcher in (
        ("fake launcher (notes the call, starts nothing): the scheduler's own lateness", fake),
        (
            "RunService.start_productions (real runs recorded and started; each ends FAILED, no "
            "kernel)",
            real_runs,
        ),
    ):
        r = lateness_run(n, args.lead, launcher)
        print(f"    {title}")
        print(
            f"      p50 {r['p50']:7.3f} s   p95 {r['p95']:7.3f} s   max {r['max']:7.3f} s   "
            f"launched {int(r['launched'])}/{n}"
        )
        print(f"      p95 / target (1 s)   : {r['p95'] / TARGET_P95:6.2f}x   (target <= 1.0)")
        print(f"      p95 / sleeper floor  : {r['p95'] / max(floor, 1e-6):8.1f}x")
    used, baseline, ticks = idle_run(n, args.idle)
    scale = 60.0 / args.idle
    scaled = f" (measured over {args.idle:g} s, scaled x{scale:g} to 60 s)" if scale != 1 else ""
    print(f"S2  scheduler CPU while idle: {n} schedules, none due, {args.idle:g} s{scaled}")
    print(f"    scheduler              : {used * scale:7.4f} s CPU per 60 s ({ticks} wakes)")
    print(f"    baseline (5 s poller)  : {baseline * scale:7.4f} s CPU per 60 s")
    ratio = used * scale / TARGET_IDLE_CPU
    print(f"    ratio to target 0.1 s  : {ratio:6.2f}x   (target <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
