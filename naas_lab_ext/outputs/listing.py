"""What the product panel and ``naas-lab outputs`` show of a product's outputs: datasets,
their versions, files and sizes, in pages; and the file of one version to open or download.

Every path comes from the user and is resolved inside the server root
(:func:`~naas_lab_ext.core.paths.resolve_inside`). A listing never shows a name or a size from
outside the root: an entry that is a symbolic link out of it (the outputs folder, a layer, a
dataset, a version folder or a file) is left out and reported in the page's ``skipped`` list,
by the path of the link, and the rest of the listing is served.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.clock import parse_version
from ..core.errors import InvalidInput, NaasError, NotFound
from ..core.files import same_content_hint
from ..core.paths import is_inside, resolve_inside, to_api_path
from ..products.manifest import MANIFEST_NAME
from .settings import output_settings
from .store import LATEST, RESERVED_LAYERS, OutputName, OutputStore

MAX_LIMIT = 500


@dataclass(frozen=True)
class OutputFile:
    name: str
    size: int
    path: str
    """API path (relative to the root): open it with the contents API."""
    is_latest: bool = False
    """``latest/<name>`` holds this file (always true for the files of ``latest``)."""
    version: str | None = None
    """The version the file belongs to (for a file of ``latest``: the one it holds, if known)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "path": self.path,
            "is_latest": self.is_latest,
            "version": self.version,
        }


@dataclass(frozen=True)
class VersionInfo:
    version: str
    created_at: str
    """The version as an ISO 8601 UTC time."""
    size: int
    files: list[OutputFile]
    is_newest: bool
    """The newest version of the dataset."""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "size": self.size,
            "files": [f.to_json() for f in self.files],
            "is_newest": self.is_newest,
        }


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    """``layer/dataset``."""
    layer: str
    dataset: str
    version_count: int
    latest_version: str | None
    size: int
    """Bytes of every version (``latest`` shares its data with a version: not counted)."""
    latest: list[OutputFile]
    versions: list[VersionInfo] = field(default_factory=list)
    """The newest versions first, as many as asked."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "layer": self.layer,
            "dataset": self.dataset,
            "version_count": self.version_count,
            "latest_version": self.latest_version,
            "size": self.size,
            "latest": [f.to_json() for f in self.latest],
            "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True)
class Skipped:
    """An entry a listing left out, and why."""

    path: str
    """API path of the entry (the link itself, inside the root)."""
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


#: Why an entry that leads out of the root is not listed.
OUTSIDE = "a symbolic link to a place outside the Jupyter root: not listed"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    offset: int
    limit: int
    skipped: list[Skipped] = field(default_factory=list)
    """Entries left out (links out of the root), each with its reason."""

    def to_json(self, key: str, **extra: Any) -> dict[str, Any]:
        return {
            key: [item.to_json() for item in self.items],
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "skipped": [s.to_json() for s in self.skipped],
            **extra,
        }


def _inside(root: Path, path: Path, skipped: list[Skipped] | None) -> bool:
    """True when ``path`` (links followed) is in the root; else it is reported in
    ``skipped`` (once) and False."""
    if is_inside(root, path):
        return True
    if skipped is not None:
        entry = Skipped(path=to_api_path(root, path), reason=OUTSIDE)
        if entry not in skipped:
            skipped.append(entry)
    return False


def _folders(folder: Path) -> list[str]:
    """The visible subfolders of ``folder`` (links to folders included), sorted."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _dataset_names(root: Path, product: Path, skipped: list[Skipped]) -> list[str]:
    """``layer/dataset`` of every dataset of the product whose folder is in the root (with a
    version or a latest file, as :meth:`OutputStore.datasets`)."""
    outputs = product / "outputs"
    if not outputs.is_dir() or not _inside(root, outputs, skipped):
        return []
    found = []
    for layer in _folders(outputs):
        if layer in RESERVED_LAYERS or not _inside(root, outputs / layer, skipped):
            continue
        for dataset in _folders(outputs / layer):
            folder = outputs / layer / dataset
            if not (OutputStore.version_dirs(folder) or (folder / LATEST).is_dir()):
                continue
            if _inside(root, folder, skipped):
                found.append(f"{layer}/{dataset}")
    return found


def check_page(offset: int, limit: int) -> None:
    if offset < 0:
        raise InvalidInput("offset must be 0 or more.", field="offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")


def product_folder(root: Path, product: str) -> Path:
    """The product at API path ``product``, refusing escapes and non-products."""
    folder = resolve_inside(root, product, field="product", must_exist=True)
    if not (folder / MANIFEST_NAME).is_file():
        raise NotFound(
            f"'{product}' is not a data product (no {MANIFEST_NAME}); create one with "
            "'New data product'.",
            field="product",
        )
    return folder


def _dataset_folder(root: Path, product: str, dataset: str) -> tuple[Path, OutputName]:
    folder = product_folder(root, product)
    name = OutputName.parse(dataset, need_file=False, field="dataset")
    if name.file is not None:
        raise InvalidInput(
            f"'{dataset}' names a file: give the dataset as 'layer/dataset'.", field="dataset"
        )
    relative = to_api_path(root, folder / "outputs" / name.layer / name.dataset)
    path = resolve_inside(root, relative, field="dataset")
    if not path.is_dir():
        raise NotFound(
            f"'{product}' has no dataset '{dataset}' (nothing saved there yet).", field="dataset"
        )
    return path, name


