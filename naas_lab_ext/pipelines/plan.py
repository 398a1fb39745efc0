"""Validate a pipeline and turn it into a plan: the steps in run order, with their links.

Everything that can be checked before a step runs is checked here, so a wrong pipeline fails
with a message naming the step, and nothing starts: empty pipeline, duplicate names, a step
both in the DAG and an error handler, cycles, notebook paths that do not exist or escape the
product root.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, NaasError, NotFound
from ..core.paths import is_inside, resolve_inside
from ..core.text import shown
from ..products.manifest import EXECUTIONS_FOLDER
from .graph import PipelineError, PipelineGraph, Step
from .steps import DummyStep, NotebookStep


def file_slug(name: str) -> str:
    """The part of a file name that stands for a step: ``Clean A`` gives ``Clean_A``."""
    slug = re.sub(r"[^\w.-]+", "_", name).strip("_.")
    return slug or "step"


@dataclass
class PlannedStep:
    """A step in its pipeline: role, links and (for notebooks) the resolved notebook."""

    step: Step
    role: str
    """``step`` or ``on_error``."""
    upstream: list[str] = field(default_factory=list)
    downstream: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    """Error handlers (first steps of the chains) that run if this step fails."""
    handles: list[str] = field(default_factory=list)
    """For an error handler's first step: the steps whose failure starts it."""
    notebook: Path | None = None
    kernel_name: str | None = None

    @property
    def name(self) -> str:
        return self.step.name

    def notebook_path(self, root: Path) -> str | None:
        """The notebook's path from the product ``root`` (None for a step without one)."""
        if self.notebook is None:
            return None
        return _show(root, self.notebook)

    def output_name(self) -> str:
        """``<step>.<notebook>.ipynb``: the executed copy's file name."""
        if self.notebook is None:
            return f"{file_slug(self.name)}.ipynb"
        return f"{file_slug(self.name)}.{self.notebook.stem}.ipynb"


@dataclass
class Plan:
    """A validated pipeline: steps in a run order (upstream before downstream)."""

    pipeline: str
    root: Path
    steps: dict[str, PlannedStep]
    executions_folder: str | None = None
    """Where executed copies go, from the root (``run(outputs_path=...)``); None: the
    default ``outputs/pipeline_executions``."""

    def __getitem__(self, name: str) -> PlannedStep:
        return self.steps[name]

    def descendants(self, name: str) -> list[str]:
        """Every step downstream of ``name`` through regular links, in run order."""
        seen: set[str] = set()
        todo = list(self.steps[name].downstream)
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.steps[current].downstream)
        return [n for n in self.steps if n in seen]

    def executions_dir(self, product_root: Path | None = None) -> Path:
        """Where the runs of this pipeline keep their executed notebooks: in the product at
        ``product_root`` (default: the plan's own root; a production run passes the live
        product's)."""
        base = product_root or self.root
        if self.executions_folder is not None:
            return base / self.executions_folder / self.pipeline
        return base.joinpath(*EXECUTIONS_FOLDER, self.pipeline)

    def to_spec(self) -> dict[str, Any]:
        """JSON of the DAG: what the REST API serves and the server rebuilds a pipeline from."""
        steps = []
        edges: list[dict[str, str]] = []
        for planned in self.steps.values():
            steps.append(
                {
                    "name": planned.name,
                    "kind": planned.step.kind,
                    "role": planned.role,
                    "upstream": planned.upstream,
                    "on_error": planned.handlers,
                    **planned.step.options(),
                    **(
                        {"notebook_path": planned.notebook_path(self.root)}
                        if planned.notebook is not None
                        else {}
                    ),
                }
            )
            edges.extend({"from": u, "to": planned.name, "kind": "next"} for u in planned.upstream)
            edges.extend(
                {"from": planned.name, "to": h, "kind": "on_error"} for h in planned.handlers
            )
        spec: dict[str, Any] = {
            "name": self.pipeline,
            "root": str(self.root),
            "steps": steps,
            "edges": edges,
        }
        if self.executions_folder is not None:
            spec["outputs_path"] = self.executions_folder
        return spec


def _walk(starts: Iterable[Step]) -> list[Step]:
    """Every step reachable through regular links from ``starts`` (stable order)."""
    found: dict[int, Step] = {}
    todo = list(starts)
    while todo:
        step = todo.pop(0)
        if id(step) not in found:
            found[id(step)] = step
            todo.extend(step.next_steps)
    return sorted(found.values(), key=lambda s: s.order)


