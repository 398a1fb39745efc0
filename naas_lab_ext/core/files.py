"""File operations the versioned outputs are built on: temporary files, clones, links, locks.

Why these and not plain copies: an output version is published by *hard-linking* a finished
temporary file to its final name. ``link()`` is atomic and never replaces an existing name, so
a version appears whole or not at all, and two writers can never both win the same name. The
``latest`` copy is a reflink (copy-on-write clone) or a hard link of the version file, so it
costs no second write of the data.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import stat
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

#: Every temporary file starts with this (hidden) prefix; listings skip such names.
TEMP_PREFIX = ".naas-tmp-"
#: A temporary file of another host (or of no known writer) untouched for this long is left
#: over by a killed writer. On this host the writer's pid says (see :func:`is_stale_temp`).
STALE_AFTER_SECONDS = 3600
#: Linux ioctl that clones a file's extents (btrfs, XFS, bcachefs...): ``FICLONE``.
_FICLONE = 0x40049409
#: Errors meaning "this file system cannot do that here", not "something is wrong".
_UNSUPPORTED = frozenset(
    {errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EINVAL, errno.ENOTTY, errno.ENOSYS}
)
_LINK_UNSUPPORTED = _UNSUPPORTED | {errno.EPERM, errno.EMLINK}

CopyMethod = Literal["reflink", "hardlink", "copy"]

_HOST = socket.gethostname().replace("-", "_")


def temp_path(folder: Path, suffix: str = "") -> Path:
    """A fresh hidden temporary name in ``folder``, keeping ``suffix`` (its extension).

    The name records host and pid so a later writer can tell a crashed writer's leftover
    from a file still being written.
    """
    return folder / f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:12]}-{suffix}"


def create_exclusive(path: Path) -> int:
    """Open a new file for writing; fail if the name exists (never clobber)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or link in ``path`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_read_only(path: Path) -> None:
    """Remove the write bits: a published version must not be edited in place."""
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _supported(operation: Callable[[], object], unsupported: frozenset[int]) -> bool:
    """Run ``operation``; False if the file system does not support it (an OSError whose
    errno is in ``unsupported``), any other error raised."""
    try:
        operation()
    except OSError as exc:
        if exc.errno in unsupported:
            return False
        raise
    return True


def _clone_fd(source_fd: int, target_fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return False
    return _supported(lambda: fcntl.ioctl(target_fd, _FICLONE, source_fd), _UNSUPPORTED)


def reflink(source: Path, target: Path) -> bool:
    """Clone ``source`` to the new file ``target`` sharing its blocks; False if unsupported."""
    with source.open("rb", buffering=0) as src:
        fd = create_exclusive(target)
        try:
            cloned = _clone_fd(src.fileno(), fd)
        finally:
            os.close(fd)
        if not cloned:
            target.unlink()
    return cloned


def _copy_times(source: Path, target: Path) -> None:
    st = source.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def _copy_data(source: BinaryIO, target: BinaryIO) -> None:
    # copy_file_range copies inside the kernel (and reflinks where the file system can);
    # fall back to a plain loop where it is missing or refused (other file system, old kernel).
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while copy_range(source.fileno(), target.fileno(), 1 << 30):
                pass
            return
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
    shutil.copyfileobj(source, target, 8 << 20)


def clone_or_copy(source: Path, target: Path) -> CopyMethod:
    """Copy ``source`` to the new name ``target`` as an independent file (reflink if possible).

    ``target`` is created exclusively (a copy never replaces a file) and written through the
    same descriptor: reopening it with truncation would make ext4 flush it on close
    (``auto_da_alloc``), doubling the cost of a large copy. The copy keeps the source's
    times, so :func:`same_content_hint` can recognise it.
    """
    with source.open("rb", buffering=0) as src:
        fd = create_exclusive(target)
        try:
            with os.fdopen(fd, "wb", buffering=0, closefd=False) as dst:
                if _clone_fd(src.fileno(), fd):
                    method: CopyMethod = "reflink"
                else:
                    _copy_data(src, dst)
                    method = "copy"
        except BaseException:
            os.close(fd)
            target.unlink(missing_ok=True)
            raise
        os.close(fd)
    _copy_times(source, target)
    return method


def share(source: Path, target: Path) -> CopyMethod:
    """Make ``target`` (a new name) hold ``source``'s data at no cost where possible.

    Reflink first (an independent file), then a hard link (the same file under a second name),
    then a plain copy.
    """
    if reflink(source, target):
        _copy_times(source, target)
        return "reflink"
    try:
        os.link(source, target)
        return "hardlink"
    except OSError as exc:
        if exc.errno not in _LINK_UNSUPPORTED:
            raise
    return clone_or_copy(source, target)


def link_no_replace(source: Path, target: Path) -> bool:
    """Give ``source`` the extra name ``target``, atomically; False if links are unsupported.

    Raises :class:`FileExistsError` if ``target`` exists: nothing is ever replaced.
    """
    return _supported(lambda: os.link(source, target), _LINK_UNSUPPORTED)


def same_content_hint(a: Path, b: Path) -> bool:
    """True when ``b`` is the same file as ``a``, or a copy made by this module.

    Versions are immutable, so the same size and modification time mean the same content.
    """
    try:
        sa, sb = a.stat(), b.stat()
    except FileNotFoundError:
        return False
    if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
        return True
    return sa.st_size == sb.st_size and sa.st_mtime_ns == sb.st_mtime_ns


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - e.g. Windows with an invalid pid
        return False
    return True


def last_change(path: Path) -> float:
    """When ``path`` was last written or had its metadata changed (the later of mtime and
    ctime): a copy keeps its source's mtime, but its ctime is when it was made."""
    st = path.lstat()
    return max(st.st_mtime, st.st_ctime)


def owner_gone(pid: int, since: float) -> bool:
    """Whether the process ``pid`` of this host that made a file last changed at ``since`` is
    gone: no such process, or the pid now belongs to a process started after that (a reused
    pid, e.g. the same small pid in a restarted container)."""
    if not pid_alive(pid):
        return True
    try:
        import psutil

        return bool(psutil.Process(pid).create_time() > since + 1.0)
    except ImportError:  # pragma: no cover - psutil is a dependency
        return False
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def is_stale_temp(path: Path, *, now: float | None = None) -> bool:
    """True for a temporary file (or folder) whose writer is gone: on this host, when the
    process its name records is gone (:func:`owner_gone`); made on another host (or named
    without a pid), when it has not changed for :data:`STALE_AFTER_SECONDS`."""
    name = path.name
    if not name.startswith(TEMP_PREFIX):
        return False
    try:
        changed = last_change(path)
    except FileNotFoundError:
        return False
    host, _, rest = name[len(TEMP_PREFIX) :].partition("-")
    pid_text = rest.partition("-")[0]
    if host == _HOST and pid_text.isdigit():
        return owner_gone(int(pid_text), changed)
    return (now or time.time()) - changed > STALE_AFTER_SECONDS


def remove_stale_temps(folder: Path, *, now: float | None = None) -> list[str]:
    """Delete crashed writers' temporary files in ``folder``; return their names."""
    removed: list[str] = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(folder) as entries:
        for entry in entries:
            path = Path(entry.path)
            if is_stale_temp(path, now=now):
                remove_tree(path)
                removed.append(entry.name)
    return removed


def remove_tree(path: Path) -> None:
    """Delete a file or folder, read-only files included; missing is fine."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return

    def make_writable_and_retry(func: Any, name: str, _exc: Any) -> None:
        # Versions are read-only; Windows refuses to delete read-only files.
        if not os.path.lexists(name):
            return
        Path(name).chmod(stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_file`` (created if missing) across processes.

    On systems without ``fcntl`` (Windows) nothing is locked; the atomic link and rename steps
    still keep every file whole, but concurrent writers may leave ``latest`` one version behind
    until the next save or read refreshes it.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
