"""The product manifest (``product.json``): what marks a folder as a data product.

Reading, writing and finding products under a root. Creation of the layout lives in
:mod:`naas_lab_ext.products.scaffold`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, NotFound
from ..core.paths import TEMPLATES_FOLDER, resolve_inside, to_api_path

MANIFEST_NAME = "product.json"
#: Folders every product has, in the order the UI shows them.
STANDARD_FOLDERS = ("assets", "inputs", "models", "outputs", "tests", "utils")
#: Where a product keeps the executed notebooks of its pipeline runs:
#: ``outputs/pipeline_executions/<pipeline>/<run-id>/``.
EXECUTIONS_FOLDER = ("outputs", "pipeline_executions")
#: Where a deploy keeps its reports (executed setup.ipynb, product tests):
#: ``outputs/deployments/<deployment-id>/``.
DEPLOYMENTS_FOLDER = ("outputs", "deployments")
#: Folders never searched for products: tool caches, the template library, dependencies.
SKIPPED_FOLDERS = frozenset({TEMPLATES_FOLDER, "node_modules", "__pycache__", "site-packages"})
#: The keys of product.json this module reads; others are kept in ``Manifest.extra``.
KNOWN_KEYS = frozenset(
    {"name", "title", "description", "contact", "framework", "framework_version", "created_at"}
)


@dataclass
class Contact:
    name: str = ""
    email: str = ""


@dataclass
class Manifest:
    """The content of ``product.json``."""

    name: str
    title: str
    description: str = ""
    contact: Contact = field(default_factory=Contact)
    framework_version: str = ""
    created_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know (e.g. ``"outputs"`` settings): kept as they are."""

    def to_json(self) -> dict[str, Any]:
        data = {**self.extra, **asdict(self)}
        del data["extra"]
        data["framework"] = "naas_lab_ext"
        return data

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict):
            raise InvalidInput(f"{MANIFEST_NAME} must hold a JSON object.")
        contact = data.get("contact") or {}
        if not isinstance(contact, dict):
            contact = {}
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInput(f"{MANIFEST_NAME} has no 'name'.")
        return cls(
            name=name,
            title=str(data.get("title") or name),
            description=str(data.get("description") or ""),
            contact=Contact(
                name=str(contact.get("name") or ""), email=str(contact.get("email") or "")
            ),
            framework_version=str(data.get("framework_version") or ""),
            created_at=str(data.get("created_at") or ""),
            extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
        )


@dataclass
class ProductInfo:
    """A product found under the root, as the UI and the CLI list it."""

    path: str
    """API path of the product folder, relative to the root (``/``-separated)."""
    manifest: Manifest | None
    error: str | None = None
    """Why the manifest could not be read, if it could not (the product is still listed)."""
    folders: list[str] = field(default_factory=list)
    """Which of :data:`STANDARD_FOLDERS` exist."""
    models: list[str] = field(default_factory=list)
    """Notebooks in ``models/`` (file names)."""
    is_git: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "manifest": self.manifest.to_json() if self.manifest else None,
            "error": self.error,
            "folders": self.folders,
            "models": self.models,
            "is_git": self.is_git,
        }


def read_manifest(folder: Path) -> Manifest:
    """Read ``folder/product.json``; raise :class:`InvalidInput` with the reason if broken."""
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(
            f"'{folder.name}' is not a data product: it has no {MANIFEST_NAME}."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"{MANIFEST_NAME} in '{folder.name}' cannot be read ({exc}); fix or restore the file."
        ) from None
    return Manifest.from_json(data)


def describe(root: Path, folder: Path) -> ProductInfo:
    """Build the :class:`ProductInfo` of a product folder (never raises for a bad manifest)."""
    manifest: Manifest | None
    error: str | None = None
    try:
        manifest = read_manifest(folder)
    except (InvalidInput, NotFound) as exc:
        manifest, error = None, exc.message
    models_dir = folder / "models"
    models = (
        sorted(p.name for p in models_dir.iterdir() if p.suffix == ".ipynb" and p.is_file())
        if models_dir.is_dir()
        else []
    )
    return ProductInfo(
        path=to_api_path(root, folder),
        manifest=manifest,
        error=error,
        folders=[name for name in STANDARD_FOLDERS if (folder / name).is_dir()],
        models=models,
        is_git=(folder / ".git").exists(),
    )


def iter_product_folders(root: Path, *, max_depth: int = 4) -> Iterator[Path]:
    """Yield product folders under ``root`` (depth-first, sorted), not following symlinks.

    A product's own subfolders are not searched: products do not nest.
    """
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        depth = len(current.relative_to(root).parts)
        if MANIFEST_NAME in filenames and current != root:
            dirnames[:] = []
            yield current
            continue
        if depth >= max_depth:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in SKIPPED_FOLDERS
        )


def list_products(root: Path | str, *, max_depth: int = 4) -> list[ProductInfo]:
    """Every product under ``root``, sorted by path."""
    root_path = Path(root)
    return sorted(
        (
            describe(root_path, folder)
            for folder in iter_product_folders(root_path, max_depth=max_depth)
        ),
        key=lambda info: info.path,
    )


def get_product(root: Path | str, path: str) -> ProductInfo:
    """The product at API path ``path``; :class:`NotFound` if there is none."""
    folder = resolve_inside(root, path, must_exist=True)
    if not (folder / MANIFEST_NAME).is_file():
        raise NotFound(
            f"'{path}' is not a data product (no {MANIFEST_NAME}); create one with "
            "'New data product'."
        )
    return describe(Path(root), folder)


def find_product_root(start: Path, *, within: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` that holds a ``product.json``; None if there
    is none. With ``within``, the search stops there: a folder outside it gives None.

    The one place that walks up to a product; paths are used as given (resolve them first
    where symlinks matter).
    """
    current = Path(start)
    while True:
        if (current / MANIFEST_NAME).is_file():
            return current
        if within is not None and (current == within or within not in current.parents):
            return None
        if current.parent == current:
            return None
        current = current.parent
