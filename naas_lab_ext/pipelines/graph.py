"""A pipeline as data: steps and their wiring with ``>>`` (no step runs here).

.. code-block:: python

    pipeline >> collect >> [a, b] >> publish >> End()   # a list = parallel branches
    publish.on_error >> alert

Notebook paths are relative to the pipeline notebook's folder (the kernel's working directory,
as in Naas) or to the **product root**: the nearest folder, at or above the folder the pipeline
is defined in, that holds a ``product.json``; without one, that folder itself. Pass
``Pipeline(root=...)`` to choose another root. A path that names a notebook in both places,
two different files, is refused (naming both).

Wiring mistakes raise :class:`PipelineError` at once, naming the step; the rest (duplicate
names, cycles, missing notebooks) is checked when the graph becomes a plan
(:func:`naas_lab_ext.pipelines.plan.build_plan`) before any step runs. Running lives above
this module (:mod:`naas_lab_ext.pipelines.api`): a graph never imports its runner.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

from ..core import env
from ..core.errors import InvalidInput
from ..core.paths import validate_name
from ..products.manifest import find_product_root

__all__ = [
    "Chain",
    "End",
    "ParallelStep",
    "PipelineError",
    "PipelineGraph",
    "Step",
    "StepContext",
    "wire",
]

#: Parameter names every NotebookStep receives; a run cannot override them.
RESERVED_PARAMETERS = frozenset({"pipeline_output_path", "pipeline_run_id"})
MAX_STEP_NAME = 100

_creation_order = itertools.count()
#: Pipelines created in this process, most recent last (read when describing a notebook that
#: never calls ``run()``).
_created: list[weakref.ref[PipelineGraph]] = []
_created_lock = threading.Lock()


class PipelineError(InvalidInput):
    """A pipeline is wired or defined wrongly; ``step`` names the step at fault, if one is."""

    def __init__(self, message: str, *, step: str | None = None) -> None:
        super().__init__(message, field="pipeline")
        self.step = step
        target = os.environ.get(env.PIPELINE_DESCRIBE)
        if target:
            # Being read by the server or the CLI: a wiring error stops the notebook before
            # run(); leave it where they look, naming the step (run() overwrites it if the
            # notebook recovers).
            with contextlib.suppress(OSError):
                Path(target).write_text(
                    json.dumps({"error": {"message": message, "step": step}}), encoding="utf-8"
                )


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise PipelineError("A step needs a name, e.g. NotebookStep('Collect', 'models/c.ipynb').")
    text: str = " ".join(str(name).split())
    if len(text) > MAX_STEP_NAME:
        raise PipelineError(
            f"The step name '{text[:40]}...' is longer than {MAX_STEP_NAME} characters.", step=text
        )
    if any(ch in text for ch in "/\\") or any(ord(ch) < 32 for ch in text):
        raise PipelineError(
            f"The step name '{text}' must not contain '/', '\\' or control characters.", step=text
        )
    return text


def check_seconds(value: Any, what: str, name: str, *, allow_none: bool) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PipelineError(f"Step '{name}': {what} must be a number of seconds.", step=name)
    if value < 0 or (value == 0 and what == "timeout"):
        raise PipelineError(f"Step '{name}': {what} must be positive, not {value}.", step=name)
    return float(value)


class StepContext:
    """What a custom step's :meth:`Step.execute` gets: the run, and a way to notice cancel."""

    def __init__(
        self,
        *,
        run_id: str,
        attempt: int,
        parameters: dict[str, Any],
        product_root: Path,
        output_dir: Path,
        cancelled: threading.Event,
    ) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self.parameters = parameters
        self.product_root = product_root
        self.output_dir = output_dir
        #: Set when the step must stop (timeout or cancel); long work should check it.
        self.cancelled = cancelled


