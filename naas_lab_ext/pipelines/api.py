"""The pipeline API notebooks use: steps, wiring with ``>>``, and ``pipeline.run()``.

.. code-block:: python

    from naas_data_product import Pipeline, NotebookStep, DummyStep, End
    # Naas's names work too: DummyErrorStep, ParallelStep([a, b]), run(outputs_path=...).

    pipeline = Pipeline()
    collect = NotebookStep("Collect", "models/collect.ipynb", parameters={"days": 7})
    a, b = NotebookStep("Clean A", "models/a.ipynb"), NotebookStep("Clean B", "models/b.ipynb")
    publish = NotebookStep("Publish", "models/publish.ipynb")
    pipeline >> collect >> [a, b] >> publish >> End()   # a list = parallel branches
    publish.on_error >> NotebookStep("Alert", "models/alert.ipynb")
    result = pipeline.run()                              # result.status, result["Publish"]...

This module sits above the graph (:mod:`.graph`, :mod:`.steps`), the plan and the runner: a
:class:`Pipeline` is a :class:`~.graph.PipelineGraph` that can also validate and run itself.
Notebook paths are relative to the pipeline notebook's folder or to the product root (see
:mod:`.graph`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import env
from .executors.base import Executor
from .graph import (
    Chain,
    End,
    ParallelStep,
    PipelineError,
    PipelineGraph,
    Step,
    StepContext,
    outputs_folder,
)
from .options import ProgressCallback, RunOptions, check_parameters
from .plan import Plan, build_plan
from .results import PipelineFailed, RunResult, StepResult
from .retention import RetentionPolicy
from .steps import DummyErrorStep, DummyStep, NotebookStep

if TYPE_CHECKING:
    from .store.repository import RunStore

__all__ = [
    "Chain",
    "DummyErrorStep",
    "DummyStep",
    "End",
    "NotebookStep",
    "ParallelStep",
    "Pipeline",
    "PipelineError",
    "PipelineFailed",
    "RunResult",
    "Step",
    "StepContext",
    "StepResult",
    "run_pipeline",
]


class Pipeline(PipelineGraph):
    """A DAG of steps. Start a chain with ``pipeline >> step``; run it with :meth:`run`.

    ``name`` names the folder of its executions (default: the defining notebook's name, so
    ``__pipeline__.ipynb`` gives ``pipeline``). ``root`` is the product root notebook paths
    are relative to (default: see the module documentation). ``max_parallel`` bounds the
    steps running at once; ``keep_last`` / ``keep_days`` prune older executions after each run.
    """

    def validate(self, root: Path | None = None) -> Plan:
        """Check the whole pipeline and return its plan; raise :class:`PipelineError` if wrong."""
        return build_plan(self, root or self.product_root())

    def to_spec(self, root: Path | None = None) -> dict[str, Any]:
        """The validated DAG as JSON (what the server and the CLI read from a notebook)."""
        return self.validate(root).to_spec()

    def run(
        self,
        parameters: dict[str, Any] | None = None,
        *,
        raise_on_failure: bool = False,
        max_parallel: int | None = None,
        progress: bool | Callable[[RunResult, StepResult | None], None] = True,
        store: RunStore | None = None,
        cancel: threading.Event | None = None,
        outputs_path: str | os.PathLike[str] | None = None,
        style: str | None = None,
        monitor: bool | None = None,
        executor: Executor | str | None = None,
        dask_address: str | None = None,
        dask_workers: int | None = None,
    ) -> RunResult:
        """Run every step now, in this process; return the :class:`RunResult`.

        ``outputs_path`` (Naas's keyword) is the folder of the executed copies, relative to the
        pipeline notebook's folder as in Naas (``"../outputs/pipeline_executions"`` from
        ``models/`` is the default place); it must be inside the product, and each run gets
        ``<outputs_path>/<pipeline>/<run-id>/``. Naas's ``style`` and ``monitor`` are accepted
        and ignored: progress prints as lines (``progress``), and the Pipeline view of the
        Data Products panel draws the run.

        ``parameters`` are injected into every NotebookStep (over the step's own). The run is
        recorded in the run store (the Jupyter data dir, or ``$NAAS_LAB_DB_URL``). A failed run
        returns a result whose ``status`` is ``FAILED``; with ``raise_on_failure=True`` it
        raises :class:`~naas_lab_ext.pipelines.results.PipelineFailed` instead.
        ``progress`` prints step changes (or pass a callback). Interrupting the kernel cancels
        the run: running kernels are stopped and the run ends CANCELLED.

        ``executor``: ``"local"`` (default: a fresh kernel per step on this machine), ``"dask"``
        (each step a task on a Dask cluster: the scheduler at ``dask_address``, or a
        LocalCluster of ``dask_workers`` processes started for this run), or an
        :class:`~.executors.base.Executor`.
        """
        del style, monitor  # Naas's display options: accepted, see above
        if outputs_path is not None:
            self.outputs_folder = outputs_folder(outputs_path)
        describe_to = os.environ.get(env.PIPELINE_DESCRIBE)
        if describe_to:
            from .describe import write_description  # imported on use: it loads nbformat

            write_description(self, Path(describe_to))  # raises to stop the notebook here
        result = run_pipeline(
            self,
            parameters=parameters or {},
            max_parallel=max_parallel,
            progress=progress,
            store=store,
            cancel=cancel,
            executor=executor,
            dask_address=dask_address,
            dask_workers=dask_workers,
        )
        if raise_on_failure:
            result.raise_for_status()
        return result


def print_progress(result: RunResult, step: StepResult | None) -> None:
    """The default progress display of ``pipeline.run()``: one line per change."""
    clock = time.strftime("%H:%M:%S")
    if step is None:
        if result.status.finished:
            took = f" in {result.duration:.1f} s" if result.duration is not None else ""
            print(f"[{clock}] {result.pipeline} {result.run_id}: {result.status.value}{took}")
        else:
            print(f"[{clock}] {result.pipeline} {result.run_id}: started")
        sys.stdout.flush()
        return
    print(f"[{clock}]   {step.progress_line()}")
    sys.stdout.flush()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (importing ipykernel elsewhere does not make a notebook)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _definition_path(root: Path) -> str | None:
    for variable in (env.PIPELINE_NOTEBOOK, env.JUPYTER_SESSION):
        value = os.environ.get(variable, "")
        if value.endswith(".ipynb"):
            try:
                return Path(value).resolve().relative_to(root).as_posix()
            except ValueError:
                return None
    return None


def run_pipeline(
    pipeline: PipelineGraph,
    *,
    parameters: dict[str, Any],
    max_parallel: int | None = None,
    progress: bool | ProgressCallback = True,
    store: RunStore | None = None,
    cancel: threading.Event | None = None,
    options: RunOptions | None = None,
    executor: Executor | str | None = None,
    source: str | None = None,
    dask_address: str | None = None,
    dask_workers: int | None = None,
) -> RunResult:
    """Validate and run ``pipeline`` in this process (what ``pipeline.run()`` does)."""
    from .runner import PipelineRun  # imported on use: it loads the store and the executor
    from .store.repository import RunStore

    root = pipeline.product_root()
    plan = build_plan(pipeline, root)
    parameters = check_parameters(parameters)
    options = options or RunOptions()
    if max_parallel is not None or pipeline.max_parallel is not None:
        options.max_parallel = max_parallel or pipeline.max_parallel or options.max_parallel
    if pipeline.keep_last is not None or pipeline.keep_days is not None:
        options.retention = RetentionPolicy(
            keep_last=pipeline.keep_last, keep_days=pipeline.keep_days
        )
    own_cluster = None
    if isinstance(executor, str) or (executor is None and dask_address):
        from .executors.choice import executor_factory  # dask is imported only when chosen

        own_cluster = executor_factory(
            executor if isinstance(executor, str) else "dask",
            dask_address=dask_address or "",
            dask_workers=dask_workers,
        )
        executor = own_cluster()
    own_store = store is None
    store = store or RunStore()
    try:
        store.recover_interrupted()
        on_event: ProgressCallback | None = (
            progress if callable(progress) else (print_progress if progress else None)
        )
        return PipelineRun(
            plan,
            store=store,
            parameters=parameters,
            options=options,
            executor=executor,
            cancel=cancel,
            on_event=on_event,
            source=source or ("notebook" if _in_notebook() else "python"),
            pipeline_path=_definition_path(root),
        ).execute()
    finally:
        if own_store:
            store.close()
        if own_cluster is not None:
            own_cluster.close()
