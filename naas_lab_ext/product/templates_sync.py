"""Fill ``<root>/__templates__`` from template sources, atomically.

Each source (the embedded default set, a local folder, a git repository) lands in its own
subfolder, ``__templates__/<source name>/``. A sync builds the whole new tree in a hidden
folder beside ``__templates__`` and then swaps the two, so readers see the old tree or the
new one, never a half-copied folder. A source that fails keeps its previous templates and
reports its error; the other sources are still refreshed.

The sync writes to disk directly (never through the Jupyter contents API, which refuses
writes inside the folder: see :mod:`naas_lab_ext.readonly`). Copied files are made
read-only (mode 0444) and keep their modification time, so the index re-reads only files
whose content changed.

Only regular files are copied: hidden files and folders (``.git``, checkpoints), symbolic
links (which could point anywhere on the machine) and files over :data:`MAX_FILE_BYTES` are
skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from .clock import to_version, utc_now
from .errors import Conflict, InvalidInput, NaasError
from .paths import TEMPLATES_FOLDER, resolve_inside, validate_name

log = logging.getLogger(__name__)

DEFAULT_FOLDER = TEMPLATES_FOLDER
EMBEDDED_NAME = "default"
#: Hidden file in the templates folder that marks it as made by the sync.
MARKER = ".naas-templates.json"
MAX_FILE_BYTES = 50 * 1024 * 1024
GIT_URL = re.compile(r"^(?:https?|git|ssh|file)://|^[\w.-]+@[\w.-]+:")

SourceKind = Literal["embedded", "folder", "git"]


class SyncCancelled(Exception):
    """The sync was stopped (the server is shutting down); nothing was changed."""


class SourceError(Exception):
    """A source could not be fetched; the message says why and what to check."""


def embedded_templates() -> Path:
    """The folder of templates shipped inside the package."""
    return Path(str(resources.files("naas_lab_ext") / "templates"))


def redact(location: str) -> str:
    """``location`` without any password or token in a URL's user part."""
    parts = urlsplit(location)
    if parts.scheme and parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return location


