r"""The executor interface: what the orchestrator asks of whatever runs notebook steps.

An executor gets :class:`NotebookJob`\ s (one attempt of one notebook step) and reports a
:class:`JobOutcome` for each through a callback, from any thread. The local executor
(:mod:`.local`) runs each on a fresh kernel of this machine; another (e.g. Dask distributed)
implements the same interface.
"""

from __future__ import annotations

import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import StepFailure, strip_ansi

__all__ = [
    "Done",
    "Executor",
    "JobOutcome",
    "NotebookJob",
    "default_kernel_name",
    "error_from_exception",
]


@dataclass
class NotebookJob:
    """One attempt of one notebook step."""

    key: str
    step: str
    input_path: Path
    output_path: Path
    cwd: Path
    parameters: dict[str, Any]
    env: dict[str, str]
    kernel_name: str | None = None
    start_timeout: float = 60.0
    kernel_dirs: tuple[Path, ...] = ()
    """Folders holding ``kernel_name``'s spec when it is not one of Jupyter's (a deployment's
    kernel is kept out of Lab's launcher)."""


@dataclass
class JobOutcome:
    """How an attempt ended. ``killed``: stopped by :meth:`Executor.kill`."""

    ok: bool
    error: StepFailure | None = None
    killed: bool = False
    cell_seconds: float = 0.0
    """The notebook cells' own execution time (papermill's per-cell durations)."""
    extra: dict[str, Any] = field(default_factory=dict)


Done = Callable[[JobOutcome], None]


class Executor(ABC):
    """Runs notebook jobs for one pipeline run.

    The orchestrator calls :meth:`prepare` for jobs that may run soon (optional warm-up),
    :meth:`start` when a job must run, :meth:`kill` to stop one, :meth:`discard` for a
    prepared job that will not run, and :meth:`close` when the run ends. ``done`` is called
    exactly once per started job, from any thread.
    """

    def prepare(self, job: NotebookJob) -> None:  # noqa: B027 - optional hook
        """Get ready to run ``job`` soon (default: nothing)."""

    def discard(self, job: NotebookJob) -> None:  # noqa: B027 - optional hook
        """Drop what :meth:`prepare` made for ``job`` (default: nothing)."""

    @abstractmethod
    def start(self, job: NotebookJob, done: Done) -> None:
        """Run ``job`` in the background; call ``done`` with its outcome."""

    @abstractmethod
    def kill(self, job: NotebookJob) -> None:
        """Stop ``job`` now; its ``done`` reports ``killed=True``."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release everything (called once, when the run ends)."""


def default_kernel_name() -> str:
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    return str(NATIVE_KERNEL_NAME)


def error_from_exception(exc: BaseException, job: NotebookJob | None = None) -> StepFailure:
    """A :class:`StepFailure` a user can act on, from whatever papermill or a kernel raised."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return StepFailure(
            name=str(exc.ename),
            message=strip_ansi(str(exc.evalue)),
            cell_index=exc.cell_index,
            execution_count=exc.exec_count,
            cell_source=exc.source,
            traceback=strip_ansi("\n".join(exc.traceback or [])),
        )
    if isinstance(exc, NoSuchKernel):
        kernel = job.kernel_name if job else "?"
        return StepFailure(
            name="NoSuchKernel",
            message=f"The kernel '{kernel}' is not installed: install it, or choose an "
            "installed kernel in the notebook (Kernel > Change Kernel).",
        )
    if isinstance(exc, DeadKernelError):
        return StepFailure(
            name="DeadKernelError",
            message="The kernel died while running the notebook (out of memory, or the code "
            "stopped its own process).",
        )
    if isinstance(exc, CellTimeoutError):
        return StepFailure(name="CellTimeoutError", message=strip_ansi(str(exc)))
    message = strip_ansi(str(exc)) or type(exc).__name__
    return StepFailure(
        name=type(exc).__name__,
        message=message,
        traceback="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )
