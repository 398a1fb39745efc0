"""The Dask executor: notebook steps run on the workers of a Dask distributed cluster.

Each attempt of a notebook step is one Dask task (``client.submit(..., pure=False)``, keyed by
run, step and attempt) that runs :func:`.dask_worker.run_job` in a worker's process: papermill
on a fresh kernel of the worker's machine, with the step's working directory, environment and
parameters. The executed copy is written where the run's executions go: **the workers must see
the server's filesystem at the same paths** (a worker that cannot fails the step saying so).
The outcome (ok, the error with its failing cell, the cells' seconds, the worker) comes back
through the future.

* **Kill.** ``future.cancel()`` does not stop code that runs, so a kill (timeout, cancel) is
  sent to the workers with ``client.run``: the worker running the attempt kills its kernel's
  process group and the task reports ``killed``; the worker stays usable. An attempt still
  queued is cancelled.
* **A worker that dies.** Dask runs its task again elsewhere; the attempt notices (a Dask Event
  set when it first started) and fails at once with ``WorkerLost``, so the step is retried per
  its own ``retries`` (a new attempt) or fails; a task Dask gave up on (``KilledWorker``) and a
  task the scheduler dropped fail the step too: the run never waits forever.

:class:`DaskCluster` is the connection (to a scheduler's address, or to a ``LocalCluster`` of
single-thread worker processes it starts), shared by the runs of a server for its lifetime;
called, it gives each run a :class:`DaskExecutor`. Dask is imported on use only (the optional
extra ``naas_lab_ext[dask]``).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from typing import Any

from ...core.errors import InvalidInput
from ..results import StepFailure
from .base import Done, Executor, JobOutcome, NotebookJob, error_from_exception
from .dask_worker import (
    WORKER_LOST,
    distributed,
    forget_job,
    kill_job,
    run_job,
    started_event,
    worker_lost,
)

log = logging.getLogger(__name__)

__all__ = ["INSTALL_HINT", "DaskCluster", "DaskExecutor", "require_dask"]

INSTALL_HINT = (
    'The Dask executor needs Dask distributed: pip install "naas_lab_ext[dask]" '
    "(or pip install \"dask[distributed]\"), in the server's environment and the workers'."
)


def require_dask() -> None:
    """Raise :class:`InvalidInput` saying what to install when Dask distributed is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InvalidInput(INSTALL_HINT, field="executor") from exc


class DaskCluster:
    """A connection to a Dask cluster, opened on first use.

    ``address``: a scheduler's address (``tcp://host:8786``); empty: a ``LocalCluster`` of
    ``workers`` single-thread worker processes, listening on 127.0.0.1, started here and closed
    by :meth:`close`. Calling the object gives a run its :class:`DaskExecutor`.
    """

    def __init__(self, address: str = "", *, workers: int = 2) -> None:
        require_dask()
        if workers < 1:
            raise InvalidInput("dask_workers must be at least 1.", field="dask_workers")
        self.address = (address or "").strip()
        self.workers = workers
        self._client: Any = None
        self._cluster: Any = None
        self._lock = threading.Lock()

    @property
    def local(self) -> bool:
        """True when this object started the cluster (its workers share this machine)."""
        return not self.address

    def client(self) -> Any:
        """The ``distributed.Client`` (connecting, or starting the LocalCluster, once)."""
        with self._lock:
            if self._client is None:
                dd = distributed()
                if self.address:
                    self._client = dd.Client(self.address, set_as_default=False)
                else:
                    self._cluster = dd.LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,  # papermill and kernels: one step per process
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address="127.0.0.1:0",
                    )
                    self._client = dd.Client(self._cluster, set_as_default=False)
            return self._client

    def current(self) -> Any:
        """The client if connected, else None (never connects: for late callbacks)."""
        with self._lock:
            return self._client

    def __call__(self) -> DaskExecutor:
        return DaskExecutor(self)

    def close(self) -> None:
        with self._lock:
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception as exc:
                    log.warning("Closing the Dask connection: %s", exc)

    def __repr__(self) -> str:
        where = self.address or f"LocalCluster({self.workers} workers)"
        return f"DaskCluster({where})"


