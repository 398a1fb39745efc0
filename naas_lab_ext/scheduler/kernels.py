"""The kernels of active schedules stay quick to start: their kernel templates
(:mod:`naas_lab_ext.pipelines.executors.forking`) are kept started, and with a server's pool
(:class:`~naas_lab_ext.pipelines.executors.pool.KernelPool`) kernels of theirs wait, while the
schedules are active, a deployment's own kernel included: a firing does not pay for starting
an interpreter. Paused or deleted schedules release theirs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .schedule import Schedule

if TYPE_CHECKING:
    from ..pipelines.executors.pool import KernelPool

__all__ = ["keep_schedule_kernels_warm"]


def keep_schedule_kernels_warm(
    schedules: Sequence[Schedule], pool: KernelPool | None = None
) -> None:
    """For :class:`~.loop.Scheduler`'s ``on_schedules``: keep the kernel templates of these
    (active) schedules started (in the background), and their kernels waiting in ``pool``."""
    from ..pipelines.executors.forking import keep_warm_kernels

    kernels = [(s.kernel_name, s.kernel_dirs, s.production().environment()) for s in schedules]
    keep_warm_kernels(kernels)
    if pool is not None:
        pool.keep(kernels)
