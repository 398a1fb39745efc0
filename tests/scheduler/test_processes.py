"""Two real scheduler processes on one SQLite store fire each due time once."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.scheduler.repository import ScheduleStore
from tests.notebooks import write_notebook
from tests.scheduler.conftest import production, spec, utc

pytestmark = pytest.mark.both_databases

REPO = Path(__file__).resolve().parents[2]


def test_two_naas_lab_schedulers_catching_up_fire_each_due_time_once(
    tmp_path: Path, schedules: ScheduleStore, run_store_url: str
) -> None:
    # Given 30 schedules whose due time passed while no scheduler ran (catch_up="latest")
    root = tmp_path / "root"
    prod = production(tmp_path, root=root)
    write_notebook(prod.copy_root / "models" / "__pipeline__.ipynb", "print('no pipeline')")
    made = schedules.replace(
        prod.product_root,
        prod,
        [spec("0 0 * * *", catch_up="latest", parameters={"n": n}) for n in range(30)],
        now=utc_now() - timedelta(days=1),
    )
    # When two `naas-lab scheduler` processes start on the store at the same time
    command = [sys.executable, "-m", "naas_lab_ext.cli", "--root", str(root), "scheduler"]
    processes = [
        subprocess.Popen(
            [*command, "--db-url", run_store_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 90
        while sum(len(schedules.firings(s.id)) for s in made) < 30:
            assert time.monotonic() < deadline, "the schedulers did not catch up"
            time.sleep(0.2)
        time.sleep(1.0)  # time for a duplicate, were there one
    finally:
        for process in processes:
            process.terminate()
        outputs = [process.communicate(timeout=60) for process in processes]
    # Then each due time was started once, by one or the other
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    firings = [f for s in made for f in schedules.firings(s.id)]
    assert len(firings) == 30 and all(f.outcome == "started" and f.run_id for f in firings)
    runs, total = schedules.runs.list_runs(limit=500)
    assert total == 30 and {r.run_id for r in runs} == {f.run_id for f in firings}
    lines = [line for out, _ in outputs for line in out.splitlines() if "started run" in line]
    assert len(lines) == 30
    assert {f.pid for f in firings} <= {p.pid for p in processes}


def test_two_scheduler_processes_racing_every_minute_fire_each_due_time_once(
    tmp_path: Path, schedules: ScheduleStore, run_store_url: str
) -> None:
    # Given 20 every-minute schedules, and two scheduler processes whose clocks run 60 times
    # faster from the same start: each (simulated) minute, both wake at the same instant
    prod: Production = production(tmp_path)
    sim_start = utc(2026, 5, 4, 7, 0, 30)
    made = schedules.replace(
        prod.product_root,
        prod,
        [spec("* * * * *", parameters={"n": n}) for n in range(20)],
        now=sim_start,
    )
    real_start = time.time() + 3.0  # both racers are up by then
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scheduler.racer",
                run_store_url,
                str(real_start),
                sim_start.isoformat(),
                str(3.0 + 8.0),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert [r.returncode for r in racers] == [0, 0], [err for _, err in outputs]
    # Then every due time of every schedule has one firing, and each started one run
    firings = [f for s in made for f in schedules.firings(s.id, limit=1000)]
    dues = sorted({f.due_at for f in firings})
    assert len(dues) >= 5
    expected = [dues[0] + timedelta(minutes=i) for i in range(len(dues))]
    assert dues == expected, "a due time was lost"
    for schedule in made:
        mine = [f.due_at for f in firings if f.schedule_id == schedule.id]
        assert sorted(mine) == expected, schedule.id
    started = [f for f in firings if f.outcome == "started"]
    runs, total = schedules.runs.list_runs(limit=5000)
    assert total == len(started) == len({f.run_id for f in started})
    assert {r.run_id for r in runs} == {f.run_id for f in started}
    # (which process wins a given minute is a coin toss: each wins some in a usual run)
