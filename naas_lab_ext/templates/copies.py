"""Get an editable copy of a template: "Open in Lab" (to the root) and "Add to models".

A template id is the path of the notebook inside the templates folder. It is checked before
anything is read: relative, no ``..``, no hidden part, no symbolic link at any level, a
notebook that exists — so an id can never name a file outside the templates folder.

Copies get a free name (``Name.ipynb``, ``Name_(1).ipynb``, ...) and are placed with a hard
link from a complete temporary file, which fails instead of replacing an existing file: a
copy never overwrites anything, even when two users copy at the same moment. A template name
too long for a file name once numbered is shortened (at a character, to
:data:`MAX_STEM_BYTES`); the numbering keeps copies apart. The temporary file has a short name
of its own (:func:`~naas_lab_ext.core.files.temp_path`), so one a killed server leaves is
recognised and removed (:func:`remove_stale_copies`).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import files
from ..core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..core.notebooks import with_kernel_metadata
from ..core.paths import is_inside, relative_parts, resolve_inside, to_api_path, validate_name
from ..products.manifest import get_product
from .metadata import BrokenTemplate, read_cells

NOTEBOOK_SUFFIX = ".ipynb"
MAX_ATTEMPTS = 10_000
MAX_ID = 1024
#: The longest file name most file systems take, in bytes.
MAX_NAME_BYTES = 255
#: The longest stem a copy keeps, in UTF-8 bytes: room for "_(9999).ipynb" after it.
MAX_STEM_BYTES = MAX_NAME_BYTES - len(f"_({MAX_ATTEMPTS}){NOTEBOOK_SUFFIX}")


@dataclass(frozen=True)
class CopiedTemplate:
    """Where a template was copied."""

    template: str
    """The template id."""
    path: str
    """API path of the new notebook (relative to the root)."""
    product: str | None = None
    requirements: tuple[str, ...] = ()
    """Added to a product's models: the packages the template needs (templates.requirements)."""
    missing_requirements: tuple[str, ...] = ()
    """... and those the product's requirements.txt does not list yet (to offer to add)."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "template": self.template,
            "path": self.path,
            "product": self.product,
        }
        if self.product is not None:
            data["requirements"] = list(self.requirements)
            data["missing_requirements"] = list(self.missing_requirements)
        return data


def resolve_template(templates_dir: Path, template_id: Any) -> Path:
    """The notebook file of ``template_id`` inside ``templates_dir``, or an error saying why
    the id is not acceptable (:class:`InvalidInput`) or names nothing (:class:`NotFound`)."""
    if not isinstance(template_id, str) or not template_id.strip():
        raise InvalidInput(
            "Give the template id: its path inside the templates folder, e.g. "
            "'default/Pandas/Pandas_Read_CSV.ipynb'.",
            field="id",
        )
    if len(template_id) > MAX_ID:
        raise InvalidInput(f"The template id is longer than {MAX_ID} characters.", field="id")
    parts = relative_parts(template_id, field="id")
    if not parts:
        raise InvalidInput("The template id is empty.", field="id")
    if any(part.startswith(".") for part in parts):
        raise InvalidInput(
            f"'{template_id}' names a hidden file: give the id of a template notebook.", field="id"
        )
    if not parts[-1].endswith(NOTEBOOK_SUFFIX):
        raise InvalidInput(
            f"'{template_id}' is not a notebook (.ipynb): give the id of a template notebook.",
            field="id",
        )
    current = templates_dir
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise InvalidInput(
                f"'{template_id}' goes through a symbolic link: templates are regular files.",
                field="id",
            )
        if not current.exists():
            raise NotFound(
                f"There is no template '{template_id}': search the templates again (the "
                "library may have been synchronised since).",
                field="id",
            )
    if not current.is_file() or not is_inside(templates_dir, current):
        raise InvalidInput(f"'{template_id}' is not a template notebook.", field="id")
    return current


def fit_stem(stem: str) -> str:
    """``stem`` cut to :data:`MAX_STEM_BYTES` (UTF-8, at a character boundary), so that every
    numbered copy name fits in a file name; a short stem is returned as is."""
    data = stem.encode("utf-8", "surrogateescape")
    if len(data) <= MAX_STEM_BYTES:
        return stem
    cut = data[:MAX_STEM_BYTES].decode("utf-8", "ignore")  # a split character is dropped
    return cut.rstrip(" ._-") or "template"


def _stem(template: Path, name: Any) -> str:
    if name is None or name == "":
        return fit_stem(template.name[: -len(NOTEBOOK_SUFFIX)])
    if not isinstance(name, str):
        raise InvalidInput("The name must be text.", field="name")
    name = name.strip()
    if name.endswith(NOTEBOOK_SUFFIX):
        name = name[: -len(NOTEBOOK_SUFFIX)]
    return validate_name(name, field="name", what="notebook name")


def _for_default_kernel(data: bytes) -> bytes:
    """The notebook ``data`` with the default kernel's metadata (see core.notebooks), so the
    copy opens unmodified in Lab; ``data`` as it is when it is no notebook JSON."""
    try:
        notebook = json.loads(data)
    except ValueError:
        return data
    if not isinstance(notebook, dict) or not isinstance(notebook.get("metadata", {}), dict):
        return data
    notebook["metadata"] = with_kernel_metadata(notebook.get("metadata", {}))
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def copy_without_overwrite(source: Path, folder: Path, stem: str) -> Path:
    """Copy ``source`` into ``folder`` as ``stem.ipynb``, or ``stem_(n).ipynb`` with the
    first free ``n``; return the new file. Never replaces an existing file."""
    data = _for_default_kernel(source.read_bytes())
    stem = fit_stem(stem)
    temporary = files.temp_path(folder, "copy.ipynb")
    with temporary.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        for n in range(MAX_ATTEMPTS):
            candidate = folder / (f"{stem}{NOTEBOOK_SUFFIX}" if n == 0 else f"{stem}_({n}).ipynb")
            if candidate.exists() or candidate.is_symlink():
                continue
            try:
                # link() fails if the name exists (unlike rename), and the file is complete.
                os.link(temporary, candidate)
                return candidate
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise
                # No hard links on this file system: create exclusively, then write.
                try:
                    with candidate.open("xb") as handle:
                        handle.write(data)
                    return candidate
                except FileExistsError:
                    continue
        raise Conflict(
            f"No free name for '{stem}' in '{folder.name}' after {MAX_ATTEMPTS} tries: "
            "give another name.",
            field="name",
        )
    finally:
        temporary.unlink(missing_ok=True)


def readable_template(templates_dir: Path, template_id: Any) -> Path:
    """The file of ``template_id`` (see :func:`resolve_template`), refused as the preview
    refuses it when it is not a readable notebook: a copy of it would not open either."""
    source = resolve_template(templates_dir, template_id)
    try:
        read_cells(source.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, BrokenTemplate) as exc:
        raise InvalidInput(
            f"The template '{template_id}' is not a readable notebook ({exc}); it is not "
            "listed until its source fixes it.",
            field="id",
        ) from None
    return source


def open_in_lab(
    root: Path, templates_dir: Path, template_id: Any, *, name: Any = None
) -> CopiedTemplate:
    """Copy the template to the root under a free name; return the copy's API path."""
    source = readable_template(templates_dir, template_id)
    copy = copy_without_overwrite(source, root, _stem(source, name))
    return CopiedTemplate(template=str(template_id), path=to_api_path(root, copy))


