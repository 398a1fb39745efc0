"""The kernels of active schedules stay quick to start: their kernel templates
(:mod:`naas_lab_ext.pipelines.executors.forking`) are kept started while the schedules are
active, a deployment's own kernel included, so a firing does not pay for importing ipykernel
into a cold interpreter. Paused or deleted schedules release theirs (culled once idle)."""

from __future__ import annotations

from collections.abc import Sequence

from .schedule import Schedule

__all__ = ["keep_schedule_kernels_warm"]


def keep_schedule_kernels_warm(schedules: Sequence[Schedule]) -> None:
    """For :class:`~.loop.Scheduler`'s ``on_schedules``: keep the kernel templates of these
    (active) schedules started, in the background."""
    from ..pipelines.executors.forking import keep_warm_kernels

    keep_warm_kernels([(s.kernel_name, s.kernel_dirs, s.env) for s in schedules if not s.paused])
