"""A product's parameters: ``inputs/params.json``, read by its notebooks (``PARAMS``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core import files
from ..core.errors import InvalidInput

PARAMS_FILE = ("inputs", "params.json")


def params_path(root: Path) -> Path:
    return root.joinpath(*PARAMS_FILE)


def read_params(root: Path) -> dict[str, Any]:
    """``inputs/params.json`` as a dict (``{}`` if the file does not exist).

    Raises :class:`InvalidInput` if the file is not a JSON object, so a typo is not silently
    replaced by defaults (and never overwritten by :func:`write_params`).
    """
    path = params_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"inputs/params.json in '{root}' is not valid JSON ({exc}): fix the file.",
            field="params",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            f"inputs/params.json in '{root}' must hold a JSON object ({{...}}), not a "
            f"{type(data).__name__}: fix the file.",
            field="params",
        )
    return data


def write_params(
    root: Path, updates: Mapping[str, Any], *, replace: bool = False
) -> dict[str, Any]:
    """Merge ``updates`` into ``inputs/params.json`` (or ``replace`` its content), atomically.

    Returns the parameters now stored. Keys must be text and values JSON-able.
    """
    if not isinstance(updates, Mapping) or not all(isinstance(k, str) for k in updates):
        raise InvalidInput("Parameters must be a mapping with text keys.", field="params")
    current = {} if replace else read_params(root)
    current.update(updates)
    try:
        text = json.dumps(current, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"Parameters must be JSON-able (text, numbers, bool, None, lists, dicts): {exc}.",
            field="params",
        ) from None
    path = params_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = files.temp_path(path.parent, path.name)
    try:
        with temp.open("x", encoding="utf-8") as out:
            out.write(text)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return current


def remove_stale_temporaries(root: Path) -> list[str]:
    """Delete the temporary files killed writers of ``inputs/params.json`` left in the
    product ``root``; return their names."""
    folder = params_path(root).parent
    return [] if folder.is_symlink() else files.remove_stale_temps(folder)
