"""Where templates come from: the embedded default set, local folders, git repositories.

A source's templates are copied into the new tree the sync builds (:mod:`.sync`). Only
regular files are copied: hidden files and folders (``.git``, checkpoints), symbolic links
(which could point anywhere on the machine) and files over :data:`MAX_FILE_BYTES` are
skipped. Copied files are made read-only (mode 0444) and keep their modification time, so
the index re-reads only files whose content changed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import InvalidInput, NaasError
from ..core.paths import TEMPLATES_FOLDER, resolve_inside, validate_name
from .names import is_text, readable

log = logging.getLogger(__name__)

DEFAULT_FOLDER = TEMPLATES_FOLDER
EMBEDDED_NAME = "default"
MAX_FILE_BYTES = 50 * 1024 * 1024
GIT_URL = re.compile(r"^(?:https?|git|ssh|file)://|^[\w.-]+@[\w.-]+:")

SourceKind = Literal["embedded", "folder", "git"]


class SyncCancelled(Exception):
    """The sync was stopped (the server is shutting down); nothing was changed."""


class SourceError(Exception):
    """A source could not be fetched; the message says why and what to check."""


def embedded_templates() -> Path:
    """The folder of templates shipped inside the package."""
    return Path(str(resources.files("naas_lab_ext.templates") / "bundled"))


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
            status.skipped.append(f"{readable(entry.name)}: symbolic link")
            continue
        if not is_text(entry.name):
            # Jupyter, the index and the events cannot name it: left out, and said so.
            status.skipped.append(
                f"{readable(entry.name)}: the name is not UTF-8 text (rename it in the source)"
            )
            continue
        destination = target / entry.name
        if entry.is_dir(follow_symlinks=False):
            copy_tree(Path(entry.path), destination, status, stop)
        elif entry.is_file(follow_symlinks=False):
            stat = entry.stat(follow_symlinks=False)
            if stat.st_size > MAX_FILE_BYTES:
                status.skipped.append(
                    f"{readable(entry.name)}: larger than {MAX_FILE_BYTES >> 20} MB"
                )
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
