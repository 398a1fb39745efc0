"""Versioned data-lake outputs of a product: save, load, versions, latest, retention.

Layout, under the product's ``outputs/`` folder::

    <layer>/<dataset>/<version>/<file>    one folder per version, never overwritten
    <layer>/<dataset>/latest/<file>       the file of the newest version holding it

A version is a UTC time that sorts as text (``2026-11-23T08.00.00.000Z``). Inside a pipeline
run it is the run's version (``NAAS_RUN_VERSION``, set by the engine), so every output of one
run shares one version; otherwise it is the time of the save.

How a save stays whole when a process dies at any point:

1. the data is written to a hidden temporary file in the dataset folder (no lock held);
2. under the dataset's lock (``.naas-lock``), the temporary file is hard-linked to
   ``<version>/<file>``: ``link()`` is atomic and fails if the name exists, so a version
   appears complete or not at all and is never overwritten;
3. ``latest/<file>`` is replaced by ``rename()`` of a reflink or hard link of the version file
   (no second copy of the data), so it is always a complete file;
4. retention renames old version folders to hidden names before deleting them.

Leftovers of a crash (hidden temporary files, empty version folders) are invisible to readers
and removed by the next save. A ``latest`` left one version behind by a crash between steps 2
and 3 is refreshed by the next save, load or :meth:`OutputStore.latest_path`.

Version files are made read-only: ``latest`` may be the same file (a hard link), so editing it
in place would change the version.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from ..core import files
from ..core.clock import is_version, parse_version, to_version, utc_now
from ..core.env import run_version
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.paths import validate_name
from ..products.manifest import DEPLOYMENTS_FOLDER, EXECUTIONS_FOLDER
from . import formats
from .settings import keep_value, output_settings

LATEST = "latest"
LOCK_NAME = ".naas-lock"
#: Layers that are not datasets: the executed notebooks of pipeline runs and the reports of
#: deploys (executed setup.ipynb, tests) live there.
RESERVED_LAYERS = frozenset({EXECUTIONS_FOLDER[1], DEPLOYMENTS_FOLDER[1]})
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class OutputName:
    """``layer/dataset/file`` (or ``layer/dataset``), each part a checked name."""

    layer: str
    dataset: str
    file: str | None = None

    @classmethod
    def parse(cls, name: str, *, need_file: bool, field: str = "name") -> OutputName:
        if not isinstance(name, str):
            raise InvalidInput(
                f"An output name is text like 'raw/sales/sales.csv', not {type(name).__name__}.",
                field=field,
            )
        parts = [p for p in name.strip().strip("/").split("/") if p]
        shape = "'layer/dataset/file.ext'" if need_file else "'layer/dataset'"
        if len(parts) not in ((3,) if need_file else (2, 3)):
            raise InvalidInput(
                f"'{name}' is not an output name: use {shape}, e.g. 'raw/sales/sales.csv' "
                "(a layer such as raw, clean or published; a dataset; a file).",
                field=field,
            )
        layer = validate_name(parts[0], field=field, what="layer")
        dataset = validate_name(parts[1], field=field, what="dataset name")
        file = validate_name(parts[2], field=field, what="file name") if len(parts) == 3 else None
        if layer in RESERVED_LAYERS:
            raise InvalidInput(
                f"'{layer}' is reserved for the executed notebooks of pipeline runs and deploys: "
                "use another layer name.",
                field=field,
            )
        return cls(layer, dataset, file)

    @property
    def dataset_key(self) -> str:
        return f"{self.layer}/{self.dataset}"

    def __str__(self) -> str:
        return "/".join(p for p in (self.layer, self.dataset, self.file) if p)


@dataclass(frozen=True)
class Saved:
    """What :meth:`OutputStore.save` wrote."""

    name: str
    """``layer/dataset/file``."""
    version: str
    path: Path
    """The version's file: ``outputs/<layer>/<dataset>/<version>/<file>``."""
    latest_path: Path
    latest_version: str
    """The version ``latest`` holds now (a newer one than ``version`` may already exist)."""
    size: int
    latest_method: str
    """How ``latest`` was made: ``reflink``, ``hardlink``, ``copy``, or ``unchanged``."""
    pruned: tuple[str, ...] = ()
    """Versions removed by retention."""

    def _summary(self) -> tuple[str, str]:
        where = "/".join(self.path.parts[-5:])  # outputs/<layer>/<dataset>/<version>/<file>
        extra = f", {len(self.pruned)} old version(s) removed" if self.pruned else ""
        return where, f"{_size_text(self.size)}{extra}"

    def __repr__(self) -> str:
        # Short: it is what a notebook cell ending in save(...) shows.
        where, detail = self._summary()
        return f"<Saved {self.name} version {self.version} ({detail}): {where}>"

    def _repr_html_(self) -> str:
        where, detail = self._summary()
        return (
            f"<span>Saved <b>{escape(self.name)}</b> version <code>{escape(self.version)}"
            f"</code> ({escape(detail)}) in <code>{escape(where)}</code></span>"
        )


