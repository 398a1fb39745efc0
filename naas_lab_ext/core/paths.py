"""Resolve user-given relative paths safely inside a root folder.

Every path that comes from a user (REST body, CLI argument, notebook call) goes through
:func:`resolve_inside` before the domain touches the file system.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from .errors import InvalidInput, NotFound

#: A file or folder name a product, dataset or step may use: starts with a letter or digit,
#: then letters, digits, ``_``, ``-`` and ``.``; at most 64 characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: The read-only templates folder at the top of the root (by default: the server's
#: ``templates_folder`` setting may name another).
TEMPLATES_FOLDER = "__templates__"


def validate_name(name: str, *, field: str = "name", what: str = "name") -> str:
    """Return ``name`` stripped if it is a safe single folder/file name, else raise."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(
            f"The {what} is empty: give a folder name such as 'sales-report'.", field=field
        )
    name = name.strip()
    if name in {".", ".."} or "/" in name or "\\" in name:
        raise InvalidInput(
            f"The {what} '{name}' must be a single folder name, without '/', '\\' or '..'.",
            field=field,
        )
    if not NAME_PATTERN.match(name):
        raise InvalidInput(
            f"The {what} '{name}' is not allowed: use 1-64 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (for example 'sales-report').",
            field=field,
        )
    if name.endswith("."):
        raise InvalidInput(f"The {what} '{name}' must not end with '.'.", field=field)
    return name


def relative_parts(relative: str, *, field: str = "path") -> tuple[str, ...]:
    """Split a user-given API path (``/``-separated, relative) into checked parts.

    An empty string or ``"."`` means the root itself and gives ``()``.
    """
    if not isinstance(relative, str):
        raise InvalidInput("The path must be text.", field=field)
    if "\x00" in relative:
        raise InvalidInput("The path contains a NUL character.", field=field)
    if "\\" in relative:
        raise InvalidInput(f"Use '/' to separate folders in '{relative}', not '\\'.", field=field)
    if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative):
        raise InvalidInput(
            f"The path '{relative}' is absolute: give a path relative to the Jupyter root, "
            "such as 'products/sales'.",
            field=field,
        )
    parts = tuple(p for p in PurePosixPath(relative).parts if p not in ("", "."))
    if ".." in parts:
        raise InvalidInput(
            f"The path '{relative}' goes up with '..': give a path inside the Jupyter root.",
            field=field,
        )
    return parts


def is_inside(root: Path, candidate: Path) -> bool:
    """True when ``candidate`` (after following symlinks) is ``root`` or below it."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(candidate))
    return real == real_root or real_root in real.parents


def resolve_inside(
    root: Path | str,
    relative: str,
    *,
    field: str = "path",
    must_exist: bool = False,
) -> Path:
    """Return the absolute path of ``relative`` under ``root``, refusing any escape.

    Refuses absolute paths, ``..``, and symlinks (at any level) that lead outside the root.
    The returned path keeps the user's spelling (symlinks inside the root are allowed).
    """
    root_path = Path(root)
    parts = relative_parts(relative, field=field)
    target = root_path.joinpath(*parts)
    # Check the deepest existing ancestor too, so a symlinked parent cannot smuggle a
    # not-yet-existing target outside the root.
    probe = target
    while not probe.exists() and not probe.is_symlink() and probe != root_path:
        probe = probe.parent
    if not is_inside(root_path, probe):
        raise InvalidInput(
            f"The path '{relative}' leads outside the Jupyter root (through a symbolic link).",
            field=field,
        )
    if must_exist and not target.exists():
        raise NotFound(f"Nothing exists at '{relative}' under the Jupyter root.", field=field)
    return target


def to_api_path(root: Path | str, path: Path) -> str:
    """The ``/``-separated path of ``path`` relative to ``root`` (``""`` for the root)."""
    rel = Path(path).relative_to(Path(root))
    return "" if str(rel) == "." else rel.as_posix()