class Step:
    """Base class of every step. Subclass it and implement :meth:`execute` for a custom step.

    ``timeout`` (seconds) stops the step when it runs longer (a notebook's kernel is killed);
    ``retries`` runs it again up to that many times after a failure, ``retry_delay`` seconds
    apart.
    """

    kind: ClassVar[str] = "custom"

    def __init__(
        self,
        name: str,
        *,
        timeout: float | None = None,
        retries: int = 0,
        retry_delay: float = 0.0,
    ) -> None:
        self.name = _check_name(name)
        self.timeout = check_seconds(timeout, "timeout", self.name, allow_none=True)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise PipelineError(
                f"Step '{self.name}': retries must be a whole number >= 0.", step=self.name
            )
        self.retries = retries
        self.retry_delay = float(
            check_seconds(retry_delay, "retry_delay", self.name, allow_none=False) or 0.0
        )
        self.order = next(_creation_order)
        self.next_steps: list[Step] = []
        """Steps wired directly after this one (``self >> step``)."""
        self.error_handlers: list[Step] = []
        """First steps of the chains wired with ``self.on_error >> ...``."""

    @property
    def on_error(self) -> ErrorHook:
        """Wire what runs, once, if this step fails: ``step.on_error >> handler``."""
        return ErrorHook(self)

    def __rshift__(self, other: Wirable) -> Chain | End:
        return wire(self, other)

    def __rrshift__(self, other: Wirable) -> Chain | End:
        # ``[a, b] >> step``: a list has no ``>>``, so Python asks the step.
        return wire(other, self)

    def execute(self, context: StepContext) -> None:
        """Run the step (custom steps only); raise to fail it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")

    def options(self) -> dict[str, Any]:
        """The step's settings as JSON (what the DAG of a pipeline notebook carries)."""
        return {"timeout": self.timeout, "retries": self.retries, "retry_delay": self.retry_delay}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class End:
    """Closes a chain: ``pipeline >> a >> b >> End()``. Nothing can be wired after it."""

    def __rshift__(self, other: Any) -> Any:
        raise PipelineError("Nothing can be wired after End(): it closes the chain.")

    def __rrshift__(self, other: Wirable) -> End:
        wire(other, self)
        return self

    def __repr__(self) -> str:
        return "End()"


class ParallelStep:
    """Steps that run side by side: ``a >> ParallelStep([b, c]) >> d`` is ``a >> [b, c] >> d``.

    ``name`` is accepted for Naas's ``ParallelStep(name=...)`` and only shows in the repr;
    Naas's way of filling it afterwards (``p.steps.append(step)``) works until it is wired.
    """

    def __init__(self, steps: Iterable[Wirable] = (), name: str | None = None) -> None:
        if isinstance(steps, str) and name is None:  # Naas: ParallelStep("name")
            steps, name = (), steps
        self.steps = list(steps)
        self.name = name

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"ParallelStep({label}{self.steps!r})"

    def __rshift__(self, other: Wirable) -> Chain | End:
        return wire(self, other)

    def __rrshift__(self, other: Wirable) -> Chain | End:
        return wire(other, self)


class Chain:
    """What ``a >> b`` gives back: its first steps (``heads``) and its last ones (``tails``),
    so chains can be wired on, or put in a list as one parallel branch."""

    def __init__(self, heads: list[Step], tails: list[Step]) -> None:
        self.heads = heads
        self.tails = tails

    def __rshift__(self, other: Wirable) -> Chain | End:
        return wire(self, other)

    def __rrshift__(self, other: Wirable) -> Chain | End:
        return wire(other, self)

    def __repr__(self) -> str:
        return f"Chain(heads={self.heads!r}, tails={self.tails!r})"


class ErrorHook:
    """``step.on_error``: ``step.on_error >> handler`` (a step, a chain or a list)."""

    def __init__(self, step: Step) -> None:
        self.step = step

    def __rshift__(self, other: Wirable) -> Chain:
        heads, tails = _ends(other)
        for head in heads:
            if head is self.step:
                raise PipelineError(
                    f"Step '{self.step.name}' cannot handle its own failure.", step=self.step.name
                )
            _append_once(
                self.step.error_handlers,
                head,
                f"'{head.name}' is already wired as the error handler of '{self.step.name}'. "
                "If you re-ran a cell, re-run the cell that creates the steps too.",
            )
        return Chain(heads, tails)


Wirable: TypeAlias = Step | Chain | ParallelStep | End | list[Any] | tuple[Any, ...]


def _unique(steps: Iterable[Step]) -> list[Step]:
    seen: set[int] = set()
    out = []
    for step in steps:
        if id(step) not in seen:
            seen.add(id(step))
            out.append(step)
    return out


def _ends(node: Any) -> tuple[list[Step], list[Step]]:
    """The (heads, tails) of anything that can stand on one side of ``>>``."""
    if isinstance(node, Step):
        return [node], [node]
    if isinstance(node, Chain):
        return node.heads, node.tails
    if isinstance(node, ParallelStep):
        if not node.steps:
            raise PipelineError("ParallelStep needs at least one step: ParallelStep([a, b]).")
        node = node.steps
    if isinstance(node, (list, tuple)):
        if not node:
            raise PipelineError("An empty list cannot be wired: put steps in it.")
        heads: list[Step] = []
        tails: list[Step] = []
        for item in node:
            item_heads, item_tails = _ends(item)
            heads.extend(item_heads)
            tails.extend(item_tails)
        return _unique(heads), _unique(tails)
    if isinstance(node, End):
        raise PipelineError("End() only closes a chain: put it last, as in `... >> step >> End()`.")
    if isinstance(node, PipelineGraph):
        raise PipelineError(
            "A pipeline starts a chain: write `pipeline >> step`, not `step >> ...`."
        )
    raise PipelineError(
        f"Cannot wire {type(node).__name__} {node!r}: wire steps (NotebookStep, DummyStep...), "
        "lists of steps, or chains."
    )


