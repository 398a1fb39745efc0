"""The local executor: where a notebook step runs on this machine.

:class:`LocalKernelExecutor` (the default) runs each notebook step with papermill on a
**fresh kernel process** of its own, started with the step's working directory and
environment. Nothing is shared between steps. Two things make it fast and controllable:

* **Kernels started ahead.** The orchestrator calls :meth:`Executor.prepare` for steps that
  will run soon; their kernels start while earlier steps run, and wait. When the step's turn
  comes, papermill runs the notebook on that kernel at once. A plain ipykernel kernel is
  forked from a template that imported ipykernel once (:mod:`.forking`), the slow part of a
  new kernel.
* **A kill that works.** Each kernel leads its own process group; a timeout or a cancel
  kills the group (the kernel and whatever it spawned). Papermill keeps the partial
  executed copy.

Each job lives on one thread with its own event loop, which owns the kernel manager from
start to shutdown (jupyter_client objects are not shared across threads or loops). The
orchestrator never blocks on a kernel: it gets each outcome through the ``done`` callback,
before the kernel is shut down.

Another executor (e.g. Dask distributed) implements the same :class:`~.base.Executor`
interface.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Protocol

from .base import Done, Executor, JobOutcome, NotebookJob, default_kernel_name, error_from_exception
from .scratch import KERNEL_PREFIX, scratch_folder

log = logging.getLogger(__name__)


class _QuietUnknownParameters(logging.Filter):
    """Papermill warns for every injected name a notebook does not declare. A pipeline injects
    its own names (``pipeline_output_path``...) and the run's parameters into every step on
    purpose, so these warnings are expected, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Passed unknown parameter:")


logging.getLogger("papermill").addFilter(_QuietUnknownParameters())


def _cells_seconds(nb: Any) -> float:
    total = 0.0
    for cell in getattr(nb, "cells", []):
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(duration, (int, float)):
            total += float(duration)
    return total


ENGINE_NAME = "naas-ready-kernel"
_engine_registered = False
_engine_lock = threading.Lock()


def _register_engine() -> None:
    """A papermill engine that runs a notebook on a kernel already started and connected.

    papermill's default engine, handed a kernel manager, still connects a new client and
    waits for it to be ready (at least 0.2 s of quiet on IOPub). Done while the kernel
    waits for its turn, that wait leaves the critical path of a run.
    """
    global _engine_registered
    with _engine_lock:
        if _engine_registered:
            return
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NBClientEngine, papermill_engines
        from papermill.log import logger

        class ReadyKernelEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(
                cls,
                nb_man: Any,
                kernel_name: str,
                log_output: bool = False,
                stdout_file: Any = None,
                stderr_file: Any = None,
                start_timeout: int = 60,
                execution_timeout: int | None = None,
                **kwargs: Any,
            ) -> Any:
                km, kc = kwargs.pop("km"), kwargs.pop("kc")
                kwargs.pop("input_path", None)
                client = PapermillNotebookClient(
                    nb_man,
                    km=km,
                    kernel_name=kernel_name,
                    timeout=execution_timeout,
                    startup_timeout=start_timeout,
                    log=logger,
                    log_output=log_output,
                    stdout_file=stdout_file,
                    stderr_file=stderr_file,
                    **kwargs,
                )
                kc.allow_stdin = False
                client.kc = kc
                return client.execute()

        papermill_engines.register(ENGINE_NAME, ReadyKernelEngine)
        _engine_registered = True


#: Workers whose thread may still be shutting a kernel down (joined at interpreter exit).
_live_workers: weakref.WeakSet[_KernelWorker] = weakref.WeakSet()


