"""Load a product's ``utils/``: every ``.py`` module and the code cells of every notebook.

Each file becomes a module of one synthetic package (``naas_data_product.utils`` for
notebooks) whose ``__path__`` is the ``utils`` folder, so utils can import each other
(``from .helpers import f``) and objects they define can be pickled. The public functions,
classes and variables of every file are collected for ``from naas_data_product import *``.

A file that fails is reported (its name, and for a notebook the cell and line) and the others
still load. Like "Run all" in Jupyter, a notebook keeps what its cells defined before the
failing cell; like ``import``, a failing ``.py`` module gives nothing.

Works without IPython: outside IPython, magic lines (``%pip``, ``!ls``) and ``%%`` cells are
skipped with a note; inside IPython, cells are transformed by the running shell, magics
included.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import json
import linecache
import re
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_MAGIC_LINE = re.compile(r"^(\s*)[%!]")


@dataclass(frozen=True)
class UtilsFailure:
    """A utils file that could not be loaded (fully)."""

    file: str
    """Path relative to the product, e.g. ``utils/clean.ipynb``."""
    message: str
    """``ExceptionType: message``."""
    cell: int | None = None
    """1-based position of the failing cell among all the notebook's cells."""
    line: int | None = None
    """Line of the error in the file (``.py``) or in the cell (notebook)."""
    traceback: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.cell is not None:
            where += f", cell {self.cell}"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


class UtilsWarning(UserWarning):
    """Issued when a utils file fails or something in utils/ needs the user's attention."""


@dataclass
class LoadedUtils:
    names: dict[str, Any] = field(default_factory=dict)
    """Public name -> object, over every file (a later file wins a clash)."""
    origins: dict[str, str] = field(default_factory=dict)
    """Public name -> the file that defines it."""
    errors: list[UtilsFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth a warning that are not failures (skipped magics, name clashes)."""
    modules: dict[str, types.ModuleType] = field(default_factory=dict)


def _ipython_shell() -> Any:
    # Never import IPython: if it is not imported already, no shell is running.
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get() if callable(get) else None


def public_names(module: types.ModuleType) -> dict[str, Any]:
    """What ``from module import *`` would give, minus imported functions, classes, modules."""
    explicit = getattr(module, "__all__", None)
    if explicit is not None:
        return {name: getattr(module, name) for name in explicit if hasattr(module, name)}
    names: dict[str, Any] = {}
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        imported = (inspect.isfunction(value) or inspect.isclass(value)) and getattr(
            value, "__module__", module.__name__
        ) != module.__name__
        if imported or type(value).__module__ == "typing":
            continue
        names[name] = value
    return names


def _package(name: str, folder: Path) -> types.ModuleType:
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[loaded]
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(folder)]
    sys.modules[name] = package
    importlib.invalidate_caches()
    return package


def _error(file: str, exc: BaseException, filename: str, cell: int | None = None) -> UtilsFailure:
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    # Drop the loader's own frame: the user's code starts one level down.
    text = "".join(frames[:1] + frames[2:]) if len(frames) > 2 else "".join(frames)
    message = f"{type(exc).__name__}: {exc}"
    return UtilsFailure(file=file, message=message, cell=cell, line=line, traceback=text)


def _load_module(path: Path, name: str, shown: str, result: LoadedUtils) -> None:
    if name in sys.modules:  # already imported by another utils file (relative import)
        result.modules[name] = sys.modules[name]
        return
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        result.errors.append(_error(shown, exc, str(path)))
        return
    result.modules[name] = module


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _without_magics(source: str) -> tuple[str, int]:
    """Replace IPython-only lines with ``pass`` (same indent, same line numbers)."""
    lines = source.splitlines()
    skipped = 0
    for index, line in enumerate(lines):
        match = _MAGIC_LINE.match(line)
        if match:
            lines[index] = f"{match.group(1)}pass"
            skipped += 1
    return "\n".join(lines), skipped


def _load_notebook(path: Path, name: str, shown: str, result: LoadedUtils) -> None:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        result.errors.append(
            UtilsFailure(
                file=shown,
                message=f"not a readable notebook ({type(exc).__name__}: {exc}); fix or "
                "restore the file",
            )
        )
        return
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__package__ = name.rpartition(".")[0]
    sys.modules[name] = module
    result.modules[name] = module
    shell = _ipython_shell()
    if shell is not None:
        module.__dict__["get_ipython"] = sys.modules["IPython"].get_ipython
    skipped = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        if not source.strip():
            continue
        if shell is not None:
            source = shell.transform_cell(source)
        elif source.lstrip().startswith("%%"):
            skipped += 1
            continue
        else:
            source, count = _without_magics(source)
            skipped += count
        filename = f"<{shown}, cell {number}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - the user's own utils
        except (Exception, SystemExit) as exc:
            result.errors.append(_error(shown, exc, filename, cell=number))
            return
    if skipped:
        result.notes.append(
            f"{shown}: skipped {skipped} IPython magic line(s) or cell(s): they run only in "
            "IPython (Jupyter); move setup such as %pip to requirements.txt"
        )


def load_utils(utils_dir: Path, *, package: str, product_root: Path | None = None) -> LoadedUtils:
    """Load every ``*.py`` and ``*.ipynb`` of ``utils_dir`` (sorted by name) as modules of
    ``package``; return their public names and the failures.

    Files whose name starts with ``_`` or ``.`` are not loaded (they stay importable).
    """
    result = LoadedUtils()
    parent = _package(package, utils_dir)
    if not utils_dir.is_dir():
        return result
    base = product_root or utils_dir.parent
    candidates = sorted(
        p
        for p in utils_dir.iterdir()
        if p.suffix in (".py", ".ipynb") and p.is_file() and not p.name.startswith(("_", "."))
    )
    for path in candidates:
        shown = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
        stem = path.stem
        name = f"{package}.{stem}"
        if path.suffix == ".ipynb" and (utils_dir / f"{stem}.py").is_file():
            result.errors.append(
                UtilsFailure(
                    file=shown,
                    message=f"skipped: utils/{stem}.py has the same name; rename one of them",
                )
            )
            continue
        loader = _load_module if path.suffix == ".py" else _load_notebook
        loader(path, name, shown, result)
        module = result.modules.get(name)
        if module is None:
            continue
        setattr(parent, stem, module)
        for public, value in public_names(module).items():
            previous = result.origins.get(public)
            if previous is not None and result.names[public] is not value:
                result.notes.append(
                    f"'{public}' is defined in {previous} and {shown}: the one from {shown} is used"
                )
            result.names[public] = value
            result.origins[public] = shown
    return result
