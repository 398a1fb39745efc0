"""Fill ``<root>/__templates__`` from template sources, atomically.

Each source (the embedded default set, a local folder, a git repository) lands in its own
subfolder, ``__templates__/<source name>/``. A sync builds the whole new tree in a hidden
folder beside ``__templates__`` and then swaps the two, so readers see the old tree or the
new one, never a half-copied folder. A source that fails keeps its previous templates and
reports its error; the other sources are still refreshed.

The sync writes to disk directly (never through the Jupyter contents API, which refuses
writes inside the folder: see :mod:`.guard`). Copied files are made
read-only (mode 0444) and keep their modification time, so the index re-reads only files
whose content changed.

What is copied from each source, and how, is :mod:`.sources`'.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.clock import to_version, utc_now
from ..core.errors import Conflict
from .names import readable
from .sources import (
    DEFAULT_FOLDER,
    SourceError,
    SourceStatus,
    SyncCancelled,
    TemplateSource,
    copy_tree,
    fetch_source,
    redact,
    unique_names,
)

log = logging.getLogger(__name__)

#: Hidden file in the templates folder that marks it as made by the sync.
MARKER = ".naas-templates.json"


@dataclass
class SyncResult:
    """What a sync did to the folder (the index refresh is reported by the caller)."""

    started_at: str
    finished_at: str = ""
    duration_ms: float = 0.0
    sources: list[SourceStatus] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_ms": round(self.duration_ms, 1),
            "ok": self.ok,
            "sources": [s.to_json() for s in self.sources],
            "warnings": self.warnings,
        }


# -- swapping -----------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False if the
    system or file system cannot, so the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    log.debug("renameat2 exchange unavailable (errno %s): using two renames", ctypes.get_errno())
    return False


def swap_in(new: Path, target: Path, *, exchange: bool = True) -> Path | None:
    """Put the folder ``new`` at ``target``; return where the previous tree now is (to be
    deleted by the caller), or None if there was none.

    With ``renameat2`` the swap is one atomic step. Otherwise the old tree is renamed aside
    and the new one into place; :func:`recover` repairs a crash between the two renames.
    """
    if not target.exists():
        new.rename(target)
        return None
    if exchange and _exchange(new, target):
        return new
    aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    target.rename(aside)
    new.rename(target)
    return aside


def recover(target: Path) -> None:
    """Clean up after an interrupted sync: restore a tree left aside, drop half-built ones."""
    leftovers = sorted(target.parent.glob(f".{target.name}.*"))
    olds = [p for p in leftovers if ".old-" in p.name and p.is_dir()]
    if not target.exists() and olds:
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        log.warning("Restoring %s from %s (a previous sync was interrupted)", target, newest)
        newest.rename(target)
    for path in leftovers:
        if path.is_dir() and not path.is_symlink() and path.exists():
            _remove_tree(path)


def _remove_tree(path: Path) -> None:
    # Files are read-only but their folders are not, so rmtree can unlink them. What cannot
    # be removed now is removed by the next sync's recover().
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        log.warning("Could not remove %s: it is removed at the next sync", path)


def is_ours(target: Path) -> bool:
    return (target / MARKER).is_file()


@contextmanager
def process_lock(lock_path: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (several servers or a CLI on the same root)."""
    if lock_path is None or sys.platform == "win32":
        yield
        return
    import fcntl

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                "Templates are already being synchronised (by another process): wait for it "
                "to finish."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_templates(
    root: Path,
    sources: Sequence[TemplateSource],
    *,
    folder: str = DEFAULT_FOLDER,
    git_timeout: float = 300.0,
    stop: threading.Event | None = None,
    lock_path: Path | None = None,
    exchange: bool = True,
) -> SyncResult:
    """Rebuild ``root/folder`` from ``sources``; return how each source fared.

    Raises :class:`Conflict` if another process is syncing, :class:`SyncCancelled` if
    ``stop`` is set (the folder is then left as it was).
    """
    stop = stop or threading.Event()
    started = time.perf_counter()
    result = SyncResult(started_at=to_version(utc_now()))
    target = root / folder
    with process_lock(lock_path):
        recover(target)
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise Conflict(
                f"'{folder}' in the root is not a folder made by the template sync: rename it "
                "so templates can be synchronised."
            )
        if target.is_dir() and not is_ours(target) and any(target.iterdir()):
            backup = target.with_name(f"{folder}.backup-{result.started_at}")
            target.rename(backup)
            result.warnings.append(
                f"'{folder}' held files not made by the template sync: they were moved to "
                f"'{backup.name}' (nothing was deleted)."
            )
        staging = target.with_name(f".{folder}.new-{uuid.uuid4().hex[:8]}")
        staging.mkdir()
        try:
            for source in unique_names(sources):
                result.sources.append(
                    _sync_one(source, staging, target, git_timeout=git_timeout, stop=stop)
                )
            marker = {
                "generator": "naas_lab_ext",
                "synced_at": result.started_at,
                "sources": [s.to_json() for s in result.sources],
            }
            (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            if stop.is_set():
                raise SyncCancelled()
            previous = swap_in(staging, target, exchange=exchange)
            if previous is not None:
                _remove_tree(previous)
        finally:
            if staging.exists():
                _remove_tree(staging)
    result.finished_at = to_version(utc_now())
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result


def _sync_one(
    source: TemplateSource,
    staging: Path,
    target: Path,
    *,
    git_timeout: float,
    stop: threading.Event,
) -> SourceStatus:
    began = time.perf_counter()
    status = SourceStatus(source.name, source.kind, source.location)
    destination = staging / source.name
    try:
        fetch_source(source, destination, status, git_timeout=git_timeout, stop=stop)
        status.ok = True
    except SyncCancelled:
        raise
    except (SourceError, OSError) as exc:
        status.error = readable(str(exc) if isinstance(exc, SourceError) else f"cannot copy: {exc}")
        log.warning(
            "Template source %s (%s) failed: %s", source.name, redact(source.location), status.error
        )
        if destination.exists():
            _remove_tree(destination)
        previous = target / source.name
        status.files = status.notebooks = 0
        if is_ours(target) and previous.is_dir() and not previous.is_symlink():
            copy_tree(previous, destination, status, stop)
            status.kept_previous = True
    status.duration_ms = (time.perf_counter() - began) * 1000
    return status