@dataclass(frozen=True)
class TemplateSource:
    """Where templates come from, and the subfolder of ``__templates__`` they go to."""

    name: str
    kind: SourceKind
    location: str
    """Folder path, git URL, or the package folder for the embedded set."""
    ref: str = ""
    """git branch or tag (default: the remote's default branch)."""
    subdir: str = ""
    """Only this folder of the source (relative), e.g. a folder of a repository."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "location": redact(self.location),
            "ref": self.ref,
            "subdir": self.subdir,
        }

    @classmethod
    def embedded(cls) -> TemplateSource:
        return cls(EMBEDDED_NAME, "embedded", str(embedded_templates()))

    @classmethod
    def parse(cls, entry: str | dict[str, Any], *, base: Path | None = None) -> TemplateSource:
        """A source from configuration: a folder path or git URL, or a dict with ``url``
        (or ``path``) and optional ``name``, ``ref`` and ``subdir``.

        Relative folder paths are taken relative to ``base`` (the Jupyter root).
        """
        options: dict[str, Any]
        if isinstance(entry, str):
            options = {"url": entry}
        elif isinstance(entry, dict):
            options = dict(entry)
        else:
            raise InvalidInput(f"A template source must be text or a mapping, not {entry!r}.")
        unknown = sorted(set(options) - {"url", "path", "name", "ref", "subdir"})
        if unknown:
            raise InvalidInput(
                f"Unknown template source option(s) {', '.join(unknown)}: "
                "use url (or path), name, ref, subdir.",
                field="template_sources",
            )
        location = str(options.get("url") or options.get("path") or "").strip()
        if not location:
            raise InvalidInput("A template source has no url or path.", field="template_sources")
        kind: SourceKind = (
            "git" if GIT_URL.match(location) or location.rstrip("/").endswith(".git") else "folder"
        )
        if kind == "folder":
            folder = Path(location).expanduser()
            if not folder.is_absolute() and base is not None:
                folder = base / folder
            location = str(folder)
        default_name = re.sub(r"\.git$", "", location.rstrip("/").rsplit("/", 1)[-1])
        default_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", default_name.rsplit(":", 1)[-1]).strip("-.")
        name = validate_name(
            str(options.get("name") or default_name or "templates"),
            field="template_sources",
            what="template source name",
        )
        subdir = str(options.get("subdir") or "").strip().strip("/")
        return cls(name, kind, location, str(options.get("ref") or "").strip(), subdir)


def unique_names(sources: Sequence[TemplateSource]) -> list[TemplateSource]:
    """The sources, renamed ``name-2``, ``name-3``... where two share a folder name."""
    seen: set[str] = set()
    result = []
    for source in sources:
        name, n = source.name, 1
        while name.casefold() in seen:
            n += 1
            name = f"{source.name}-{n}"
        seen.add(name.casefold())
        result.append(TemplateSource(name, source.kind, source.location, source.ref, source.subdir))
    return result


@dataclass
class SourceStatus:
    """How one source fared in a sync."""

    name: str
    kind: SourceKind
    location: str
    ok: bool = False
    error: str | None = None
    kept_previous: bool = False
    """The source failed and its templates from the previous sync were kept."""
    revision: str | None = None
    """git commit of the fetched tree (git sources)."""
    files: int = 0
    notebooks: int = 0
    skipped: list[str] = field(default_factory=list)
    """Entries not copied (symbolic links, files too large), with the reason."""
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "location": redact(self.location),
            "ok": self.ok,
            "error": self.error,
            "kept_previous": self.kept_previous,
            "revision": self.revision,
            "files": self.files,
            "notebooks": self.notebooks,
            "skipped": self.skipped[:50],
            "duration_ms": round(self.duration_ms, 1),
        }


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


# -- copying ------------------------------------------------------------------------------
def copy_tree(source: Path, target: Path, status: SourceStatus, stop: threading.Event) -> None:
    """Copy the regular, non-hidden files of ``source`` into ``target`` (created)."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        if stop.is_set():
            raise SyncCancelled()
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_symlink():
            status.skipped.append(f"{entry.name}: symbolic link")
            continue
        destination = target / entry.name
        if entry.is_dir(follow_symlinks=False):
            copy_tree(Path(entry.path), destination, status, stop)
        elif entry.is_file(follow_symlinks=False):
            stat = entry.stat(follow_symlinks=False)
            if stat.st_size > MAX_FILE_BYTES:
                status.skipped.append(f"{entry.name}: larger than {MAX_FILE_BYTES >> 20} MB")
                continue
            shutil.copyfile(entry.path, destination, follow_symlinks=False)
            # Same mtime as the source, so an unchanged template is not re-read by the index.
            os.utime(destination, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            destination.chmod(0o444)
            status.files += 1
            status.notebooks += entry.name.endswith(".ipynb")


def _git(args: list[str], *, timeout: float, stop: threading.Event, cwd: Path | None = None) -> str:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password nobody will type
        "GIT_ASKPASS": "",
        "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
        "LC_ALL": "C",
    }
    with subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        deadline = time.monotonic() + timeout
        while True:
            try:
                out, err = process.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stop.is_set() or time.monotonic() > deadline:
                    process.kill()
                    process.communicate()
                    if stop.is_set():
                        raise SyncCancelled() from None
                    raise SourceError(
                        f"git took longer than {timeout:.0f} s and was stopped: check the "
                        "network and the repository size."
                    ) from None
    if process.returncode != 0:
        detail = " ".join(line.strip() for line in err.strip().splitlines()[-3:])
        raise SourceError(f"git {args[0]} failed: {detail or f'exit code {process.returncode}'}")
    return out.strip()


def fetch_git(
    source: TemplateSource, checkout: Path, *, timeout: float, stop: threading.Event
) -> str:
    """Shallow-clone ``source`` into ``checkout`` (must not exist); return the commit id."""
    if shutil.which("git") is None:
        raise SourceError("git is not installed on the server: install git or remove the source.")
    args = ["clone", "--depth", "1", "--quiet", "--no-tags"]
    if source.ref:
        args += ["--branch", source.ref]
    # "--" so that a URL starting with "-" can never be read as an option.
    _git([*args, "--", source.location, str(checkout)], timeout=timeout, stop=stop)
    return _git(["rev-parse", "HEAD"], timeout=60, stop=stop, cwd=checkout)


def fetch_source(
    source: TemplateSource,
    target: Path,
    status: SourceStatus,
    *,
    git_timeout: float,
    stop: threading.Event,
) -> None:
    """Copy the templates of ``source`` into the new folder ``target``."""
    with tempfile.TemporaryDirectory(prefix="naas-templates-") as scratch:
        if source.kind == "git":
            tree = Path(scratch) / "checkout"
            status.revision = fetch_git(source, tree, timeout=git_timeout, stop=stop)
        else:
            tree = Path(source.location)
            if not tree.is_dir():
                raise SourceError(
                    f"The folder {source.location} does not exist (or is not a folder): "
                    "fix template_sources."
                )
        if source.subdir:
            try:
                tree = resolve_inside(tree, source.subdir, field="subdir", must_exist=True)
            except NaasError as exc:
                raise SourceError(f"subdir '{source.subdir}': {exc.message}") from None
            if not tree.is_dir():
                raise SourceError(f"subdir '{source.subdir}' is not a folder.")
        copy_tree(tree, target, status, stop)


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
        status.error = str(exc) if isinstance(exc, SourceError) else f"cannot copy: {exc}"
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
