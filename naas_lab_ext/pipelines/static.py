"""Read a pipeline notebook's DAG without a kernel when its code is plain wiring.

Starting a kernel to read a DAG takes seconds; most pipeline notebooks only import the pipeline
names, create steps and wire them. This module reads such notebooks with :mod:`ast` and builds
the very same :class:`~.graph.PipelineGraph` objects the kernel would (with the notebook's
folder standing for the kernel's working directory), so the DAG is the kernel's, checked by the
same code. Understood, and nothing else:

- ``from naas_data_product import Pipeline, NotebookStep, ...`` (also ``import
  naas_data_product as naas`` then ``naas.Pipeline``, ``*``, and
  ``naas_lab_ext.pipelines.api``); ``import`` of a few standard modules that are never used;
- ``Pipeline(...)``, ``NotebookStep(...)``, ``DummyStep(...)``, ``DummyErrorStep(...)``,
  ``ParallelStep([...])``, ``End()`` with literal arguments (numbers, text, lists, dicts,
  f-strings of them, simple arithmetic) and names assigned earlier in the notebook;
- ``>>`` between them and lists of them, ``step.on_error >> ...``, ``a, b = X(), Y()``;
- ``pipeline.run(...)`` (reading stops there, as with the kernel) and ``print(...)``.

Anything else (a call to another function, a loop, a condition, a magic, an import of other
code...) raises :class:`NotPlain`: the caller reads the notebook with a kernel instead. So do
a notebook whose kernel is not Python, and one that imports ``naas_data_product`` when the
product's utils mention steps or pipelines (utils run when that module is imported).
Parameters given to a run are bound after the cell tagged ``parameters``, as papermill
injects them.
"""

from __future__ import annotations

import ast
import copy
import json
import operator
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.errors import NaasError
from ..products.manifest import find_product_root
from .graph import (
    Chain,
    End,
    ErrorHook,
    ParallelStep,
    PipelineError,
    PipelineGraph,
    Step,
    outputs_folder,
    slug_name,
)
from .steps import DummyErrorStep, DummyStep, NotebookStep

__all__ = ["NotPlain", "read_pipeline"]

#: What ``naas_data_product`` and the pipeline API modules give by name.
PIPELINE_NAMES: dict[str, Any] = {
    "Pipeline": PipelineGraph,  # what api.Pipeline adds (validate, run) is read here
    "NotebookStep": NotebookStep,
    "DummyStep": DummyStep,
    "DummyErrorStep": DummyErrorStep,
    "ParallelStep": ParallelStep,
    "End": End,
}
PIPELINE_MODULES = frozenset({"naas_data_product", "naas_lab_ext.pipelines.api"})
#: Standard modules a definition notebook may import (and not use: using them is not plain).
HARMLESS_MODULES = frozenset(
    {"datetime", "json", "logging", "math", "os", "pathlib", "re", "sys", "time", "typing"}
)
#: Words in a product's utils that may change what a pipeline notebook defines.
UTILS_SUSPECTS = ("Pipeline", "Step", "chdir", "naas_lab_ext")
#: What ``from naas_data_product import *`` binds besides the utils' names (kept equal to
#: its ``_FRAMEWORK_NAMES``: a test checks it).
PRODUCT_NAMES = frozenset(
    {
        "ROOT_PATH",
        "ASSETS_PATH",
        "INPUTS_PATH",
        "MODELS_PATH",
        "OUTPUTS_PATH",
        "TESTS_PATH",
        "UTILS_PATH",
        "PARAMS",
        "save_parameters",
        "save",
        "load",
        "versions",
        "latest_path",
        "install_requirements",
        "schedule",
        "unschedule",
        "dependency",
        "scheduler",
        "notify",
        "notification",
        "secret",
    }
)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_TEXT = 10_000
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
#: The keywords of ``Pipeline.run`` (api.py; a test keeps them equal): any other is a
#: TypeError in a kernel.
RUN_KEYWORDS = (
    "parameters",
    "raise_on_failure",
    "max_parallel",
    "progress",
    "store",
    "cancel",
    "outputs_path",
    "style",
    "monitor",
    "executor",
    "dask_address",
    "dask_workers",
)
_WIRABLE = (Step, Chain, ParallelStep, End, PipelineGraph, ErrorHook, list, tuple)


class NotPlain(Exception):
    """The notebook does more than plain wiring: read it with a kernel."""


class _Ran(Exception):
    """``pipeline.run()`` was reached: the kernel stops there too."""

    def __init__(self, pipeline: PipelineGraph) -> None:
        super().__init__()
        self.pipeline = pipeline


class _Opaque:
    """A value the reader does not follow (a module, a utils name): using it is not plain."""

    def __init__(self, what: str) -> None:
        self.what = what


class _Module:
    """A pipeline module imported as a whole (``import naas_data_product as naas``)."""


class _RunMethod:
    def __init__(self, pipeline: PipelineGraph) -> None:
        self.pipeline = pipeline


def _print(*args: Any, **kwargs: Any) -> None:
    """``print`` shows, it changes no DAG."""


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotPlain("no cells")
    return [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell: dict[str, Any]) -> list[Any]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return tags if isinstance(tags, list) else []