def add_to_models(
    root: Path, templates_dir: Path, template_id: Any, product: Any, *, name: Any = None
) -> CopiedTemplate:
    """Copy the template into the ``models/`` folder of ``product`` (an API path)."""
    source = readable_template(templates_dir, template_id)
    if not isinstance(product, str) or not product.strip():
        raise InvalidInput(
            "Choose the data product to add the template to (its path, e.g. 'sales-report').",
            field="product",
        )
    folder = resolve_inside(root, product.strip().strip("/"), field="product")
    if is_inside(templates_dir, folder):
        raise Forbidden(
            "Templates are read-only: add the template to a product outside the templates folder.",
            field="product",
        )
    try:
        info = get_product(root, product.strip().strip("/"))
    except NotFound as exc:
        raise NotFound(exc.message, field="product") from None
    models = resolve_inside(root, f"{info.path}/models", field="product")
    if is_inside(templates_dir, models):  # models/ is a symbolic link into the templates
        raise Forbidden(
            f"'{info.path}/models' leads into the templates folder, which is read-only: make "
            "it a real folder, then add the template.",
            field="product",
        )
    if models.exists() and not models.is_dir():
        raise Conflict(
            f"'{info.path}/models' is a file, not a folder: rename it, then add the template.",
            field="product",
        )
    models.mkdir(exist_ok=True)
    if not models.is_dir():  # pragma: no cover - only a race with a deletion
        raise NotFound(f"'{info.path}/models' disappeared.", field="product")
    copy = copy_without_overwrite(source, models, _stem(source, name))
    return CopiedTemplate(
        template=str(template_id), path=to_api_path(root, copy), product=info.path
    )


def remove_stale_copies(root: Path, products: Sequence[Path]) -> list[str]:
    """Delete the temporary files of copies a killed process left: in the root ("Open in
    Lab") and in the ``models/`` folder of each of ``products`` ("Add to models"). Return
    their paths relative to the root."""
    removed: list[str] = []
    for folder in (root, *(product / "models" for product in products)):
        if folder.is_symlink():
            continue  # never delete anything outside the product
        for name in files.remove_stale_temps(folder):
            removed.append(to_api_path(root, folder / name))
    return removed