def _find_cycle(steps: list[Step]) -> list[Step] | None:
    white, grey, black = 0, 1, 2
    colour = {id(s): white for s in steps}
    stack: list[Step] = []

    def visit(step: Step) -> list[Step] | None:
        colour[id(step)] = grey
        stack.append(step)
        for nxt in step.next_steps:
            if colour.get(id(nxt)) == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(id(nxt)) == white:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        colour[id(step)] = black
        return None

    for step in steps:
        if colour[id(step)] == white:
            cycle = visit(step)
            if cycle:
                return cycle
    return None


def _topological(steps: list[Step]) -> list[Step]:
    """Kahn's order; ties broken by creation order, so the plan reads like the code."""
    members = {id(s) for s in steps}
    indegree = {id(s): 0 for s in steps}
    for step in steps:
        for nxt in step.next_steps:
            if id(nxt) in members:
                indegree[id(nxt)] += 1
    ready = sorted((s for s in steps if indegree[id(s)] == 0), key=lambda s: s.order)
    ordered: list[Step] = []
    while ready:
        step = ready.pop(0)
        ordered.append(step)
        for nxt in step.next_steps:
            if id(nxt) in members:
                indegree[id(nxt)] -= 1
                if indegree[id(nxt)] == 0:
                    ready.append(nxt)
                    ready.sort(key=lambda s: s.order)
    return ordered


