"""The worker side of the Dask executor: what runs inside a Dask worker's process.

:func:`run_job` is the Dask task of one attempt of one notebook step. It runs the notebook
exactly as the local executor does (papermill on a fresh kernel of the worker's machine,
started with the step's working directory and environment, no ``chdir``: papermill's cwd
handling is not thread-safe), and returns the :class:`~.base.JobOutcome`. While it runs, the
attempt is in this process's registry, so :func:`kill_job` (sent with ``client.run``) stops its
kernel: ``future.cancel()`` alone does not stop running code.

Nothing here imports Dask at module level: the executor's client side imports it on use.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Any

from ..results import StepFailure
from .base import JobOutcome, NotebookJob
from .local import _KernelWorker

__all__ = [
    "WORKER_LOST",
    "forget_job",
    "kernels_of_this_process",
    "kill_job",
    "run_job",
    "started_event",
]

WORKER_LOST = "WorkerLost"

#: The attempts running in this process (key -> kernel worker), and those killed before they
#: started (a kill that raced the task's start).
_running: dict[str, _KernelWorker] = {}
_killed: set[str] = set()
_lock = threading.Lock()


def started_event(key: str) -> str:
    """The name of the Dask Event an attempt sets when it starts on a worker."""
    return f"naas-started-{key}"


def worker_lost(message: str) -> StepFailure:
    return StepFailure(name=WORKER_LOST, message=message)


def _step_env(env: dict[str, str], unset: list[str]) -> dict[str, str]:
    """The worker's own environment, plus what the run sets for the step."""
    values = {k: v for k, v in os.environ.items() if k not in set(unset)}
    values.update(env)
    return values


def distributed() -> Any:
    """The ``distributed`` module, imported on use (typed loosely: its API is untyped)."""
    return importlib.import_module("distributed")


def _worker_name() -> str:
    """The worker's address, after its name when it was given one (``dask worker --name``)."""
    worker = distributed().get_worker()
    address, name = str(worker.address), worker.name
    if name is None or isinstance(name, int) or str(name) in {address, ""}:
        return address  # a LocalCluster numbers its workers: the address says more
    return f"{name} ({address})"


def run_job(job: NotebookJob, env: dict[str, str], unset: list[str]) -> JobOutcome:
    """Run one notebook step attempt on this worker; the outcome names the worker."""
    where = _worker_name()
    started = distributed().Event(started_event(job.key))
    if started.is_set():
        # Dask runs a task again when the worker running it died: the attempt was lost.
        return JobOutcome(
            ok=False,
            error=worker_lost(
                "The Dask worker running this step died (worker lost); "
                f"this attempt was not run again (it was seen again on {where})."
            ),
            extra={"worker": where},
        )
    started.set()
    if not job.cwd.is_dir() or not job.input_path.is_file():
        return JobOutcome(
            ok=False,
            error=StepFailure(
                name="PathNotVisible",
                message=f"The Dask worker {where} cannot see the product's path {job.cwd}: "
                "the workers need the filesystem the server uses (a shared filesystem, "
                "mounted at the same path).",
            ),
            extra={"worker": where},
        )
    job.env = _step_env(env, unset)
    runner = _KernelWorker(job)
    outcomes: list[JobOutcome] = []
    reported = threading.Event()

    def done(outcome: JobOutcome) -> None:
        outcomes.append(outcome)
        reported.set()

    with _lock:
        if job.key in _killed:
            _killed.discard(job.key)
            return JobOutcome(ok=False, killed=True, extra={"worker": where})
        _running[job.key] = runner
    try:
        runner.begin()
        runner.go(done)
        reported.wait()
        # The kernel is shut down (or killed) before the task ends: none is left behind.
        runner.thread.join()
    finally:
        with _lock:
            _running.pop(job.key, None)
            _killed.discard(job.key)
    outcome = outcomes[0]
    outcome.extra["worker"] = where
    return outcome


def kill_job(key: str, remember: bool = True) -> bool:
    """Kill the kernel of attempt ``key`` if it runs in this process (sent with client.run).

    ``remember``: an attempt not started yet here is killed as soon as it starts."""
    with _lock:
        runner = _running.get(key)
        if runner is None:
            if remember:
                _killed.add(key)
            return False
    runner.kill()
    return True


def forget_job(key: str) -> None:
    """Drop a remembered kill (the attempt ended elsewhere)."""
    with _lock:
        _killed.discard(key)


def kernels_of_this_process() -> list[int]:
    """The pids of the kernel processes this worker process started and that still run
    (for the tests: a killed step leaves none behind). A forked kernel (:mod:`.forking`)
    is a child of its template, and shows the template's command line."""
    import psutil

    from .forking import templates

    waiting = set(templates().running())
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            cmdline = " ".join(child.cmdline())
            if child.pid in waiting or child.status() == psutil.STATUS_ZOMBIE:
                continue
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "ipykernel" in cmdline or "forkserver" in cmdline:
            found.append(child.pid)
    return found
