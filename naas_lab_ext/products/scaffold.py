"""Scaffold a new data product from the skeleton, atomically and without overwriting.

The product is built in a hidden temporary folder beside the target and renamed into place
at the end, so a failure half-way never leaves a half-made product, and an existing folder
with content is never touched.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat

from ..core import files
from ..core.errors import Conflict, InvalidInput
from ..core.notebooks import with_kernel_metadata
from ..core.paths import (
    TEMPLATES_FOLDER,
    refuse_read_only,
    resolve_inside,
    to_api_path,
    validate_name,
)
from ..core.text import check_text
from .manifest import (
    MANIFEST_NAME,
    SKIPPED_FOLDERS,
    Contact,
    Manifest,
    ProductInfo,
    describe,
    find_product_root,
)

log = logging.getLogger(__name__)

#: Top-level folders no product may be created in.
RESERVED_FOLDERS = frozenset({TEMPLATES_FOLDER})
#: Skeleton file and folder names that are stored under another name (a real ``.gitignore``
#: inside the package would change what git ignores in this repository, and a ``.github``
#: folder would be taken for this repository's own workflows and templates).
RENAMED_FILES = {"dot-gitignore": ".gitignore", "dot-github": ".github"}
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MAX_TITLE = 120
MAX_DESCRIPTION = 2000
#: The longest email address (RFC 5321's path limit).
MAX_EMAIL = 254
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class ProductSpec:
    """What the user asks for: the fields of the "New data product" form."""

    name: str
    title: str = ""
    description: str = ""
    contact_name: str = ""
    contact_email: str = ""
    parent: str = ""
    """Folder (relative to the root) in which the product folder is created."""

    @classmethod
    def from_json(cls, data: Any) -> ProductSpec:
        if not isinstance(data, dict):
            raise InvalidInput("Send a JSON object with at least a 'name'.")
        known = {"name", "title", "description", "contact_name", "contact_email", "parent"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(
                f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(known))}.",
                field=unknown[0],
            )
        for key, value in data.items():
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"The field '{key}' must be text.", field=key)
        values = {key: data.get(key) or "" for key in known}
        return cls(**values)

    def validated(self) -> ProductSpec:
        """Return a cleaned copy, or raise :class:`InvalidInput` naming the bad field."""
        name = validate_name(self.name, field="name", what="product name")
        # Line breaks and tabs are folded below (and kept in the description); NUL and the
        # other control characters never reach product.json, the README or git.
        for key, what in (
            ("title", "title"),
            ("description", "description"),
            ("contact_name", "contact name"),
            ("contact_email", "contact email"),
        ):
            check_text(getattr(self, key), field=key, what=what, multiline=True)
        title = " ".join(self.title.split()) or name.replace("-", " ").replace("_", " ").title()
        if len(title) > MAX_TITLE:
            raise InvalidInput(
                f"The title is longer than {MAX_TITLE} characters: shorten it.", field="title"
            )
        description = self.description.strip()
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"The description is longer than {MAX_DESCRIPTION} characters: shorten it (the "
                "README holds the details).",
                field="description",
            )
        contact_name = " ".join(self.contact_name.split())
        if len(contact_name) > MAX_TITLE:
            raise InvalidInput(
                f"The contact name is longer than {MAX_TITLE} characters: shorten it.",
                field="contact_name",
            )
        contact_email = self.contact_email.strip()
        if len(contact_email) > MAX_EMAIL or (
            contact_email and not EMAIL_PATTERN.match(contact_email)
        ):
            raise InvalidInput(
                f"'{contact_email}' is not an email address (expected name@example.com).",
                field="contact_email",
            )
        return ProductSpec(
            name=name,
            title=title,
            description=description,
            contact_name=contact_name,
            contact_email=contact_email,
            parent=self.parent.strip().rstrip("/"),
        )


@dataclass
class CreatedProduct:
    """The result of :func:`create_product`."""

    product: ProductInfo
    readme: str
    """API path of the new README.md (the UI opens it)."""
    git_commit: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "product": self.product.to_json(),
            "readme": self.readme,
            "git_commit": self.git_commit,
            "warnings": self.warnings,
        }


def skeleton_root() -> Path:
    """The folder holding the files a new product starts from."""
    return Path(str(resources.files("naas_lab_ext.products") / "skeleton"))


def _render_text(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _render_notebook(source: Path, values: dict[str, str]) -> str:
    # Substitute inside each cell (not in the raw JSON), so a title with quotes or
    # backslashes still gives a valid notebook.
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        cell.source = _render_text(cell.source, values)
    # The kernel's metadata already there: the new notebook opens unmodified in Lab.
    notebook.metadata = nbformat.from_dict(with_kernel_metadata(dict(notebook.metadata)))
    nbformat.validate(notebook)
    return str(nbformat.writes(notebook)) + "\n"


def _contact_line(spec: ProductSpec) -> str:
    if spec.contact_name and spec.contact_email:
        return f"{spec.contact_name} <{spec.contact_email}>"
    return spec.contact_name or spec.contact_email or "_Add who to contact about this product._"


def render_skeleton(destination: Path, spec: ProductSpec, manifest: Manifest) -> None:
    """Write every skeleton file, rendered for ``spec``, into the empty ``destination``."""
    values = {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description or "_Describe what this product delivers and to whom._",
        "contact": _contact_line(spec),
        "contact_name": spec.contact_name,
        "contact_email": spec.contact_email,
        "framework_version": manifest.framework_version,
        "created_at": manifest.created_at,
    }
    source_root = skeleton_root()
    for source in sorted(source_root.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(source_root)
        target = destination.joinpath(*(RENAMED_FILES.get(part, part) for part in relative.parts))
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".ipynb":
            content = _render_notebook(source, values)
        else:
            content = _render_text(source.read_text(encoding="utf-8"), values)
        target.write_text(content, encoding="utf-8")
    (destination / MANIFEST_NAME).write_text(
        json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8"
    )


def _git_init(folder: Path, spec: ProductSpec) -> str:
    """Make ``folder`` a git repository with one commit; return the commit id."""
    author = spec.contact_name or "naas_lab_ext"
    email = spec.contact_email or "naas-lab-ext@localhost"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    base = [
        "git",
        "-C",
        str(folder),
        "-c",
        f"user.name={author}",
        "-c",
        f"user.email={email}",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
    ]

    def git(*args: str) -> str:
        done = subprocess.run(
            [*base, *args], capture_output=True, text=True, env=env, timeout=60, check=True
        )
        return done.stdout.strip()

    git("init", "--quiet")
    git("add", "--all")
    git("commit", "--quiet", "--no-verify", "-m", f"Create data product {spec.title}")
    return git("rev-parse", "HEAD")


def check_target(root: Path, spec: ProductSpec, reserved: Iterable[str] = RESERVED_FOLDERS) -> Path:
    """Resolve where the product goes and refuse anything that would clash or escape, or
    land in a ``reserved`` top-level folder (the read-only templates folder)."""
    parent = resolve_inside(root, spec.parent, field="parent")
    target = resolve_inside(root, "/".join(p for p in (spec.parent, spec.name) if p), field="name")
    top = to_api_path(root, target).split("/")[0]
    if top in set(reserved):
        raise InvalidInput(
            f"'{top}' is read-only: create the product somewhere else.", field="parent"
        )
    # The real place too: a parent that is (or is inside) a link into the templates folder.
    refuse_read_only(root, target, reserved, field="parent", spelled=spec.parent or spec.name)
    if parent.exists() and not parent.is_dir():
        raise InvalidInput(f"'{spec.parent}' is a file, not a folder.", field="parent")
    host = find_product_root(parent, within=root) if parent.exists() else None
    if host is not None:
        raise InvalidInput(
            f"'{to_api_path(root, host)}' is already a data product: products cannot be "
            "nested, choose a folder outside it.",
            field="parent",
        )
    if target.is_symlink():
        raise Conflict(
            f"'{to_api_path(root, target)}' already exists (a symbolic link): choose another name.",
            field="name",
        )
    if target.exists():
        if not target.is_dir():
            raise Conflict(
                f"A file named '{to_api_path(root, target)}' already exists: choose another name.",
                field="name",
            )
        if any(target.iterdir()):
            raise Conflict(
                f"The folder '{to_api_path(root, target)}' already exists and is not empty: "
                "choose another name (nothing was changed).",
                field="name",
            )
    return target


def create_product(
    root: Path | str,
    spec: ProductSpec,
    *,
    framework_version: str,
    git: bool = True,
    reserved: Iterable[str] = RESERVED_FOLDERS,
) -> CreatedProduct:
    """Create the product described by ``spec`` under ``root``; never inside one of the
    ``reserved`` top-level folders (the templates folder).

    Raises :class:`InvalidInput` or :class:`Conflict` (nothing is written in that case).
    """
    root_path = Path(root)
    spec = spec.validated()
    target = check_target(root_path, spec, reserved)
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        contact=Contact(name=spec.contact_name, email=spec.contact_email),
        framework_version=framework_version,
        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    # A hidden name recording this process: a killed creation's leftover is found and
    # removed (remove_stale_staging), one in progress is not.
    staging = files.temp_path(target.parent, spec.name)
    staging.mkdir()  # plain mkdir, so the folder gets the user's umask (mkdtemp gives 0700)
    warnings: list[str] = []
    commit: str | None = None
    try:
        render_skeleton(staging, spec, manifest)
        if git and shutil.which("git"):
            try:
                commit = _git_init(staging, spec)
            except (OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", "") or str(exc)
                warnings.append(f"The product was created, but not as a git repository: {detail}")
                log.warning("git init failed for %s: %s", spec.name, detail)
                shutil.rmtree(staging / ".git", ignore_errors=True)
        elif git:
            warnings.append("git is not installed: the product is not a git repository.")
        try:
            # rename() is atomic, and replaces the target only if it is an empty folder.
            staging.rename(target)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise Conflict(
                    f"'{to_api_path(root_path, target)}' appeared while the product was being "
                    "created: choose another name (nothing was changed).",
                    field="name",
                ) from None
            raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return CreatedProduct(
        product=describe(root_path, target),
        readme=to_api_path(root_path, target / "README.md"),
        git_commit=commit,
        warnings=warnings,
    )


def remove_stale_staging(root: Path, *, max_depth: int = 4) -> list[str]:
    """Delete the staging folders of product creations a killed process left, in the root
    and its folders down to ``max_depth`` levels (where products are searched; not inside
    products). Return their paths relative to the root."""
    removed: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        for name in dirnames:  # staging folders are folders (other capabilities' are files)
            if files.is_stale_temp(current / name) and not (current / name).is_symlink():
                files.remove_tree(current / name)
                removed.append(to_api_path(root, current / name))
        depth = len(current.relative_to(root).parts)
        if (MANIFEST_NAME in filenames and current != root) or depth >= max_depth:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIPPED_FOLDERS]
    return removed