def _files(
    root: Path,
    folder: Path,
    latest: Path | None = None,
    skipped: list[Skipped] | None = None,
) -> list[OutputFile]:
    """The visible files of ``folder``; ``latest`` (a version's) marks those latest holds.
    A file that is a link out of the root is left out (and reported in ``skipped``)."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                if entry.is_symlink() and not _inside(root, Path(entry.path), skipped):
                    continue
                found.append(
                    OutputFile(
                        name=entry.name,
                        size=entry.stat().st_size,
                        path=to_api_path(root, Path(entry.path)),
                        is_latest=latest is None
                        or same_content_hint(Path(entry.path), latest / entry.name),
                        version=None if latest is None else folder.name,
                    )
                )
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(found, key=lambda f: f.name)


def _versions(root: Path, folder: Path, skipped: list[Skipped] | None = None) -> list[VersionInfo]:
    """Every complete version of a dataset folder, newest first; a version folder that is
    a link out of the root is left out (and reported in ``skipped``)."""
    infos: list[VersionInfo] = []
    newest_first = reversed(OutputStore.version_dirs(folder))
    for version in newest_first:
        if not _inside(root, folder / version, skipped):
            continue
        version_files = _files(root, folder / version, folder / LATEST, skipped)
        if not version_files:
            continue  # an empty folder left by a crash is not a version
        infos.append(
            VersionInfo(
                version=version,
                created_at=parse_version(version)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                size=sum(f.size for f in version_files),
                files=version_files,
                is_newest=not infos,
            )
        )
    return infos


def _dataset_info(
    root: Path, folder: Path, name: OutputName, shown: int, skipped: list[Skipped]
) -> DatasetInfo:
    versions = _versions(root, folder, skipped)
    held = {f.name: v.version for v in reversed(versions) for f in v.files if f.is_latest}
    files = (
        _files(root, folder / LATEST, skipped=skipped)
        if _inside(root, folder / LATEST, skipped)
        else []
    )
    latest = [replace(f, version=held.get(f.name)) for f in files]
    return DatasetInfo(
        name=name.dataset_key,
        layer=name.layer,
        dataset=name.dataset,
        version_count=len(versions),
        latest_version=versions[0].version if versions else None,
        size=sum(v.size for v in versions),
        latest=latest,
        versions=versions[:shown],
    )


def list_datasets(
    root: Path | str, product: str, *, offset: int = 0, limit: int = 50, versions: int = 5
) -> tuple[Page, int]:
    """A page of the product's datasets (sorted by ``layer/dataset``), each with its newest
    ``versions``; and the product's retention (versions kept per dataset, 0 = all).
    """
    root = Path(root)
    check_page(offset, limit)
    if not 0 <= versions <= MAX_LIMIT:
        raise InvalidInput(f"versions must be between 0 and {MAX_LIMIT}.", field="versions")
    folder = product_folder(root, product)
    skipped: list[Skipped] = []
    names = _dataset_names(root, folder, skipped)
    items = []
    for key in names[offset : offset + limit]:
        try:
            path, name = _dataset_folder(root, product, key)
        except NaasError as exc:  # one bad dataset (renamed, removed meanwhile) is not all
            skipped.append(
                Skipped(path=f"{to_api_path(root, folder)}/outputs/{key}", reason=exc.message)
            )
            continue
        items.append(_dataset_info(root, path, name, versions, skipped))
    keep = output_settings(folder).keep_versions
    page = Page(items=items, total=len(names), offset=offset, limit=limit, skipped=skipped)
    return page, keep


def list_versions(
    root: Path | str, product: str, dataset: str, *, offset: int = 0, limit: int = 50
) -> Page:
    """A page of the versions of ``layer/dataset``, newest first, with their files."""
    root = Path(root)
    check_page(offset, limit)
    folder, _name = _dataset_folder(root, product, dataset)
    skipped: list[Skipped] = []
    versions = _versions(root, folder, skipped)
    return Page(
        items=versions[offset : offset + limit],
        total=len(versions),
        offset=offset,
        limit=limit,
        skipped=skipped,
    )


def version_file(root: Path | str, product: str, dataset: str, version: str, file: str) -> Path:
    """The file ``file`` of ``version`` (or ``"latest"``) of ``layer/dataset``."""
    root = Path(root)
    folder, name = _dataset_folder(root, product, dataset)
    if not isinstance(file, str) or "/" in file:
        raise InvalidInput("file must be a file name of the version, without '/'.", field="file")
    OutputName.parse(f"{name.dataset_key}/{file}", need_file=True, field="file")
    if version != LATEST:
        parse_version(version)
    relative = to_api_path(root, folder / version / file)
    path = resolve_inside(root, relative, field="file")
    if not path.is_file():
        raise NotFound(
            f"'{dataset}' has no file '{file}' in version {version}.",
            field="file" if (folder / version).is_dir() else "version",
        )
    return path
