"""Resolve user-given relative paths safely inside a root folder.

Every path that comes from a user (REST body, CLI argument, notebook call) goes through
:func:`resolve_inside` before the domain touches the file system.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .errors import Forbidden, InvalidInput, NotFound
from .text import check_controls, check_unicode, shown

#: A file or folder name a product, dataset or step may use: starts with a letter or digit,
#: then letters, digits, ``_``, ``-`` and ``.``; at most 64 characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: The read-only templates folder at the top of the root (by default: the server's
#: ``templates_folder`` setting may name another).
TEMPLATES_FOLDER = "__templates__"
#: The longest file or folder name file systems take (bytes of UTF-8).
MAX_NAME_BYTES = 255
#: The longest path the API takes (bytes of UTF-8; Linux's PATH_MAX).
MAX_PATH_BYTES = 4096
#: The deepest path the API takes (folder levels; creating deeper ones is no use to anyone).
MAX_PATH_PARTS = 128


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
    check_unicode(relative, field=field, what="path")
    check_controls(relative, field=field, what="path")
    size = len(relative.encode("utf-8"))
    if size > MAX_PATH_BYTES:
        raise InvalidInput(
            f"The path '{shown(relative)}' is {size} bytes long: paths are at most "
            f"{MAX_PATH_BYTES} bytes (UTF-8).",
            field=field,
        )
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
    if len(parts) > MAX_PATH_PARTS:
        raise InvalidInput(
            f"The path '{shown(relative)}' has {len(parts)} levels: give a path of at most "
            f"{MAX_PATH_PARTS} folder and file names.",
            field=field,
        )
    for part in parts:
        size = len(part.encode("utf-8"))
        if size > MAX_NAME_BYTES:
            raise InvalidInput(
                f"The name '{shown(part)}' in the path is {size} bytes long: a file or folder "
                f"name is at most {MAX_NAME_BYTES} bytes (UTF-8; 'é' takes 2), shorten it.",
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

    Refuses absolute paths, ``..``, names no file system takes (see :func:`relative_parts`),
    symlinks (at any level) that lead outside the root, and loops of symlinks. The returned
    path keeps the user's spelling (symlinks inside the root are allowed).
    """
    root_path = Path(root)
    parts = relative_parts(relative, field=field)
    target = root_path.joinpath(*parts)
    size = len(os.fsencode(target))
    if size >= MAX_PATH_BYTES:
        raise InvalidInput(
            f"The path '{shown(relative)}' is too long: under the Jupyter root it takes {size} "
            f"bytes, and the file system takes {MAX_PATH_BYTES - 1} at most. Use fewer or "
            "shorter folder names.",
            field=field,
        )
    try:
        # Check the deepest existing ancestor too, so a symlinked parent cannot smuggle a
        # not-yet-existing target outside the root.
        probe = target
        while not probe.exists() and not probe.is_symlink() and probe != root_path:
            probe = probe.parent
        inside = is_inside(root_path, probe)
        target.stat()
    except (FileNotFoundError, NotADirectoryError):
        pass  # nothing there yet: the probe above has checked where it would go
    except OSError as exc:
        # A loop of symbolic links, a name the file system refuses, a folder we cannot read.
        error = Forbidden if exc.errno in (errno.EACCES, errno.EPERM) else InvalidInput
        raise error(
            f"The path '{shown(relative)}' cannot be used: {exc.strerror or exc}.", field=field
        ) from None
    if not inside:
        raise InvalidInput(
            f"The path '{relative}' leads outside the Jupyter root (through a symbolic link).",
            field=field,
        )
    if must_exist and not target.exists():
        raise NotFound(f"Nothing exists at '{relative}' under the Jupyter root.", field=field)
    return target


def refuse_read_only(
    root: Path | str,
    path: Path,
    read_only: Iterable[str],
    *,
    field: str,
    spelled: str | None = None,
) -> None:
    """Raise :class:`Forbidden` when ``path``, once every symbolic link is followed (for a
    path not made yet: its deepest existing folder), is inside one of the ``read_only``
    top-level folders of ``root`` (the templates folder): a link in the root that leads
    into it must not open it for writing."""
    for name in read_only:
        folder = Path(root) / name
        if is_inside(folder, path):
            where = spelled if spelled is not None else str(path)
            raise Forbidden(
                f"'{shown(where)}' is inside '{name}', which is read-only (only the template "
                "sync writes there): choose a folder outside it.",
                field=field,
            )


def to_api_path(root: Path | str, path: Path) -> str:
    """The ``/``-separated path of ``path`` relative to ``root`` (``""`` for the root)."""
    rel = Path(path).relative_to(Path(root))
    return "" if str(rel) == "." else rel.as_posix()
