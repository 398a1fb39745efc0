"""Private temporary folders of kernels (their IPC sockets and connection file) and of DAG
reads (the notebook run to read a pipeline), in the system's temporary folder.

Each name records the process that made it (``naas-k-<pid>-<random>``), which removes it when
the kernel ends. A process killed meanwhile (kill -9, a crash, a container stopped) leaves it
behind: :func:`remove_stale_scratch` deletes those whose process is gone (or whose pid now
belongs to a newer process), and those of no known process untouched for an hour. The server
runs it at start and periodically.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from ...core.files import STALE_AFTER_SECONDS, last_change, owner_gone

__all__ = ["DESCRIBE_PREFIX", "KERNEL_PREFIX", "remove_stale_scratch", "scratch_folder"]

#: Kernel sockets. Short on purpose: a Unix socket path is limited to ~100 bytes.
KERNEL_PREFIX = "naas-k-"
#: The copy of a pipeline notebook run to read its DAG.
DESCRIBE_PREFIX = "naas-describe-"
#: ``<prefix><pid>-<random>``; names made before the pid was recorded have no ``<pid>-``.
_NAME = re.compile(rf"^(?:{KERNEL_PREFIX}|{DESCRIBE_PREFIX})(?:(\d+)-)?[0-9a-z_]+$")


def scratch_folder(prefix: str, *, base: Path | None = None) -> Path:
    """A new private folder (0700) ``<prefix><pid>-<random>`` in the temporary folder."""
    folder = (
        base or Path(tempfile.gettempdir())
    ) / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:10]}"
    folder.mkdir(mode=0o700)
    return folder


def is_stale_scratch(path: Path, *, now: float | None = None) -> bool:
    """Whether ``path`` is a scratch folder left by a process that is gone (see the module)."""
    found = _NAME.match(path.name)
    if found is None or path.is_symlink() or not path.is_dir():
        return False
    try:
        changed = last_change(path)
    except FileNotFoundError:
        return False
    if found.group(1) is not None:
        return owner_gone(int(found.group(1)), changed)
    return (now or time.time()) - changed > STALE_AFTER_SECONDS


def remove_stale_scratch(base: Path | None = None, *, now: float | None = None) -> list[str]:
    """Delete the scratch folders killed processes left in ``base`` (default: the system's
    temporary folder); return their names."""
    folder = base or Path(tempfile.gettempdir())
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith((KERNEL_PREFIX, DESCRIBE_PREFIX)):
            continue
        path = Path(entry.path)
        if is_stale_scratch(path, now=now):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(entry.name)
    return removed
