"""Background runs: at most max_active execute at once, in order; a waiting run that is
cancelled or interrupted ends at once."""

from __future__ import annotations

import threading
from pathlib import Path

from naas_lab_ext.pipelines.background import BackgroundRuns, Ticket
from naas_lab_ext.pipelines.results import RunResult, RunStatus


def ticket(n: int) -> Ticket:
    run = RunResult(f"r{n}", "p", RunStatus.PENDING, Path("/products/sales"))
    return Ticket(run, Path("/products/sales/models/p.ipynb"), {})


class Recorder:
    """An execute() that blocks until released, noting how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.started: list[str] = []
        self.ended: list[tuple[str, str]] = []
        self.active = 0
        self.most = 0
        self.first_two = threading.Event()

    def execute(self, t: Ticket) -> None:
        with self.lock:
            self.started.append(t.run.run_id)
            self.active += 1
            self.most = max(self.most, self.active)
            if len(self.started) == 2:
                self.first_two.set()
        self.release.wait(10)
        with self.lock:
            self.active -= 1

    def end_waiting(self, t: Ticket) -> None:
        self.ended.append((t.run.run_id, "interrupted" if t.interrupted else "cancelled"))


def test_at_most_max_active_run_at_once_in_order() -> None:
    recorder = Recorder()
    runs = BackgroundRuns(recorder.execute, recorder.end_waiting, max_active=2)
    for n in range(6):
        runs.submit(ticket(n))
    assert recorder.first_two.wait(5)
    # Given two running and four waiting, a waiting one cancelled ends at once
    runs.cancel("r4")
    assert recorder.ended == [("r4", "cancelled")]
    assert runs.get("r4") is None
    recorder.release.set()
    for _ in range(500):  # the others follow as slots free up
        if len(recorder.started) == 5 and recorder.active == 0:
            break
        threading.Event().wait(0.01)
    runs.shutdown(timeout=10)
    assert recorder.most == 2
    assert recorder.started == ["r0", "r1", "r2", "r3", "r5"]


def test_a_stop_interrupts_the_waiting_runs_and_stops_the_running_ones() -> None:
    recorder = Recorder()
    runs = BackgroundRuns(recorder.execute, recorder.end_waiting, max_active=1)
    tickets = [ticket(n) for n in range(3)]
    for t in tickets:
        runs.submit(t)
    while not recorder.started:
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=runs.shutdown, kwargs={"timeout": 10})
    stopper.start()
    while not tickets[0].cancel.is_set():
        threading.Event().wait(0.01)
    # the running one is told (cancel + interrupted); the waiting ones end INTERRUPTED now
    assert tickets[0].interrupted
    assert sorted(recorder.ended) == [("r1", "interrupted"), ("r2", "interrupted")]
    recorder.release.set()
    stopper.join(10)
    assert recorder.started == ["r0"]