class DaskExecutor(Executor):
    """One run's notebook steps as Dask tasks on ``cluster``'s workers."""

    def __init__(self, cluster: DaskCluster) -> None:
        self.cluster = cluster
        self._futures: dict[str, Any] = {}
        self._killed: set[str] = set()
        self._lock = threading.Lock()

    @staticmethod
    def task_key(job: NotebookJob) -> str:
        return f"naas-step-{job.key}"

    def _env(self, job: NotebookJob) -> tuple[dict[str, str], list[str]]:
        """What the step's kernel gets on the worker, on top of the worker's environment:
        everything for a LocalCluster (this machine), else only what the run sets or changes
        (a remote worker keeps its own PATH, HOME...)."""
        if self.cluster.local:
            return dict(job.env), [k for k in os.environ if k not in job.env]
        changed = {k: v for k, v in job.env.items() if os.environ.get(k) != v}
        return changed, [k for k in os.environ if k not in job.env]

    def start(self, job: NotebookJob, done: Done) -> None:
        client = self.cluster.client()
        env, unset = self._env(job)
        # The environment travels apart: only what the worker needs (see _env).
        future = client.submit(
            run_job, replace(job, env={}), env, unset, key=self.task_key(job), pure=False
        )
        with self._lock:
            self._futures[job.key] = future

        def finished(fut: Any) -> None:
            outcome = self._outcome(job, fut)
            with self._lock:
                self._futures.pop(job.key, None)
                killed = job.key in self._killed
                self._killed.discard(job.key)
            if killed and not outcome.ok:
                outcome.killed = True
            try:
                done(outcome)
            finally:
                self._cleanup(job, killed)

        future.add_done_callback(finished)

    def _outcome(self, job: NotebookJob, fut: Any) -> JobOutcome:
        status = fut.status
        if status == "finished":
            try:
                outcome = fut.result()
            except Exception as exc:  # e.g. the result could not be read back
                return JobOutcome(ok=False, error=error_from_exception(exc, job))
            if isinstance(outcome, JobOutcome):
                return outcome
            return JobOutcome(ok=False, error=StepFailure(name="Error", message=repr(outcome)))
        if status == "cancelled":
            with self._lock:
                killed = job.key in self._killed
            if killed:
                return JobOutcome(ok=False, killed=True)
            return JobOutcome(
                ok=False,
                error=worker_lost(
                    "The Dask scheduler dropped this step (its connection was lost, or the "
                    "task was cancelled outside this run)."
                ),
            )
        try:
            failure: BaseException | None = fut.exception()
        except Exception as error:
            failure = error
        if type(failure).__name__ == "KilledWorker":
            return JobOutcome(
                ok=False,
                error=worker_lost(
                    "The Dask worker running this step died (worker lost), and Dask gave up "
                    f"on the task: {failure}"
                ),
            )
        if failure is None:
            return JobOutcome(ok=False, error=StepFailure(name=WORKER_LOST, message=status))
        return JobOutcome(ok=False, error=error_from_exception(failure, job))

    def _cleanup(self, job: NotebookJob, killed: bool) -> None:
        """Forget the attempt's marks on the cluster (its started Event, a remembered kill)."""
        client = self.cluster.current()
        if client is None:
            return
        try:
            distributed().Event(started_event(job.key), client=client).clear()
            if killed:
                client.run(forget_job, job.key, wait=False)
        except Exception as exc:
            log.debug("Cleaning up after %s on Dask: %s", job.key, exc)

    def kill(self, job: NotebookJob) -> None:
        with self._lock:
            future = self._futures.get(job.key)
            if future is None:
                return
            self._killed.add(job.key)
        # client.run waits for every worker's answer: off the orchestrator's thread.
        threading.Thread(
            target=self._kill, args=(job, future), name=f"naas-dask-kill-{job.key}", daemon=True
        ).start()

    def _kill(self, job: NotebookJob, future: Any) -> None:
        client = self.cluster.current()
        if client is None:
            return
        try:
            answers = client.run(kill_job, job.key, on_error="return")
        except Exception as exc:
            log.warning("Cannot reach the Dask workers to kill %s: %s", job.key, exc)
            answers = {}
        if not any(answer is True for answer in answers.values()):
            # Not running anywhere yet: drop it from the queue (a worker that starts it
            # meanwhile kills it at once, it was told to).
            future.cancel()

    def close(self) -> None:
        """Cancel what is still queued or running for this run (the cluster stays open)."""
        with self._lock:
            futures = list(self._futures.values())
            self._futures.clear()
        for future in futures:
            try:
                future.cancel()
            except Exception as exc:
                log.debug("Cancelling a Dask task: %s", exc)