def _link(upstream: Step, downstream: Step) -> None:
    if upstream is downstream:
        raise PipelineError(f"Step '{upstream.name}' cannot run after itself.", step=upstream.name)
    _append_once(
        upstream.next_steps,
        downstream,
        f"'{downstream.name}' is already wired after '{upstream.name}': declare each link "
        "once. If you re-ran a cell, re-run the cell that creates the steps too.",
    )


def _append_once(steps: list[Step], step: Step, refusal: str) -> None:
    """Add ``step`` to a list of links; a link declared twice (a cell run again, most often)
    is refused with ``refusal``, naming the step."""
    if any(s is step for s in steps):
        raise PipelineError(refusal, step=step.name)
    steps.append(step)


def wire(left: Any, right: Any) -> Chain | End:
    """``left >> right``: every last step of ``left`` runs before every first step of ``right``."""
    left_heads, left_tails = _ends(left)
    if isinstance(right, End):
        return right
    right_heads, right_tails = _ends(right)
    for upstream in left_tails:
        for downstream in right_heads:
            _link(upstream, downstream)
    return Chain(left_heads, right_tails)


def _default_name() -> str:
    """The pipeline's name when none is given: from the notebook that defines it."""
    for variable in (env.PIPELINE_NOTEBOOK, env.JUPYTER_SESSION):
        value = os.environ.get(variable, "")
        if value.endswith(".ipynb"):
            return slug_name(Path(value).stem)
    return "pipeline"


def slug_name(text: str) -> str:
    """A folder-safe pipeline name from a notebook stem: ``__pipeline__`` gives ``pipeline``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("_.-")
    return slug[:64] or "pipeline"


class PipelineGraph:
    """A DAG of steps. Start a chain with ``pipeline >> step``. The notebook-facing
    :class:`naas_lab_ext.pipelines.api.Pipeline` adds ``validate()`` and ``run()``.

    ``name`` names the folder of its executions (default: the defining notebook's name, so
    ``__pipeline__.ipynb`` gives ``pipeline``). ``root`` is the product root notebook paths
    are relative to (default: see the module documentation). ``max_parallel`` bounds the
    steps running at once; ``keep_last`` / ``keep_days`` prune older executions after each run.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        root: str | os.PathLike[str] | None = None,
        max_parallel: int | None = None,
        keep_last: int | None = None,
        keep_days: float | None = None,
    ) -> None:
        self.name = (
            validate_name(name, field="name", what="pipeline name") if name else _default_name()
        )
        self.root = Path(root) if root is not None else None
        if max_parallel is not None and (not isinstance(max_parallel, int) or max_parallel < 1):
            raise PipelineError("max_parallel must be a whole number >= 1.")
        self.max_parallel = max_parallel
        self.keep_last = keep_last
        self.keep_days = keep_days
        self.entry_steps: list[Step] = []
        #: Where the executed copies go instead of ``outputs/pipeline_executions`` (absolute;
        #: ``run(outputs_path=...)`` sets it); runs land in ``<it>/<name>/<run-id>/``.
        self.outputs_folder: Path | None = None
        with _created_lock:
            _created[:] = [ref for ref in _created if ref() is not None]
            _created.append(weakref.ref(self))

    def __rshift__(self, other: Wirable) -> Chain | End:
        if isinstance(other, End):
            raise PipelineError("The pipeline has no step before End(): wire `pipeline >> step`.")
        heads, tails = _ends(other)
        for head in heads:
            _append_once(
                self.entry_steps,
                head,
                f"'{head.name}' is already wired at the start of the pipeline. If you re-ran "
                "a cell, re-run the cell that creates the pipeline and its steps too.",
            )
        return Chain(heads, tails)

    def product_root(self) -> Path:
        """The folder notebook paths are relative to (see the module documentation)."""
        if self.root is not None:
            return self.root.expanduser().resolve()
        cwd = Path.cwd().resolve()
        return find_product_root(cwd) or cwd

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, entry_steps={self.entry_steps!r})"


def outputs_folder(outputs_path: str | os.PathLike[str], base: Path | None = None) -> Path:
    """``run(outputs_path=...)`` made absolute against the working directory (the pipeline
    notebook's folder, as in Naas; ``base`` when it is read without a kernel);
    :func:`~.plan.build_plan` checks it is inside the product."""
    if not isinstance(outputs_path, (str, os.PathLike)) or not str(outputs_path).strip():
        raise PipelineError("outputs_path must be a folder, e.g. '../outputs/pipeline_executions'.")
    return Path(os.path.normpath((base or Path.cwd()) / Path(outputs_path).expanduser()))


def last_created_pipeline() -> PipelineGraph | None:
    """The most recent Pipeline of this process that has steps (for describing a notebook)."""
    with _created_lock:
        for ref in reversed(_created):
            pipeline = ref()
            if pipeline is not None and pipeline.entry_steps:
                return pipeline
    return None