def _utils_words(product: Path) -> set[str] | None:
    """Every identifier the product's utils files hold (what ``import *`` may bind), or None
    when they may change what a pipeline notebook defines."""
    utils = product / "utils"
    words: set[str] = set()
    if not utils.is_dir():
        return words
    for path in utils.rglob("*"):
        if path.suffix not in {".py", ".ipynb"} or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if any(word in text for word in UTILS_SUSPECTS):
            return None
        words.update(IDENTIFIER.findall(text))
    return words


class _Reader:
    def __init__(self, notebook: Path) -> None:
        self.folder = notebook.parent.resolve()
        self.default_name = slug_name(notebook.stem)
        self.names: dict[str, Any] = {"print": _print}
        self.created: list[PipelineGraph] = []
        self.utils_words: set[str] | None = None

    # -- statements ---------------------------------------------------------------------------

    def run_cell(self, source: str) -> None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise NotPlain("not plain Python (a magic, or a syntax error)") from None
        for statement in tree.body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            self.value(node.value)
        elif isinstance(node, ast.Assign):
            value = self.value(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                self.import_module(alias.name, alias.asname)
        elif isinstance(node, ast.ImportFrom):
            self.import_from(node)
        elif not isinstance(node, ast.Pass):
            raise NotPlain(f"{type(node).__name__} statement")

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.names[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and all(
            isinstance(t, ast.Name) for t in target.elts
        ):
            if not isinstance(value, (list, tuple)) or len(value) != len(target.elts):
                raise NotPlain("unpacking")
            for item, element in zip(target.elts, value, strict=True):
                self.assign(item, element)
        else:
            raise NotPlain("assignment target")

    def uses_product(self) -> None:
        """``naas_data_product`` is imported: in a kernel it finds the product and runs its
        utils; read statically only when that cannot change the DAG."""
        if self.utils_words is not None:
            return
        if os.environ.get("NAAS_PRODUCT_ROOT"):
            raise NotPlain("NAAS_PRODUCT_ROOT is set")
        product = find_product_root(self.folder)
        words = _utils_words(product) if product is not None else None
        if words is None:
            raise NotPlain("no product, or utils that may define steps")
        self.utils_words = words

    def import_module(self, name: str, asname: str | None) -> None:
        if name in PIPELINE_MODULES and asname:
            if name == "naas_data_product":
                self.uses_product()
            self.names[asname] = _Module()
        elif name in HARMLESS_MODULES:
            self.names[asname or name] = _Opaque(name)
        else:
            raise NotPlain(f"import {name}")

    def import_from(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or module not in PIPELINE_MODULES:
            raise NotPlain(f"from {module} import")
        if module == "naas_data_product":
            self.uses_product()
        for alias in node.names:
            if alias.name == "*":
                if module != "naas_data_product":
                    raise NotPlain("import * from the pipeline API")
                # Binds the product's names and its utils' (never the pipeline names): a
                # name bound before and spelled in the utils may now be something else.
                shadowed = PRODUCT_NAMES | (self.utils_words or set())
                for name in shadowed & set(self.names):
                    self.names[name] = _Opaque(name)
            elif alias.name in PIPELINE_NAMES:
                self.names[alias.asname or alias.name] = PIPELINE_NAMES[alias.name]
            else:  # a utils name (or a missing one, which fails in a kernel)
                raise NotPlain(f"from {module} import {alias.name}")

    # -- expressions --------------------------------------------------------------------------

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis or isinstance(node.value, (bytes, complex)):
                raise NotPlain("constant")
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                raise NotPlain(f"name {node.id}")
            found = self.names[node.id]
            if isinstance(found, _Opaque):
                raise NotPlain(f"name {node.id}")
            return found
        if isinstance(node, ast.List):
            return [self.value(item) for item in self._no_star(node.elts)]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(item) for item in self._no_star(node.elts))
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise NotPlain("** in a dict")
            result = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                assert key_node is not None
                key = self.value(key_node)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise NotPlain("dict key")
                result[key] = self.value(value_node)
            return result
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if not _is_number(operand):
                raise NotPlain("unary operator")
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise NotPlain(f"{type(node).__name__} expression")

    @staticmethod
    def _no_star(items: list[ast.expr]) -> list[ast.expr]:
        if any(isinstance(item, ast.Starred) for item in items):
            raise NotPlain("starred")
        return items

    def fstring(self, node: ast.JoinedStr) -> str:
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
            elif (
                isinstance(part, ast.FormattedValue)
                and part.conversion == -1
                and part.format_spec is None
            ):
                value = self.value(part.value)
                if not (value is None or isinstance(value, (str, int, float, bool))):
                    raise NotPlain("f-string value")
                parts.append(format(value))
            else:
                raise NotPlain("f-string format")
        return "".join(parts)

    def binop(self, node: ast.BinOp) -> Any:
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.RShift):
            if not isinstance(left, _WIRABLE) or not isinstance(right, _WIRABLE):
                raise NotPlain(">> of other values")
            return operator.rshift(left, right)
        function = _ARITHMETIC.get(type(node.op))
        if function is None:
            raise NotPlain("operator")
        if _is_number(left) and _is_number(right):
            try:
                return function(left, right)
            except ArithmeticError:
                raise NotPlain("arithmetic error") from None
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            if len(left) + len(right) > MAX_TEXT:
                raise NotPlain("long text")
            return left + right
        raise NotPlain("operator on other values")

    def attribute(self, node: ast.Attribute) -> Any:
        owner = self.value(node.value)
        if isinstance(owner, _Module) and node.attr in PIPELINE_NAMES:
            return PIPELINE_NAMES[node.attr]
        if isinstance(owner, Step) and node.attr == "on_error":
            return owner.on_error
        if isinstance(owner, PipelineGraph) and node.attr == "run":
            return _RunMethod(owner)
        raise NotPlain(f"attribute {node.attr}")

    def call(self, node: ast.Call) -> Any:
        function = self.value(node.func)
        args = [self.value(arg) for arg in self._no_star(node.args)]
        if any(keyword.arg is None for keyword in node.keywords):
            raise NotPlain("** in a call")
        kwargs = {str(k.arg): self.value(k.value) for k in node.keywords}
        if function is _print:
            return None
        if isinstance(function, _RunMethod):
            if len(args) > 1 or not set(kwargs) <= set(RUN_KEYWORDS[len(args) :]):
                raise NotPlain("run() arguments")
            outputs = kwargs.get("outputs_path")
            if outputs is not None:
                function.pipeline.outputs_folder = outputs_folder(outputs, base=self.folder)
            raise _Ran(function.pipeline)
        if function not in PIPELINE_NAMES.values():
            raise NotPlain("call")
        if function is PipelineGraph:
            return self.pipeline(args, kwargs)
        made = function(*args, **kwargs)
        if isinstance(made, NotebookStep):
            made.folder = self.folder  # the kernel's working directory
        return made

    def pipeline(self, args: list[Any], kwargs: dict[str, Any]) -> PipelineGraph:
        if len(args) > 1 or (args and "name" in kwargs):
            raise NotPlain("Pipeline arguments")
        name = args[0] if args else kwargs.pop("name", None)
        root = kwargs.pop("root", None)
        if root is not None:
            if not isinstance(root, str):
                raise NotPlain("Pipeline root")
            root = str(self.folder / Path(root).expanduser())
        else:
            root = str(find_product_root(self.folder) or self.folder)
        made = PipelineGraph(name or self.default_name, root=root, **kwargs)
        self.created.append(made)
        return made


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_pipeline(
    nb: dict[str, Any], notebook: Path, parameters: dict[str, Any] | None = None
) -> PipelineGraph | None:
    """The pipeline a notebook (its JSON, ``nb``) describes, read without a kernel: the one
    whose ``run()`` is reached, else the last one created with steps (None: there is none).

    Raises :class:`NotPlain` when only a kernel can tell, :class:`PipelineError` when the
    wiring is wrong (what the kernel reports too).
    """
    kernelspec = (nb.get("metadata") or {}).get("kernelspec") or {}
    language = kernelspec.get("language", "python") if isinstance(kernelspec, dict) else None
    if language != "python":
        raise NotPlain("not a Python kernel")
    cells = _code_cells(nb)
    reader = _Reader(notebook)
    values = dict(parameters or {})
    if any(not name.isidentifier() for name in values):
        raise NotPlain("parameter names")
    inject_after = -1  # papermill: replace an injected cell, else after `parameters`, else top
    replaced = -1
    if values:
        tagged = [i for i, c in enumerate(cells) if "injected-parameters" in _tags(c)]
        if tagged:
            replaced = tagged[0]
        else:
            marked = [i for i, c in enumerate(cells) if "parameters" in _tags(c)]
            inject_after = marked[0] if marked else -1
    try:
        if values and replaced < 0 and inject_after < 0:
            reader.names.update(copy.deepcopy(values))
        for index, cell in enumerate(cells):
            if index == replaced:
                reader.names.update(copy.deepcopy(values))
                continue
            reader.run_cell(_source(cell))
            if index == inject_after:
                reader.names.update(copy.deepcopy(values))
    except _Ran as ran:
        return ran.pipeline
    except (NotPlain, PipelineError):
        raise
    except NaasError as exc:
        # Not a wiring error: the kernel reports it as the notebook failing; let it say so.
        raise NotPlain(exc.message) from None
    except (RecursionError, MemoryError) as exc:
        raise NotPlain(type(exc).__name__) from None
    except Exception as exc:  # TypeError of a wrong argument...: the kernel's words
        raise NotPlain(f"{type(exc).__name__}: {exc}") from None
    for pipeline in reversed(reader.created):
        if pipeline.entry_steps:
            return pipeline
    return None


def notebook_json(text: str) -> dict[str, Any]:
    """A notebook file's JSON (NotPlain when it is not one: the kernel path says why)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise NotPlain("not JSON") from None
    if not isinstance(data, dict):
        raise NotPlain("not a notebook")
    return data