def _size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def _version_after(version: str) -> str:
    return to_version(parse_version(version) + _ONE_MS)


def _visible_files(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return [e for e in entries if not e.name.startswith(".") and e.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []


class OutputStore:
    """The versioned outputs of the product at ``root`` (the folder with ``product.json``).

    ``outputs`` is the folder versions go to (default: ``root/outputs``); ``environ`` (default:
    ``os.environ``) supplies ``NAAS_RUN_VERSION`` and ``NAAS_OUTPUTS_KEEP``; ``clock`` the time
    of versions outside a run.
    """

    def __init__(
        self,
        root: Path | str,
        *,
        outputs: Path | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.root = Path(root)
        self.outputs = outputs if outputs is not None else self.root / "outputs"
        self._environ = environ
        self._clock = clock

    # -- paths and listings ------------------------------------------------------------------

    def dataset_dir(self, name: OutputName) -> Path:
        return self.outputs / name.layer / name.dataset

    @staticmethod
    def version_dirs(folder: Path) -> list[str]:
        """Every version folder name in a dataset folder, oldest first (empty ones too)."""
        try:
            with os.scandir(folder) as entries:
                return sorted(e.name for e in entries if is_version(e.name) and e.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def versions(self, name: str) -> list[str]:
        """The versions of ``layer/dataset`` (or of one file, ``layer/dataset/file``), oldest
        first: ``versions(name)[-1]`` is the newest. Incomplete leftovers are never listed.
        """
        target = OutputName.parse(name, need_file=False)
        folder = self.dataset_dir(target)
        found = []
        for version in self.version_dirs(folder):
            if target.file is None:
                if _visible_files(folder / version):
                    found.append(version)
            elif (folder / version / target.file).is_file():
                found.append(version)
        return found

    def datasets(self) -> list[str]:
        """``layer/dataset`` of every dataset with at least one version or a latest file."""
        found: list[str] = []
        for layer in sorted(_subfolders(self.outputs)):
            if layer in RESERVED_LAYERS:
                continue
            for dataset in sorted(_subfolders(self.outputs / layer)):
                folder = self.outputs / layer / dataset
                if self.version_dirs(folder) or (folder / LATEST).is_dir():
                    found.append(f"{layer}/{dataset}")
        return found

    def path(self, name: str, version: str = LATEST) -> Path:
        """The file of ``name`` at ``version`` (``"latest"`` by default); NotFound if none."""
        target = OutputName.parse(name, need_file=True)
        if version == LATEST:
            return self.latest_path(name)
        parse_version(version)
        path = self.dataset_dir(target) / version / str(target.file)
        if not path.is_file():
            known = self.versions(name)
            hint = (
                f"its versions are {', '.join(known[-5:])}"
                + (f" (and {len(known) - 5} older)" if len(known) > 5 else "")
                if known
                else "it has no version yet"
            )
            raise NotFound(f"'{target}' has no version {version}: {hint}.", field="version")
        return path

    def latest_path(self, name: str) -> Path:
        """``outputs/<layer>/<dataset>/latest/<file>``, brought up to date with the newest
        version first if a crash left it behind. NotFound if nothing was saved under ``name``.
        """
        target = OutputName.parse(name, need_file=True)
        folder = self.dataset_dir(target)
        file = str(target.file)
        latest = folder / LATEST / file
        newest = self._newest_with(folder, file)
        if newest is None:
            if latest.is_file():
                return latest
            raise NotFound(
                f"Nothing was saved as '{target}' yet: save(obj, '{target}') first.", field="name"
            )
        if not files.same_content_hint(folder / newest / file, latest):
            with files.locked(folder / LOCK_NAME):
                self._refresh_latest(folder, file)
        return latest

    # -- save and load ------------------------------------------------------------------------

    def save(
        self,
        obj: Any,
        name: str,
        *,
        version: str | None = None,
        keep: int | None = None,
        link: bool = False,
        **options: Any,
    ) -> Saved:
        """Save ``obj`` as a new version of ``name`` (``layer/dataset/file.ext``) and make it
        the latest. See :mod:`naas_data_product` for the supported objects.

        ``version`` pins the version (default: the run's, else now); ``keep`` overrides the
        retention; ``link=True`` hard-links a file path instead of copying it (only if the
        file will never be modified afterwards). Raises :class:`Conflict` if the version
        already holds this file: a version is never overwritten.
        """
        target = OutputName.parse(name, need_file=True)
        file = str(target.file)
        settings = output_settings(self.root, environ=self._environ)
        keep_versions = settings.keep_versions if keep is None else keep_value(keep, "keep")
        pinned = version if version is not None else run_version(environ=self._environ)
        if pinned is not None:
            parse_version(pinned)
        source = self._source_file(obj, options, link)
        writer = None if source is not None else formats.writer_for(obj, file, options)
        if isinstance(obj, str):
            _warn_if_path_like(obj)
        if self.outputs.exists() and not self.outputs.is_dir():
            raise Conflict(f"'{self.outputs}' is a file: outputs needs to be a folder.")
        folder = self.dataset_dir(target)
        folder.mkdir(parents=True, exist_ok=True)
        temp: Path | None = None
        try:
            if not link:
                temp = files.temp_path(folder, file)
                if source is not None:
                    files.clone_or_copy(source, temp)
                else:
                    assert writer is not None
                    # The writer creates the file (a fresh unique name): creating it empty
                    # first would make writers that truncate pay ext4's flush-on-close.
                    writer(temp)
                if settings.fsync:
                    files.fsync_file(temp)
                files.make_read_only(temp)
            with files.locked(folder / LOCK_NAME):
                self._clean(folder)
                chosen, path = self._publish(folder, file, temp, source, pinned)
                if settings.fsync:
                    files.fsync_dir(path.parent)
                    files.fsync_dir(folder)
                latest_version, method = self._refresh_latest(folder, file)
                if latest_version != chosen:
                    method = "unchanged"
                pruned = self._prune(folder, keep_versions, protect=chosen)
        finally:
            if temp is not None:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
        return Saved(
            name=str(target),
            version=chosen,
            path=path,
            latest_path=folder / LATEST / file,
            latest_version=latest_version,
            size=path.stat().st_size,
            latest_method=method,
            pruned=tuple(pruned),
        )

    def load(self, name: str, version: str = LATEST, *, kind: str = "auto", **options: Any) -> Any:
        """Read ``name`` at ``version`` (default ``"latest"``): a DataFrame for .csv, .tsv,
        .parquet, .xlsx; data for .json; ``str`` for text files; else ``bytes``. ``kind``
        forces ``bytes``, ``text``, ``json`` or ``dataframe``; ``options`` go to pandas.
        """
        return formats.read(self.path(name, version), kind, options)

    def prune(self, dataset: str, keep: int) -> list[str]:
        """Delete the oldest versions of ``layer/dataset`` beyond ``keep``; return them."""
        target = OutputName.parse(dataset, need_file=False)
        keep = keep_value(keep, "keep")
        folder = self.dataset_dir(target)
        if not folder.is_dir():
            raise NotFound(f"There is no dataset '{target.dataset_key}'.", field="name")
        with files.locked(folder / LOCK_NAME):
            return self._prune(folder, keep, protect=None)

    # -- internals (called with the dataset's lock held, unless said otherwise) ---------------

    @staticmethod
    def _source_file(obj: Any, options: Mapping[str, Any], link: bool) -> Path | None:
        if not isinstance(obj, os.PathLike):
            if link:
                raise InvalidInput("link=True needs a pathlib.Path to a file.", field="link")
            return None
        source = Path(os.fspath(obj))
        if options:
            raise InvalidInput(
                f"Options ({', '.join(sorted(options))}) apply only when saving a DataFrame.",
                field="options",
            )
        if not source.is_file():
            raise NotFound(f"There is no file at '{source}' to save.", field="obj")
        return source

    def _next_version(self, folder: Path) -> str:
        version = to_version(self._clock())
        existing = self.version_dirs(folder)
        # Never go back in time (clock changes, two saves in one millisecond): a new save
        # always becomes the newest version.
        if existing and existing[-1] >= version:
            version = _version_after(existing[-1])
        return version

    def _publish(
        self, folder: Path, file: str, temp: Path | None, source: Path | None, pinned: str | None
    ) -> tuple[str, Path]:
        version = pinned or self._next_version(folder)
        data = temp if temp is not None else source
        assert data is not None
        while True:
            version_dir = folder / version
            created = not version_dir.exists()
            version_dir.mkdir(exist_ok=True)
            path = version_dir / file
            try:
                if not files.link_no_replace(data, path):
                    # No hard links here: the lock makes check-then-rename safe among savers.
                    if path.exists():
                        raise FileExistsError(path)
                    if temp is None:  # link=True asked for a link: copy, then rename
                        temp = files.temp_path(folder, file)
                        files.clone_or_copy(data, temp)
                        files.make_read_only(temp)
                    temp.rename(path)
            except FileExistsError:
                if created:
                    with contextlib.suppress(OSError):
                        version_dir.rmdir()
                if pinned is not None:
                    raise Conflict(
                        f"'{folder.parent.name}/{folder.name}/{file}' already has version "
                        f"{version}: a version is never overwritten. Save under another file "
                        "name (or, outside a pipeline run, without a version).",
                        field="name",
                    ) from None
                version = _version_after(version)
                continue
            return version, path

    def _newest_with(self, folder: Path, file: str) -> str | None:
        for version in reversed(self.version_dirs(folder)):
            if (folder / version / file).is_file():
                return version
        return None

    def _refresh_latest(self, folder: Path, file: str) -> tuple[str, str]:
        """Point ``latest/<file>`` at the newest version holding it; (version, method)."""
        newest = self._newest_with(folder, file)
        if newest is None:  # pragma: no cover - called right after a publish
            raise NotFound(f"No version of '{file}' in '{folder}'.")
        source = folder / newest / file
        latest_dir = folder / LATEST
        latest = latest_dir / file
        if files.same_content_hint(source, latest):
            return newest, "unchanged"
        latest_dir.mkdir(exist_ok=True)
        temp = files.temp_path(latest_dir, file)
        try:
            method = files.share(source, temp)
            if method != "hardlink":
                files.make_read_only(temp)
            temp.replace(latest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return newest, method

    def _prune(self, folder: Path, keep: int, *, protect: str | None) -> list[str]:
        if keep <= 0:
            return []
        versions = [v for v in self.version_dirs(folder) if _visible_files(folder / v)]
        excess = len(versions) - keep
        pruned: list[str] = []
        for version in versions:
            if excess <= 0:
                break
            if version == protect:
                continue
            # Rename first: a crash mid-delete then leaves a hidden leftover, never a
            # version with some of its files missing.
            trash = files.temp_path(folder, "pruned")
            (folder / version).rename(trash)
            files.remove_tree(trash)
            pruned.append(version)
            excess -= 1
        return pruned

    def remove_stale_temporaries(self) -> list[str]:
        """Delete what killed writers left in every dataset (their hidden temporary files
        and pruned versions, :func:`~naas_lab_ext.core.files.is_stale_temp`) without
        waiting for the dataset's next save; return them as ``layer/dataset/name``."""
        removed: list[str] = []
        if self.outputs.is_symlink():
            return removed  # never delete anything outside the product
        for layer in sorted(_subfolders(self.outputs)):
            if layer in RESERVED_LAYERS or (self.outputs / layer).is_symlink():
                continue
            for dataset in sorted(_subfolders(self.outputs / layer)):
                folder = self.outputs / layer / dataset
                for where, place in ((folder, ""), (folder / LATEST, f"{LATEST}/")):
                    if where.is_symlink():
                        continue
                    names = files.remove_stale_temps(where)
                    removed += [f"{layer}/{dataset}/{place}{name}" for name in names]
        return removed

    def _clean(self, folder: Path) -> None:
        """Remove crash leftovers: dead writers' temporary files, empty version folders."""
        files.remove_stale_temps(folder)
        files.remove_stale_temps(folder / LATEST)
        for version in self.version_dirs(folder):
            with contextlib.suppress(OSError):
                (folder / version).rmdir()  # only succeeds when empty


def _subfolders(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if not e.name.startswith(".") and e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _warn_if_path_like(text: str) -> None:
    # os.path.isfile, unlike Path.is_file, is False (not an error) for any odd text.
    if "\n" not in text and len(text) < 1024 and os.path.isfile(text):  # noqa: PTH113
        warnings.warn(
            f"save() stored the text {text!r}, which is also the name of a file. To save the "
            f"file itself, pass pathlib.Path({text!r}).",
            UserWarning,
            stacklevel=3,
        )
