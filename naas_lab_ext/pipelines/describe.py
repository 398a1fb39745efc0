"""Read a pipeline notebook's DAG without running any step, and its parameters form.

A pipeline is Python code in a notebook, so the only faithful way to know its DAG is to run
that code. The server and the CLI run the notebook on a fresh kernel (its folder as working
directory, like any step) with ``NAAS_PIPELINE_DESCRIBE`` set: ``pipeline.run()`` then
validates the pipeline, writes its DAG to a file and raises, so neither the steps nor the
cells after ``run()`` execute. A notebook that never calls ``run()`` is read to its end; the
last pipeline it created is described. A timeout kills a notebook that takes too long.

Cells before ``run()`` do execute: keep slow work out of the definition cells.

Most pipeline notebooks only wire steps: those are read without a kernel, in this process
(:mod:`.static`, which builds the same objects the kernel would); the kernel reads the others.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import nbformat

from ..core import env
from ..core.errors import InvalidInput, NaasError
from .executors.base import Executor, JobOutcome, NotebookJob, default_kernel_name
from .executors.local import LocalKernelExecutor
from .executors.scratch import DESCRIBE_PREFIX
from .graph import PipelineError, PipelineGraph, Step, last_created_pipeline
from .plan import build_plan
from .production import Production
from .static import NotPlain, notebook_json, read_pipeline
from .steps import DummyErrorStep, DummyStep, NotebookStep

log = logging.getLogger(__name__)

#: Notebooks holding this are pipeline notebooks (code cells only).
PIPELINE_PATTERN = re.compile(r"\bPipeline\s*\(")
#: Folders of a product never searched for pipeline notebooks.
SKIPPED_FOLDERS = frozenset({"outputs", ".ipynb_checkpoints", "__pycache__", "node_modules"})
FINAL_CELL = (
    "import naas_lab_ext.pipelines.describe as _naas_describe\n"
    "_naas_describe.describe_last_pipeline()"
)


class DescriptionWritten(Exception):
    """Stops a pipeline notebook after its DAG was written (describe mode only)."""


def _json_error(step: Step, name: str) -> str | None:
    try:
        json.dumps(getattr(step, "parameters", {}).get(name), allow_nan=False)
    except (TypeError, ValueError):
        return name
    return None


def _payload(pipeline: PipelineGraph) -> dict[str, Any]:
    try:
        plan = build_plan(pipeline, pipeline.product_root())
        for planned in plan.steps.values():
            for name in getattr(planned.step, "parameters", {}):
                if _json_error(planned.step, name):
                    raise PipelineError(
                        f"Step '{planned.name}': parameter '{name}' must be a JSON value (text, "
                        "number, boolean, null, list or dict) to run from the UI or the CLI.",
                        step=planned.name,
                    )
        return {"spec": plan.to_spec()}
    except PipelineError as exc:
        return {"error": {"message": exc.message, "step": exc.step}}
    except NaasError as exc:
        return {"error": {"message": exc.message, "step": None}}


def write_description(pipeline: PipelineGraph, target: Path) -> None:
    """Describe mode of ``pipeline.run()``: write the DAG (or what is wrong) and stop."""
    target.write_text(json.dumps(_payload(pipeline)), encoding="utf-8")
    raise DescriptionWritten(
        "Pipeline DAG read: the steps and the rest of the notebook do not run."
    )


def describe_last_pipeline() -> None:
    """Last cell of a described notebook that never called ``run()``."""
    target = os.environ.get(env.PIPELINE_DESCRIBE)
    pipeline = last_created_pipeline()
    if target and pipeline is not None:
        write_description(pipeline, Path(target))


def is_pipeline_notebook(path: Path) -> bool:
    """True when a code cell of the notebook creates a ``Pipeline(...)``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cells = data.get("cells", []) if isinstance(data, dict) else []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            if PIPELINE_PATTERN.search(text):
                return True
    return False


def find_pipeline_notebooks(product_dir: Path, *, max_depth: int = 3) -> list[Path]:
    """Pipeline notebooks of a product (not in outputs/ or hidden folders), sorted."""
    found = []
    for path in sorted(product_dir.rglob("*.ipynb")):
        parts = path.relative_to(product_dir).parts
        if len(parts) > max_depth + 1 or any(
            p.startswith(".") or p in SKIPPED_FOLDERS for p in parts[:-1]
        ):
            continue
        if path.is_file() and not path.is_symlink() and is_pipeline_notebook(path):
            found.append(path)
    return found


