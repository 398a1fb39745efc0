"""A server's warm kernels: a few kernels per kernelspec started before any run needs them.

Starting a kernel (a Python process importing ipykernel) is most of the time a short step
takes. :class:`KernelPool` keeps ``size`` kernels of each kernelspec started and waiting; a
run's :class:`~.local.LocalKernelExecutor` takes its first kernels from it (the executor
still starts the next steps' kernels ahead, as without a pool). Each pooled kernel serves one
step only, so no state is shared between steps: before its notebook runs, it takes the step's
working directory, environment and ``PYTHONPATH`` (:meth:`~.local._KernelWorker.adopt`).
Taking a kernel starts its replacement in the background. Kernels that wait longer than
``idle_timeout`` seconds are shut down and not replaced until a run asks for that kernelspec
again.

Kernels are kept per kernelspec, the folders holding it (a deployment's kernelspec is kept in
its own) and the variables Python reads when it starts (a deployment's venv and user base:
:func:`~.forking.startup_environment`): a job takes a kernel only if it would have started
the same way. :meth:`KernelPool.keep` keeps the kernels of active schedules (a deployment's
included) waiting, never culled while they are listed. A deployment's kernelspec gets one
waiting kernel, not ``size``: a server may have many deployments.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from .base import NotebookJob, default_kernel_name
from .forking import base_environment, startup_environment
from .local import _KernelWorker
from .scratch import KERNEL_PREFIX, scratch_folder

__all__ = ["KernelPool"]

log = logging.getLogger(__name__)

#: (kernelspec name, the folders holding it, the start-up environment).
_Key = tuple[str, tuple[str, ...], tuple[str, ...]]


def _key(
    kernel_name: str | None, kernel_dirs: Iterable[Path | str], env: Mapping[str, str]
) -> _Key:
    return (
        kernel_name or default_kernel_name(),
        tuple(str(folder) for folder in kernel_dirs),
        startup_environment(env),
    )


class KernelPool:
    """Up to ``size`` waiting kernels per kernelspec (0: no pool)."""

    def __init__(
        self, size: int = 2, *, idle_timeout: float = 600.0, start_timeout: float = 60.0
    ) -> None:
        self.size = max(0, size)
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._waiting: dict[_Key, list[tuple[float, _KernelWorker]]] = {}
        #: What each key's kernels start with: the kernelspec's folders and environment.
        self._starts: dict[_Key, tuple[tuple[Path, ...], dict[str, str]]] = {}
        #: Kept waiting whatever their idle time (the kernels of active schedules).
        self._kept: set[_Key] = set()
        self._closed = False
        self._stop = threading.Event()
        self._folder: Path | None = None
        self._culler: threading.Thread | None = None
        self._count = 0
        #: Kernelspecs whose kernels failed to start: not refilled until the next cull.
        self._failing: set[_Key] = set()
        if self.size:
            # Before the executor's own exit hook joins kernel threads: waiting ones never end.
            atexit.register(self.close)

    # -- what runs see ------------------------------------------------------------------------

    def take(self, job: NotebookJob) -> _KernelWorker | None:
        """A started (or starting) kernel for ``job``'s kernelspec, folders and start-up
        environment, adopted by ``job``; its replacement starts. None: none is waiting."""
        if self.size == 0:
            return None
        key = _key(job.kernel_name, job.kernel_dirs, job.env)
        with self._lock:
            if self._closed:
                return None
            self._starts.setdefault(key, (tuple(job.kernel_dirs), base_environment(job.env)))
            waiting = self._waiting.setdefault(key, [])
            worker = None
            while waiting and worker is None:
                _, candidate = waiting.pop(0)
                if candidate.start_failed:
                    candidate.kill()
                    self._failing.add(key)
                else:
                    worker = candidate
            self._fill_locked(key)
        if worker is not None:
            worker.adopt(job)
        return worker

    def keep(self, kernels: Iterable[tuple[str | None, Iterable[Path], Mapping[str, str]]]) -> None:
        """Keep kernels of these ``(kernelspec, folders, environment)`` waiting (the kernels
        of active schedules, a deployment's own included), never culled while listed; the
        waiting kernels of those no longer listed shut down. Replaces the previous list."""
        if self.size == 0:
            return
        dropped: list[_KernelWorker] = []
        with self._lock:
            if self._closed:
                return
            kept: set[_Key] = set()
            for name, folders, env in kernels:
                dirs = tuple(Path(folder) for folder in folders)
                full = {**os.environ, **env}
                key = _key(name, dirs, full)
                kept.add(key)
                self._starts[key] = (dirs, base_environment(full))
            for key in self._kept - kept:
                if key[1]:  # a deployment's: nothing else asks for it
                    dropped.extend(w for _, w in self._waiting.pop(key, []))
            self._kept = kept
            for key in kept:
                self._fill_locked(key)
            self._start_culler_locked()
        for worker in dropped:
            worker.kill()

    def start(self, kernel_names: tuple[str, ...] = ()) -> None:
        """Start the kernels of ``kernel_names`` (default: the default kernelspec's)."""
        if self.size == 0:
            return
        with self._lock:
            if self._closed:
                return
            for name in kernel_names or (default_kernel_name(),):
                self._fill_locked(_key(name, (), os.environ))
            self._start_culler_locked()

    def _start_culler_locked(self) -> None:
        if self._culler is None:
            self._culler = threading.Thread(
                target=self._cull_loop, name="naas-kernel-pool", daemon=True
            )
            self._culler.start()

    def _entries(
        self,
        kernel_name: str | None,
        kernel_dirs: Iterable[Path | str],
        env: Mapping[str, str] | None,
    ) -> list[tuple[float, _KernelWorker]]:
        key = _key(kernel_name, kernel_dirs, os.environ if env is None else {**os.environ, **env})
        with self._lock:
            return list(self._waiting.get(key, []))

    def waiting(
        self,
        kernel_name: str | None = None,
        kernel_dirs: Iterable[Path | str] = (),
        env: Mapping[str, str] | None = None,
    ) -> int:
        """How many kernels of ``kernel_name`` (default kernelspec; a deployment's: its
        folders and environment) wait."""
        return len(self._entries(kernel_name, kernel_dirs, env))

    def wait_ready(
        self,
        kernel_name: str | None = None,
        timeout: float = 60.0,
        kernel_dirs: Iterable[Path | str] = (),
        env: Mapping[str, str] | None = None,
    ) -> bool:
        """Wait until the waiting kernels of ``kernel_name`` are ready (or failed to start)."""
        deadline = time.monotonic() + timeout
        return all(
            w.ready.wait(max(0.0, deadline - time.monotonic()))
            for _, w in self._entries(kernel_name, kernel_dirs, env)
        )

    def waiting_pids(
        self,
        kernel_name: str | None = None,
        kernel_dirs: Iterable[Path | str] = (),
        env: Mapping[str, str] | None = None,
    ) -> list[int | None]:
        """The process ids of the waiting kernels of ``kernel_name`` (None: not started yet)."""
        return [w.pid for _, w in self._entries(kernel_name, kernel_dirs, env)]

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

    def _fill_locked(self, key: _Key) -> None:
        if key in self._failing:
            return
        waiting = self._waiting.setdefault(key, [])
        # A deployment's kernelspec: one waits (its run's first step; the executor starts
        # the next ones ahead), not ``size`` per deployment of the server.
        target = min(self.size, 1) if key[1] else self.size
        while len(waiting) < target:
            waiting.append((time.monotonic(), self._new_worker(key)))

    def _new_worker(self, key: _Key) -> _KernelWorker:
        name = key[0]
        dirs, env = self._starts.get(key, ((), dict(os.environ)))
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
            env=dict(env),
            kernel_name=name,
            start_timeout=self.start_timeout,
            kernel_dirs=dirs,
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
            for key, entries in self._waiting.items():
                if key in self._kept:
                    continue
                keep = [(t, w) for t, w in entries if now - t < self.idle_timeout]
                old.extend(w for t, w in entries if now - t >= self.idle_timeout)
                entries[:] = keep
        for worker in old:
            worker.kill()
        if old:
            log.info("Shut down %d idle pooled kernel(s)", len(old))
        return len(old)
