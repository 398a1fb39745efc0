"""Choosing an executor by name (``local`` or ``dask``): what the server's ``executor`` trait,
the CLI's ``--executor`` and ``pipeline.run(executor=...)`` share.

An :class:`ExecutorFactory` gives each run its executor and is closed when its owner stops (a
server at shutdown, the CLI or a notebook after its run): for Dask, that closes the client and
the LocalCluster it started. Dask is imported only when it is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ...core.errors import InvalidInput
from .base import Executor
from .local import LocalKernelExecutor

if TYPE_CHECKING:
    from .pool import KernelPool

__all__ = ["EXECUTORS", "ExecutorFactory", "LocalExecutors", "check_executor", "executor_factory"]

#: The executors a server, the CLI or a notebook can choose by name.
EXECUTORS = ("local", "dask")
DEFAULT_DASK_WORKERS = 2


class ExecutorFactory(Protocol):
    def __call__(self) -> Executor: ...

    def close(self) -> None: ...


class LocalExecutors:
    """Each run gets a :class:`LocalKernelExecutor`, taking its first kernels from ``pool``
    (a server's warm kernels) when there is one; closing shuts the pool's kernels down."""

    def __init__(self, pool: KernelPool | None = None) -> None:
        self.pool = pool

    def __call__(self) -> Executor:
        return LocalKernelExecutor(self.pool)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def check_executor(name: object, *, field: str = "executor") -> str:
    """``name`` if it names an executor (local, dask), else :class:`InvalidInput`."""
    if name not in EXECUTORS:
        raise InvalidInput(
            f"Unknown executor {name!r}: choose one of {', '.join(EXECUTORS)}.", field=field
        )
    return str(name)


def executor_factory(
    name: str,
    *,
    dask_address: str = "",
    dask_workers: int | None = None,
    pool: KernelPool | None = None,
) -> ExecutorFactory:
    """The executors of ``name``; ``dask`` without Dask installed says what to install.
    ``pool``: the warm kernels local executors take their first kernels from."""
    check_executor(name)
    if name == "local":
        if dask_address:
            raise InvalidInput(
                "A Dask scheduler address was given with the local executor: choose the dask "
                "executor (--executor dask, executor='dask').",
                field="dask_address",
            )
        return LocalExecutors(pool)
    if pool is not None:
        pool.close()  # Dask workers start their own kernels
    from .dask import DaskCluster

    return DaskCluster(dask_address, workers=dask_workers or DEFAULT_DASK_WORKERS)
