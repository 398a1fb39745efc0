"""Execute one notebook for a deploy (a test notebook, setup.ipynb) and wait for it, within a
time limit and stoppable: papermill on a fresh kernel, through the pipelines' local executor."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..pipelines.executors.base import JobOutcome, NotebookJob
from ..pipelines.executors.local import LocalKernelExecutor
from .commands import Stopped


@dataclass
class Executed:
    """How a notebook execution ended. ``timed_out``: killed after the time limit."""

    outcome: JobOutcome
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def reason(self, limit: float | None) -> str:
        if self.timed_out:
            return f"it took longer than {limit:.0f} s and was stopped"
        if self.outcome.error is not None:
            return str(self.outcome.error)
        return "it did not finish"


def execute_notebook(
    notebook: Path,
    output: Path,
    *,
    cwd: Path,
    environment: dict[str, str],
    kernel_name: str | None = None,
    kernel_dirs: tuple[Path, ...] = (),
    timeout: float | None = None,
    stop: threading.Event | None = None,
    start_timeout: float = 60.0,
) -> Executed:
    """Run ``notebook`` with papermill on a fresh kernel; the executed copy goes to ``output``
    (kept even when a cell fails). Raises :class:`Stopped` when ``stop`` is set meanwhile."""
    output.parent.mkdir(parents=True, exist_ok=True)
    job = NotebookJob(
        key=f"deploy-{uuid.uuid4().hex[:8]}",
        step=notebook.name,
        input_path=notebook,
        output_path=output,
        cwd=cwd,
        parameters={},
        env=environment,
        kernel_name=kernel_name,
        start_timeout=start_timeout,
        kernel_dirs=kernel_dirs,
    )
    executor = LocalKernelExecutor()
    finished = threading.Event()
    outcomes: list[JobOutcome] = []

    def done(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        finished.set()

    began = time.monotonic()
    timed_out = stopped = False
    executor.start(job, done)
    try:
        while not finished.wait(0.1):
            if stop is not None and stop.is_set() and not stopped:
                stopped = True
                executor.kill(job)
            elif timeout is not None and time.monotonic() - began > timeout and not timed_out:
                timed_out = True
                executor.kill(job)
    finally:
        executor.close()
    if stopped:
        raise Stopped(f"stopped while {notebook.name} ran")
    return Executed(outcomes[0], timed_out=timed_out, seconds=time.monotonic() - began)