def _read_kernel_name(planned: PlannedStep) -> str | None:
    assert planned.notebook is not None
    try:
        data = json.loads(planned.notebook.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PipelineError(
            f"Step '{planned.name}': the notebook '{planned.step.notebook_path}' "  # type: ignore[attr-defined]
            f"cannot be read ({exc}); fix or restore it.",
            step=planned.name,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise PipelineError(
            f"Step '{planned.name}': '{planned.step.notebook_path}' is not a notebook.",  # type: ignore[attr-defined]
            step=planned.name,
        )
    spec = (data.get("metadata") or {}).get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) and name else None


def _under_root(root: Path, base: Path, relative: str) -> Path | None:
    """``relative`` resolved against ``base`` when it names an existing entry inside ``root``
    (symlinks checked by :func:`resolve_inside`); None when it names nothing there."""
    if Path(relative).is_absolute():
        return None
    candidate = Path(os.path.normpath(base / relative))
    if not is_inside(root, candidate):
        return None
    try:
        inside = candidate.resolve().relative_to(root.resolve()).as_posix()
        return resolve_inside(root, inside, field="notebook_path", must_exist=True)
    except (ValueError, NaasError):
        return None


def _show(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _resolve_notebook(root: Path, planned: PlannedStep) -> None:
    """Find the step's notebook: relative to the pipeline notebook's folder (Naas's rule, the
    kernel's working directory) or to the product root. Both existing and different: refused."""
    step = planned.step
    assert isinstance(step, NotebookStep)
    folder = step.folder
    if folder is not None and (folder == root.resolve() or not is_inside(root, folder)):
        folder = None
    beside = _under_root(root, folder, step.notebook_path) if folder is not None else None
    try:
        from_root: Path | None = resolve_inside(
            root, step.notebook_path, field="notebook_path", must_exist=True
        )
    except NotFound:
        from_root = None
    except InvalidInput as exc:
        if beside is None:
            raise PipelineError(f"Step '{step.name}': {exc.message}", step=step.name) from None
        from_root = None
    if beside is not None and from_root is not None and beside.resolve() != from_root.resolve():
        assert folder is not None
        other = os.path.relpath(from_root, folder)
        raise PipelineError(
            f"Step '{step.name}': '{step.notebook_path}' names two different notebooks: "
            f"'{_show(root, beside)}' (beside the pipeline notebook) and "
            f"'{_show(root, from_root)}' (from the product root {root}). Write "
            f"'{_show(root, beside)}' for the first or '{Path(other).as_posix()}' for the second.",
            step=step.name,
        )
    path = beside or from_root
    if path is None:
        where = f"under the product root {root}"
        if folder is not None:
            where = f"beside the pipeline notebook ({_show(root, folder)}/) nor {where}"
        raise PipelineError(
            f"Step '{step.name}': the notebook '{step.notebook_path}' does not exist {where}. "
            "Paths are relative to the pipeline notebook's folder or to the product root (the "
            "folder with product.json).",
            step=step.name,
        )
    if path.suffix != ".ipynb" or not path.is_file():
        raise PipelineError(
            f"Step '{step.name}': '{step.notebook_path}' is not a notebook (.ipynb file).",
            step=step.name,
        )
    planned.notebook = path.resolve()
    planned.kernel_name = step.kernel_name or _read_kernel_name(planned)


def _executions(pipeline: PipelineGraph, root: Path) -> str | None:
    folder = pipeline.outputs_folder
    if folder is None:
        return None
    if not is_inside(root, folder) or Path(os.path.realpath(folder)) == root.resolve():
        raise PipelineError(
            f"outputs_path '{folder}' must be a folder inside the product ({root}), e.g. "
            "'../outputs/pipeline_executions' from models/."
        )
    return _show(root, folder)


def _check_utf8(path: Path, what: str, step: str | None = None) -> None:
    """Runs record their product's and notebooks' paths (and show them): a name that is not
    valid UTF-8 on disk cannot be, so it is refused with what to do."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise PipelineError(
            f"The {what} '{shown(str(path), 200)}' has a name that is not valid UTF-8, which a "
            "run cannot record: rename it (for example with mv in a terminal).",
            step=step,
        ) from None


def build_plan(pipeline: PipelineGraph, root: Path) -> Plan:
    """Validate ``pipeline`` against ``root`` and return its :class:`Plan`."""
    _check_utf8(root, "product folder")
    if not pipeline.entry_steps:
        raise PipelineError(
            f"The pipeline '{pipeline.name}' has no step: wire one with "
            "`pipeline >> step >> End()`."
        )
    main = _walk(pipeline.entry_steps)
    main_ids = {id(s) for s in main}
    roles: dict[int, str] = {id(s): "step" for s in main}
    handlers_all: list[Step] = []
    todo = [h for s in main for h in s.error_handlers]
    while todo:
        for step in _walk([todo.pop(0)]):
            if id(step) in main_ids:
                raise PipelineError(
                    f"'{step.name}' is both a step of the pipeline and an error handler: "
                    "give the handler its own step object.",
                    step=step.name,
                )
            if id(step) not in roles:
                roles[id(step)] = "on_error"
                handlers_all.append(step)
                todo.extend(step.error_handlers)

    every = main + handlers_all
    names: dict[str, Step] = {}
    slugs: dict[str, Step] = {}
    for step in every:
        other = names.get(step.name.casefold())
        if other is not None:
            raise PipelineError(
                f"Two steps are named '{step.name}': give each step its own name.", step=step.name
            )
        names[step.name.casefold()] = step
        slug = file_slug(step.name).casefold()
        if slug in slugs:
            raise PipelineError(
                f"Steps '{slugs[slug].name}' and '{step.name}' would write executed notebooks "
                "with the same file name: rename one of them.",
                step=step.name,
            )
        slugs[slug] = step

    cycle = _find_cycle(every)
    if cycle:
        path = " >> ".join(f"'{s.name}'" for s in cycle)
        raise PipelineError(
            f"The steps {path} form a cycle: a step cannot run after itself.", step=cycle[0].name
        )

    ordered = _topological(main) + _topological(handlers_all)
    plan = Plan(
        pipeline=pipeline.name, root=root, steps={}, executions_folder=_executions(pipeline, root)
    )
    for step in ordered:
        plan.steps[step.name] = PlannedStep(step=step, role=roles[id(step)])
    for step in ordered:
        planned = plan.steps[step.name]
        for nxt in step.next_steps:
            planned.downstream.append(nxt.name)
            plan.steps[nxt.name].upstream.append(step.name)
        for handler in step.error_handlers:
            planned.handlers.append(handler.name)
            plan.steps[handler.name].handles.append(step.name)
    for planned in plan.steps.values():
        if isinstance(planned.step, NotebookStep):
            _resolve_notebook(root, planned)
            if planned.notebook is not None:
                _check_utf8(planned.notebook, "notebook", planned.name)
        elif not isinstance(planned.step, DummyStep) and type(planned.step).execute is Step.execute:
            raise PipelineError(
                f"Step '{planned.name}' ({type(planned.step).__name__}) does not implement "
                "execute().",
                step=planned.name,
            )
    return plan
