"""Which secrets a product's notebooks need: the ``secret.get("NAME")`` calls of their code
cells that give no default (a deploy checks each has a value before it freezes anything).

A call counts when it is spelled as the API is: ``secret.get("X")`` (``secret`` imported from
``naas_data_product``, under any alias) or ``<module>.secret.get("X")`` (``naas.secret.get``,
``naas_data_product.secret.get``), its first argument a literal name, and neither a second
argument nor ``default_value=``. Anything computed (``secret.get(name)``) cannot be known
before a run and is left out.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.secret_refs import SECRET_NAME

__all__ = ["FOLDERS", "SecretUse", "required_secrets", "scan_code", "scan_product"]

#: Where a product's notebooks that run in production live (and setup.ipynb, at the top).
FOLDERS = ("models", "utils", "inputs", "tests")
TOP_FILES = ("setup.ipynb",)
SKIPPED = frozenset({".git", ".ipynb_checkpoints", "__pycache__", "outputs"})
#: The modules whose ``secret`` is the secrets API.
MODULES = frozenset({"naas_data_product", "naas_lab_ext.secrets.notebook"})
_IPYTHON_LINE = re.compile(r"^\s*[%!]|\?\s*$")


@dataclass(frozen=True)
class SecretUse:
    """A ``secret.get("NAME")`` without a default, and where it is."""

    name: str
    notebook: str
    """The notebook's path relative to the product."""
    cell: int
    """The code cell's number (1 = the notebook's first cell)."""


def _python(source: str) -> str:
    """A cell's code as Python: IPython's magics and shell escapes made into calls (or, when
    IPython is missing, commented out)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return "\n".join(
            f"# {line}" if _IPYTHON_LINE.search(line) else line for line in source.splitlines()
        )
    return str(TransformerManager().transform_cell(source))  # type: ignore[no-untyped-call]


def _aliases(tree: ast.AST) -> set[str]:
    """The names the secrets API goes by in ``tree``: ``secret``, and each ``from
    naas_data_product import secret as <alias>``."""
    names = {"secret"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MODULES:
            names.update(a.asname or a.name for a in node.names if a.name == "secret")
    return names


def _required(node: ast.Call, aliases: set[str]) -> str | None:
    """The name ``node`` gets if it is a ``secret.get("NAME")`` without a default."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr != "get":
        return None
    owner = func.value
    api = (isinstance(owner, ast.Name) and owner.id in aliases) or (
        isinstance(owner, ast.Attribute) and owner.attr == "secret"
    )
    if (
        not api
        or len(node.args) != 1
        or any(k.arg in ("default_value", None) for k in node.keywords)
    ):
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value if SECRET_NAME.match(first.value) else None
    return None


def scan_code(source: str) -> list[str]:
    """The names of the required ``secret.get`` calls of ``source`` (one cell, in order of
    appearance); none when it cannot be parsed."""
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return []
    aliases = _aliases(tree)
    calls = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    return [name for name in (_required(call, aliases) for call in calls) if name]


def _notebooks(product: Path) -> Iterator[Path]:
    for name in TOP_FILES:
        if (product / name).is_file():
            yield product / name
    for folder in FOLDERS:
        start = product / folder
        if not start.is_dir() or start.is_symlink():
            continue
        for path in sorted(start.rglob("*.ipynb")):
            parts = path.relative_to(product).parts
            if any(p in SKIPPED or p.startswith(".") for p in parts) or not path.is_file():
                continue
            yield path


def _code_cells(path: Path) -> Iterable[tuple[int, str]]:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    found = []
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        text = "".join(source) if isinstance(source, list) else source
        if isinstance(text, str):
            found.append((number, text))
    return found


def scan_product(product: Path) -> list[SecretUse]:
    """Every required ``secret.get`` of the product's notebooks (``setup.ipynb`` and those
    under models/, utils/, inputs/, tests/), in notebook and cell order."""
    uses = []
    for path in _notebooks(product):
        relative = path.relative_to(product).as_posix()
        for number, source in _code_cells(path):
            uses += [SecretUse(name, relative, number) for name in scan_code(source)]
    return uses


def required_secrets(product: Path) -> list[str]:
    """The names the product's notebooks get without a default, each once, sorted."""
    return sorted({use.name for use in scan_product(product)})