@atexit.register
def _join_workers(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    for worker in list(_live_workers):
        worker.thread.join(max(0.0, deadline - time.monotonic()))


class _KernelWorker:
    """One job on one thread: start its kernel and connect to it, wait for the go, run
    papermill, report, then shut the kernel down."""

    def __init__(self, job: NotebookJob) -> None:
        self.job = job
        #: Started ahead for no job (a pool's): the environment and folder it started with,
        #: replaced by its job's before the notebook runs (:meth:`adopt`).
        self._started_as: NotebookJob | None = None
        #: Set once the kernel is ready, or failed to start (``start_failed``).
        self.ready = threading.Event()
        self.start_failed = False
        self._wake = threading.Event()
        self._go = False
        self._done: Done | None = None
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._pgid: int | None = None
        self._killed = False
        self._stopped = False
        self._ipc_dir: Path | None = None
        self._km: Any = None
        self._kc: Any = None
        self.thread = threading.Thread(
            target=self._main, name=f"naas-kernel-{job.key}", daemon=True
        )

    @property
    def going(self) -> bool:
        return self._go

    @property
    def pid(self) -> int | None:
        """The kernel's process id, once it started."""
        return self._pid

    def adopt(self, job: NotebookJob) -> None:
        """Run ``job`` on this kernel, started ahead for no job (before :meth:`go`)."""
        with self._lock:
            if self._go:
                raise RuntimeError("a kernel already running a job cannot adopt another")
            self._started_as = self._started_as or self.job
            self.job = job

    def begin(self) -> None:
        _live_workers.add(self)
        self.thread.start()

    def go(self, done: Done) -> None:
        with self._lock:
            self._done = done
            self._go = True
        self._wake.set()

    def kill(self) -> None:
        """Kill the kernel (a prepared job that never got the go just ends)."""
        with self._lock:
            self._killed = True
            self._signal_kill_locked()
        self._wake.set()

    def _signal_kill_locked(self) -> None:
        if self._stopped:
            return
        try:
            if self._pgid and hasattr(os, "killpg"):
                try:
                    os.killpg(self._pgid, signal.SIGKILL)
                    return
                except ProcessLookupError:
                    pass  # a forked kernel may not lead its group yet: the process itself
            if self._pid:
                os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except OSError as exc:
            log.warning("Cannot kill the kernel of %s: %s", self.job.key, exc)

    def _start(self, loop: Any) -> tuple[Any, Any]:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        from .forking import use_fork

        transport = _transport()
        self._ipc_dir = transport.pop("folder", None)
        if self.job.kernel_dirs:
            transport["kernel_spec_manager"] = KernelSpecManager(
                kernel_dirs=[str(folder) for folder in self.job.kernel_dirs]
            )
        km = AsyncKernelManager(
            kernel_name=self.job.kernel_name or default_kernel_name(), **transport
        )
        use_fork(km)
        self._km = km
        loop.run_until_complete(km.start_kernel(env=self.job.env, cwd=str(self.job.cwd)))
        with self._lock:
            provisioner = getattr(km, "provisioner", None)
            self._pid = getattr(provisioner, "pid", None)
            self._pgid = getattr(provisioner, "pgid", None)
            if self._killed:
                self._signal_kill_locked()
        kc = km.client()
        kc.start_channels()
        self._kc = kc
        loop.run_until_complete(kc.wait_for_ready(timeout=self.job.start_timeout))
        return km, kc

    def _main(self) -> None:
        from jupyter_core.utils import ensure_event_loop

        loop = ensure_event_loop()
        start_error: BaseException | None = None
        try:
            self._start(loop)
        except Exception as exc:
            start_error = exc
            self.start_failed = True
        self.ready.set()
        self._wake.wait()
        with self._lock:
            go, done = self._go, self._done
        try:
            if go and done is not None:
                if self._killed:
                    outcome = JobOutcome(ok=False, killed=True)
                elif start_error is not None:
                    outcome = JobOutcome(
                        ok=False, error=error_from_exception(start_error, self.job)
                    )
                else:
                    outcome = self._settle(loop) or self._execute(self._km, self._kc)
                try:
                    done(outcome)
                except Exception:
                    log.exception("The outcome of %s could not be delivered", self.job.key)
        finally:
            self._shutdown(loop, self._km, self._kc)

    def _settle(self, loop: Any) -> JobOutcome | None:
        """A kernel started ahead for no job takes its job's working directory, environment
        and import path, as if it had been started for it (None: done, go on)."""
        started_as = self._started_as
        if started_as is None:
            return None
        job = self.job
        gone = sorted(set(started_as.env) - set(job.env))
        paths = [p for p in job.env.get("PYTHONPATH", "").split(os.pathsep) if p]
        code = (
            "import os as _naas_os, sys as _naas_sys\n"
            f"_naas_os.chdir({str(job.cwd)!r})\n"
            f"[_naas_os.environ.pop(_naas_name, None) for _naas_name in {gone!r}]\n"
            f"_naas_os.environ.update({dict(job.env)!r})\n"
            f"_naas_sys.path[:] = [{str(job.cwd)!r} if _naas_p == {str(started_as.cwd)!r} "
            "else _naas_p for _naas_p in _naas_sys.path]\n"
            f"_naas_sys.path[1:1] = [_naas_p for _naas_p in {paths!r} "
            "if _naas_p not in _naas_sys.path]\n"
            "del _naas_os, _naas_sys\n"
        )
        try:
            reply = loop.run_until_complete(
                self._kc.execute_interactive(
                    code, silent=True, store_history=False, timeout=self.job.start_timeout
                )
            )
        except Exception as exc:
            return JobOutcome(ok=False, error=error_from_exception(exc, job))
        content = reply.get("content", {})
        if content.get("status") != "ok":
            failure = RuntimeError(
                f"The kernel started ahead could not take the step's folder and environment: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )
            return JobOutcome(ok=False, error=error_from_exception(failure, job))
        return None

    def _execute(self, km: Any, kc: Any) -> JobOutcome:
        import papermill

        _register_engine()
        job = self.job
        try:
            nb = papermill.execute_notebook(
                str(job.input_path),
                str(job.output_path),
                parameters=job.parameters,
                engine_name=ENGINE_NAME,
                kernel_name=job.kernel_name or default_kernel_name(),
                progress_bar=False,
                log_output=False,
                start_timeout=int(job.start_timeout),
                km=km,
                kc=kc,
            )
            return JobOutcome(ok=True, cell_seconds=_cells_seconds(nb))
        except Exception as exc:
            if self._killed:
                return JobOutcome(ok=False, killed=True)
            return JobOutcome(ok=False, error=error_from_exception(exc, job))

    def _shutdown(self, loop: Any, km: Any, kc: Any) -> None:
        with self._lock:
            killed = self._killed
            self._stopped = True
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                if km.has_kernel:
                    loop.run_until_complete(km.shutdown_kernel(now=killed))
                else:
                    loop.run_until_complete(km.cleanup_resources())
        except Exception as exc:
            log.warning("Shutting down the kernel of %s: %s", self.job.key, exc)
        finally:
            loop.close()
            if self._ipc_dir is not None:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
            _live_workers.discard(self)


def _transport() -> dict[str, Any]:
    """Kernel sockets: IPC (Unix sockets in a private temp folder) where it exists, so no TCP
    port is opened, nothing races for ports, and ipykernel does not warn about unencrypted TCP.
    The folder path is short on purpose: Unix socket paths are limited to ~100 bytes."""
    if os.name != "posix":
        return {}
    folder = scratch_folder(KERNEL_PREFIX)  # removed when the kernel ends, or when stale
    return {"transport": "ipc", "connection_file": str(folder / "kernel.json"), "folder": folder}


class WarmKernels(Protocol):
    """Kernels started ahead for no job (:class:`~.pool.KernelPool`)."""

    def take(self, job: NotebookJob) -> _KernelWorker | None: ...


class LocalKernelExecutor(Executor):
    """Each notebook step on a fresh local kernel; prepared jobs start their kernel early.
    With a ``pool`` (:class:`~.pool.KernelPool`), a job takes a waiting kernel when there is
    one."""

    def __init__(self, pool: WarmKernels | None = None) -> None:
        self._workers: dict[str, _KernelWorker] = {}
        self._lock = threading.Lock()
        self._pool = pool

    def _worker(self, job: NotebookJob) -> _KernelWorker:
        with self._lock:
            worker = self._workers.get(job.key)
            if worker is None:
                worker = self._pool.take(job) if self._pool is not None else None
                if worker is None:
                    worker = _KernelWorker(job)
                    worker.begin()
                self._workers[job.key] = worker
            return worker

    def prepare(self, job: NotebookJob) -> None:
        self._worker(job)

    def discard(self, job: NotebookJob) -> None:
        with self._lock:
            worker = self._workers.pop(job.key, None)
        if worker is not None:
            worker.kill()

    def start(self, job: NotebookJob, done: Done) -> None:
        self._worker(job).go(done)

    def kill(self, job: NotebookJob) -> None:
        with self._lock:
            worker = self._workers.get(job.key)
        if worker is not None:
            worker.kill()

    def close(self) -> None:
        """Drop prepared kernels; kernels of finished jobs shut down in the background."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            if not worker.going:
                worker.kill()