def describe_notebook(
    notebook: Path,
    *,
    parameters: dict[str, Any] | None = None,
    timeout: float = 60.0,
    cancel: threading.Event | None = None,
    executor: Executor | None = None,
    production: Production | None = None,
    static: bool = True,
) -> dict[str, Any]:
    """The DAG (``Plan.to_spec()`` JSON) a pipeline notebook defines, running no step.

    ``production``: the notebook is a deployment's frozen copy, read with the deployment's
    kernel and environment. Otherwise, with ``static``, a notebook of plain wiring is read
    without a kernel (see :mod:`.static`).

    Raises :class:`PipelineError` (the pipeline is wrong) or :class:`InvalidInput` (the
    notebook fails, takes longer than ``timeout`` seconds, or defines no pipeline).
    """
    notebook = notebook.resolve()
    if static and production is None:
        fast = read_statically(notebook, parameters)
        if fast is not None:
            return fast
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:
        raise InvalidInput(
            f"The pipeline notebook '{notebook.name}' cannot be read ({exc}).", field="pipeline"
        ) from None
    nb.cells.append(nbformat.v4.new_code_cell(FINAL_CELL))
    executor = executor or LocalKernelExecutor()
    outcomes: queue.Queue[JobOutcome] = queue.Queue()
    # Named with this process's pid: a killed server's leftover is removed (executors.scratch).
    with tempfile.TemporaryDirectory(prefix=f"{DESCRIBE_PREFIX}{os.getpid()}-") as tmp:
        folder = Path(tmp)
        source = folder / "definition.ipynb"
        nbformat.write(nb, source)
        target = folder / "dag.json"
        kernelspec = nb.metadata.get("kernelspec") or {}
        job = NotebookJob(
            key=f"describe:{notebook}",
            step="describe",
            input_path=source,
            output_path=folder / "executed.ipynb",
            cwd=notebook.parent,
            parameters=dict(parameters or {}),
            env=_describe_env(notebook, target, production),
            kernel_name=(production and production.kernel_name)
            or kernelspec.get("name")
            or default_kernel_name(),
            start_timeout=min(timeout, 60.0),
            kernel_dirs=production.kernel_dirs if production else (),
        )
        executor.start(job, outcomes.put)
        outcome = _wait(executor, job, outcomes, timeout, cancel)
        executor.close()
        if cancel is not None and cancel.is_set():
            raise InvalidInput("Cancelled while reading the pipeline.", field="pipeline")
        if outcome is None:
            raise InvalidInput(
                f"'{notebook.name}' took longer than {timeout:g} s to define its pipeline: move "
                "slow work after `pipeline.run()` or into the steps.",
                field="pipeline",
            )
        if target.is_file():
            payload = json.loads(target.read_text(encoding="utf-8"))
            if "error" in payload:
                raise PipelineError(payload["error"]["message"], step=payload["error"].get("step"))
            spec: dict[str, Any] = payload["spec"]
            return spec
    if outcome.ok:
        raise _no_pipeline(notebook)
    raise InvalidInput(
        f"'{notebook.name}' failed before its pipeline was defined: {outcome.error}. Fix the "
        "notebook (run it in JupyterLab to see the error).",
        field="pipeline",
    )


def _no_pipeline(notebook: Path) -> InvalidInput:
    return InvalidInput(
        f"'{notebook.name}' defines no pipeline: create one with `pipeline = Pipeline()` "
        "and wire steps with `pipeline >> step >> End()`.",
        field="pipeline",
    )


def read_statically(
    notebook: Path, parameters: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The DAG of a notebook of plain wiring, read without a kernel; None when only a
    kernel can read it. Raises what :func:`describe_notebook` raises for the same notebook."""
    try:
        nb = notebook_json(notebook.read_text(encoding="utf-8"))
        pipeline = read_pipeline(nb, notebook, parameters)
    except (OSError, UnicodeDecodeError) as exc:
        log.debug("Reading %s with a kernel: %s", notebook, exc)
        return None
    except NotPlain as exc:
        log.debug("Reading %s with a kernel (not plain wiring: %s)", notebook, exc)
        return None
    if pipeline is None:
        raise _no_pipeline(notebook)
    # What the kernel writes and describe_notebook reads back: the same JSON.
    payload = json.loads(json.dumps(_payload(pipeline)))
    if "error" in payload:
        raise PipelineError(payload["error"]["message"], step=payload["error"].get("step"))
    spec: dict[str, Any] = payload["spec"]
    return spec


def _describe_env(notebook: Path, target: Path, production: Production | None) -> dict[str, str]:
    values = dict(os.environ)
    if production is not None:
        values.update(production.environment())
    values.pop(env.JUPYTER_SESSION, None)
    values[env.PIPELINE_DESCRIBE] = str(target)
    values[env.PIPELINE_NOTEBOOK] = str(notebook)
    return values


def _wait(
    executor: Executor,
    job: NotebookJob,
    outcomes: queue.Queue[JobOutcome],
    timeout: float,
    cancel: threading.Event | None,
) -> JobOutcome | None:
    """The outcome, or None after killing the kernel on timeout or cancel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancel is not None and cancel.is_set():
            break
        try:
            return outcomes.get(timeout=0.2)
        except queue.Empty:
            continue
    executor.kill(job)
    with contextlib.suppress(queue.Empty):
        outcomes.get(timeout=15)
    return None


def pipeline_from_spec(spec: dict[str, Any], *, root: Path) -> PipelineGraph:
    """Rebuild a pipeline from its DAG JSON (to run it where it was described)."""
    pipeline = PipelineGraph(spec["name"], root=root)
    if isinstance(spec.get("outputs_path"), str):
        pipeline.outputs_folder = root / spec["outputs_path"]
    steps: dict[str, Step] = {}
    for item in spec["steps"]:
        options = {
            "timeout": item.get("timeout"),
            "retries": item.get("retries", 0),
            "retry_delay": item.get("retry_delay", 0.0),
        }
        if item["kind"] == "notebook":
            notebook_step = NotebookStep(
                item["name"],
                item["notebook_path"],
                parameters=item.get("parameters") or {},
                kernel_name=item.get("kernel_name"),
                **options,
            )
            notebook_step.folder = None  # the spec's paths are from the product root
            steps[item["name"]] = notebook_step
        elif item["kind"] == "dummy":
            dummy = DummyErrorStep if item.get("fails") else DummyStep
            steps[item["name"]] = dummy(item["name"], item.get("delay", 0.0), **options)
        else:
            raise PipelineError(
                f"Step '{item['name']}' is a custom step ({item['kind']}): it can only run "
                "from its notebook, with pipeline.run().",
                step=item["name"],
            )
    for item in spec["steps"]:
        step = steps[item["name"]]
        for upstream in item.get("upstream", []):
            steps[upstream] >> step
        for handler in item.get("on_error", []):
            step.on_error >> steps[handler]
        if item.get("role") == "step" and not item.get("upstream"):
            pipeline >> step
    return pipeline
