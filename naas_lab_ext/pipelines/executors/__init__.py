"""Where notebook steps run: the :class:`Executor` interface and the local kernel executor."""

from .base import Done, Executor, JobOutcome, NotebookJob, default_kernel_name
from .local import LocalKernelExecutor

__all__ = [
    "Done",
    "Executor",
    "JobOutcome",
    "LocalKernelExecutor",
    "NotebookJob",
    "default_kernel_name",
]
