"""A server's warm kernels: a few kernels per kernelspec started before any run needs them.

Starting a kernel (a Python process importing ipykernel) is most of the time a short step
takes. :class:`KernelPool` keeps ``size`` kernels of each kernelspec started and waiting; a
run's :class:`~.local.LocalKernelExecutor` takes its first kernels from it (the executor
still starts the next steps' kernels ahead, as without a pool). Each pooled kernel serves one
step only, so no state is shared between steps: before its notebook runs, it takes the step's
working directory, environment and ``PYTHONPATH`` (:meth:`~.local._KernelWorker.adopt`).
Taking a kernel starts its replacement in the background. Kernels that wait longer than
``idle_timeout`` seconds are shut down and not replaced until a run asks for that kernelspec
again. A deployment's kernel (a kernelspec in its own folders) never comes from the pool.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from .base import NotebookJob, default_kernel_name
from .local import _KernelWorker
from .scratch import KERNEL_PREFIX, scratch_folder

__all__ = ["KernelPool"]

log = logging.getLogger(__name__)


class KernelPool:
    """Up to ``size`` waiting kernels per kernelspec (0: no pool)."""

    def __init__(
        self, size: int = 2, *, idle_timeout: float = 600.0, start_timeout: float = 60.0
    ) -> None:
        self.size = max(0, size)
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._waiting: dict[str, list[tuple[float, _KernelWorker]]] = {}
        self._closed = False
        self._stop = threading.Event()
        self._folder: Path | None = None
        self._culler: threading.Thread | None = None
        self._count = 0
        #: Kernelspecs whose kernels failed to start: not refilled until the next cull.
        self._failing: set[str] = set()
        if self.size:
            # Before the executor's own exit hook joins kernel threads: waiting ones never end.
            atexit.register(self.close)

    # -- what runs see ------------------------------------------------------------------------

    def take(self, job: NotebookJob) -> _KernelWorker | None:
        """A started (or starting) kernel for ``job``'s kernelspec, adopted by ``job``; its
        replacement starts. None: none is waiting (or the job's kernel is a deployment's)."""
        if self.size == 0 or job.kernel_dirs:
            return None
        name = job.kernel_name or default_kernel_name()
        with self._lock:
            if self._closed:
                return None
            waiting = self._waiting.setdefault(name, [])
            worker = None
            while waiting and worker is None:
                _, candidate = waiting.pop(0)
                if candidate.start_failed:
                    candidate.kill()
                    self._failing.add(name)
                else:
                    worker = candidate
            self._fill_locked(name)
        if worker is not None:
            worker.adopt(job)
        return worker

    def start(self, kernel_names: tuple[str, ...] = ()) -> None:
        """Start the kernels of ``kernel_names`` (default: the default kernelspec's)."""
        if self.size == 0:
            return
        with self._lock:
            if self._closed:
                return
            for name in kernel_names or (default_kernel_name(),):
                self._fill_locked(name)
            if self._culler is None:
                self._culler = threading.Thread(
                    target=self._cull_loop, name="naas-kernel-pool", daemon=True
                )
                self._culler.start()

    def waiting(self, kernel_name: str | None = None) -> int:
        """How many kernels of ``kernel_name`` (default kernelspec) wait."""
        with self._lock:
            return len(self._waiting.get(kernel_name or default_kernel_name(), []))

    def wait_ready(self, kernel_name: str | None = None, timeout: float = 60.0) -> bool:
        """Wait until the waiting kernels of ``kernel_name`` are ready (or failed to start)."""
        with self._lock:
            entries = list(self._waiting.get(kernel_name or default_kernel_name(), []))
        deadline = time.monotonic() + timeout
        return all(w.ready.wait(max(0.0, deadline - time.monotonic())) for _, w in entries)

    def waiting_pids(self, kernel_name: str | None = None) -> list[int | None]:
        """The process ids of the waiting kernels of ``kernel_name`` (None: not started yet)."""
        with self._lock:
            entries = self._waiting.get(kernel_name or default_kernel_name(), [])
            return [worker.pid for _, worker in entries]

    def close(self) -> None:
        """Shut every waiting kernel down; :meth:`take` gives nothing from now on."""
        with self._lock:
            self._closed = True
            workers = [w for entries in self._waiting.values() for _, w in entries]
            self._waiting.clear()
        self._stop.set()
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.thread.join(15)
        if self._culler is not None:
            self._culler.join(5)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    # -- inside -------------------------------------------------------------------------------

    def _fill_locked(self, name: str) -> None:
        if name in self._failing:
            return
        waiting = self._waiting.setdefault(name, [])
        while len(waiting) < self.size:
            waiting.append((time.monotonic(), self._new_worker(name)))

    def _new_worker(self, name: str) -> _KernelWorker:
        if self._folder is None:
            # Where waiting kernels start: empty, so nothing is imported from it by mistake.
            self._folder = scratch_folder(KERNEL_PREFIX).resolve()
        self._count += 1
        job = NotebookJob(
            key=f"pool:{name}:{self._count}",
            step="(waiting)",
            input_path=self._folder,
            output_path=self._folder,
            cwd=self._folder,
            parameters={},
            env=dict(os.environ),
            kernel_name=name,
            start_timeout=self.start_timeout,
        )
        worker = _KernelWorker(job)
        worker.begin()
        return worker

    def _cull_loop(self) -> None:
        period = max(1.0, min(30.0, self.idle_timeout / 4))
        while not self._stop.wait(period):
            self.cull()

    def cull(self, now: float | None = None) -> int:
        """Shut down the kernels that waited longer than ``idle_timeout``; how many."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failing.clear()
            old: list[_KernelWorker] = []
            for entries in self._waiting.values():
                keep = [(t, w) for t, w in entries if now - t < self.idle_timeout]
                old.extend(w for t, w in entries if now - t >= self.idle_timeout)
                entries[:] = keep
        for worker in old:
            worker.kill()
        if old:
            log.info("Shut down %d idle pooled kernel(s)", len(old))
        return len(old)
