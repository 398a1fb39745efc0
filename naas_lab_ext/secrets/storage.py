"""The files of the vault: a folder only its owner may enter, JSON files only its owner may
read, written whole (temporary file, fsync, rename) under a lock two processes share."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import Forbidden
from ..core.files import fsync_dir, locked, remove_stale_temps, temp_path
from .model import SecretsUnavailable

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "lock",
    "private_folder",
    "private_temporary",
    "read_json",
    "remove_stale_temporaries",
    "write_json",
]

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """Give ``path`` exactly ``mode`` if it allows more (someone loosened it)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        try:
            path.chmod(mode)
        except OSError as exc:
            raise Forbidden(
                f"{path} may be read by other users (mode {current:o}) and cannot be made "
                f"private ({exc.strerror}): give it to your user, or choose another place "
                "for the secrets.",
                field="secrets_dir",
            ) from None


def private_folder(folder: Path) -> Path:
    """``folder``, created if missing, that only its owner may enter (0700)."""
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise SecretsUnavailable(
            f"The secrets folder {folder} cannot be created ({exc.strerror}): set "
            "NAAS_SECRETS_DIR to a folder you may write.",
            field="secrets_dir",
        ) from None
    _tighten(folder, FOLDER_MODE)
    return folder


@contextlib.contextmanager
def lock(folder: Path, name: str) -> Iterator[None]:
    """Hold the lock ``folder/name`` (across processes) while a file of ``folder`` changes."""
    private_folder(folder)
    with locked(folder / name):
        yield


def read_json(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON object in ``path`` (None if there is no such file); a file others may read is
    made private first. :class:`SecretsUnavailable` when it is damaged."""
    try:
        _tighten(path, FILE_MODE)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SecretsUnavailable(
            f"The {what} {path} cannot be read ({exc.strerror}).", field="secrets_dir"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise SecretsUnavailable(
            f"The {what} {path} is damaged (not the JSON naas_lab_ext writes): restore it from "
            "a backup, or move it away to start with no secrets.",
            field="secrets_dir",
        )
    return data


def private_temporary(path: Path) -> tuple[Path, int]:
    """A new 0600 temporary file beside ``path``, open for writing. Its name records host and
    pid, so housekeeping removes it once its writer is gone (:func:`remove_stale_temporaries`)."""
    temporary = temp_path(path.parent, path.name)
    return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def remove_stale_temporaries(*folders: Path) -> list[str]:
    """Remove what killed writers of the vault left in ``folders``; return the names."""
    removed: list[str] = []
    for folder in dict.fromkeys(folders):
        removed += remove_stale_temps(folder)
    return removed


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` by ``data`` whole: written to a 0600 temporary file, synced, renamed
    (a reader sees the old file or the new one, never half of one)."""
    private_folder(path.parent)
    temporary, fd = private_temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    fsync_dir(path.parent)
