"""The template library: one object for the REST API, the CLI and notebooks.

It ties together the parts, each in its own module:

- :mod:`.sources` and :mod:`.sync`: fill ``<root>/__templates__`` from the sources, atomically;
- :mod:`.index`, :mod:`.table` and :mod:`.search`: the SQLite FTS5 index and the ranked search;
- :mod:`.metadata`: what a template notebook says about itself;
- :mod:`.copies`: "Open in Lab" and "Add to models" copies.

:func:`open_library` builds it from configuration (the server's traits, the CLI's options).

Example::

    library = TemplateLibrary(root, index_path=Path("/tmp/templates.sqlite"))
    library.sync()
    page = library.index.search("read csv", tags=["pandas"])
    library.open_in_lab(page.items[0].id)
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_core.paths import jupyter_data_dir

from ..core.clock import to_version, utc_now
from ..core.errors import Conflict, InvalidInput, NaasError, NotFound
from ..core.paths import is_inside, resolve_inside, to_api_path
from ..products.manifest import get_product
from .copies import CopiedTemplate, add_to_models, open_in_lab, resolve_template
from .events import record_sync
from .index import TemplateIndex
from .metadata import BrokenTemplate, TemplateCell, parse_template
from .names import readable
from .requirements import (
    REQUIREMENTS_FILE,
    add_requirements,
    missing_requirements,
    template_requirements,
)
from .sources import DEFAULT_FOLDER, SyncCancelled, TemplateSource, unique_names
from .sync import SyncResult, sync_templates
from .table import TemplateSummary

if TYPE_CHECKING:  # the events store loads SQLAlchemy: a search needs neither
    from ..events.store import EventStore

log = logging.getLogger(__name__)

FOLDER_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")

__all__ = [
    "DEFAULT_FOLDER",
    "CopiedTemplate",
    "SyncStatus",
    "TemplateDetail",
    "TemplateLibrary",
    "TemplateSource",
    "TemplateSummary",
    "check_folder_name",
    "default_index_path",
    "open_library",
]


def default_index_path(index_dir: Path, root: Path) -> Path:
    """The index file of ``root``'s templates in ``index_dir`` (one file per root, so servers
    on different roots can share the folder)."""
    key = hashlib.sha1(str(Path(root).resolve()).encode(), usedforsecurity=False).hexdigest()
    return Path(index_dir) / f"templates-{key[:12]}.sqlite"


def check_folder_name(folder: Any) -> str:
    """The templates folder name: one plain, visible folder name at the top of the root
    (``__templates__`` by default; unlike product names it may start with ``_``)."""
    if not isinstance(folder, str) or not FOLDER_NAME.match(folder):
        raise InvalidInput(
            f"The templates folder name {folder!r} is not allowed: use 1-64 letters, digits, "
            "'_', '-' or '.', not starting with '.' (for example '__templates__').",
            field="templates_folder",
        )
    return folder


@dataclass
class TemplateDetail:
    """One template for the preview: its metadata, cells and declared parameters."""

    summary: TemplateSummary
    path: str
    """API path of the notebook (relative to the root), e.g. ``__templates__/default/x.ipynb``."""
    cells: list[TemplateCell]
    parameters: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0
    modified: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary.to_json(),
            "path": self.path,
            "size": self.size,
            "modified": self.modified,
            "parameters": self.parameters,
            "cells": [cell.to_json() for cell in self.cells],
        }


@dataclass
class SyncStatus:
    """What the UI shows about synchronisation."""

    running: bool
    last: dict[str, Any] | None
    templates: int
    broken: list[dict[str, str]]
    sources: list[dict[str, Any]]
    config_errors: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "last": self.last,
            "templates": self.templates,
            "broken": self.broken,
            "sources": self.sources,
            "config_errors": self.config_errors,
        }


class TemplateLibrary:
    """The templates of one Jupyter root: synchronised folder, index, search and copies."""

    def __init__(
        self,
        root: Path,
        *,
        index_path: Path,
        sources: Sequence[TemplateSource] = (),
        folder: str = DEFAULT_FOLDER,
        git_timeout: float = 300.0,
        config_errors: Sequence[str] = (),
        events: EventStore | None = None,
    ) -> None:
        self.root = Path(root)
        #: Where each sync is recorded (templates.synced / templates.sync_failed); None: not.
        self.events = events
        #: Problems found in the configured sources (shown in the sync status).
        self.config_errors = list(config_errors)
        self.folder = check_folder_name(folder)
        self.sources = unique_names(list(sources))
        self.git_timeout = git_timeout
        self.index = TemplateIndex(index_path, folder=self.root / self.folder)
        self.stop_event = threading.Event()
        self._sync_lock = threading.Lock()

    @property
    def folder_path(self) -> Path:
        return self.root / self.folder

    @property
    def lock_path(self) -> Path:
        return self.index.db_path.with_suffix(".lock")

    @property
    def running(self) -> bool:
        return self._sync_lock.locked()

    def close(self) -> None:
        """Stop a running sync as soon as possible and close the index."""
        self.stop_event.set()
        self.index.close()

    # -- sync -----------------------------------------------------------------------------
    def sync(self) -> dict[str, Any]:
        """Synchronise the folder from the sources, then refresh the index; return the report
        (also kept as :meth:`status` ``last``).

        Raises :class:`Conflict` if a sync is already running (here or in another process).
        """
        if not self._sync_lock.acquire(blocking=False):
            raise Conflict("Templates are already being synchronised: wait for it to finish.")
        try:
            started = time.perf_counter()
            try:
                result = sync_templates(
                    self.root,
                    self.sources,
                    folder=self.folder,
                    git_timeout=self.git_timeout,
                    stop=self.stop_event,
                    lock_path=self.lock_path,
                )
            except (Conflict, SyncCancelled):
                raise
            except Exception as exc:
                # The folder is unchanged; record why, so the status shows it.
                log.exception("Template sync failed")
                result = SyncResult(started_at=to_version(utc_now()))
                result.warnings.append(f"The sync failed and nothing was changed: {exc}")
                report = {
                    **result.to_json(),
                    "ok": False,
                    "templates": self.index.count(),
                    "index": None,
                }
                self.index.set_meta("last_sync", report)
                record_sync(self.events, self.root, report, error=str(exc))
                raise
            try:
                refresh = self.index.refresh(self.folder_path)
            except Exception as exc:
                return self._index_failed(result, started, exc)
            # The sync ends when its templates can be searched: after the indexing.
            result.finished_at = to_version(utc_now())
            report = {
                **result.to_json(),
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "templates": self.index.count(),
                "index": refresh.to_json(),
            }
            self.index.set_meta("last_sync", report)
            record_sync(self.events, self.root, report)
            log.info(
                "Templates synchronised: %d templates, %d added, %d updated, %d removed (%.0f ms)",
                report["templates"],
                refresh.added,
                refresh.updated,
                refresh.removed,
                report["duration_ms"],
            )
            return report
        finally:
            self._sync_lock.release()

    def _index_failed(self, result: SyncResult, started: float, exc: Exception) -> dict[str, Any]:
        """The folder was synchronised but the index could not take it in (its refresh was
        rolled back): the report and the event say so, never "ok"."""
        log.exception("The template index could not be refreshed after the sync")
        result.finished_at = to_version(utc_now())
        error = readable(f"{type(exc).__name__}: {exc}")
        report = {
            **result.to_json(),
            "ok": False,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "index": {"error": error},
        }
        report["warnings"] = [
            *report["warnings"],
            f"The templates folder was synchronised but its search index could not be "
            f"refreshed ({error}): searches show the templates of the previous sync until a "
            "sync succeeds.",
        ]
        try:
            report["templates"] = self.index.count()
            self.index.set_meta("last_sync", report)
        except Exception:
            report["templates"] = 0
            log.warning("The template index cannot keep the sync report", exc_info=True)
        record_sync(self.events, self.root, report, index_error=error)
        return report

    def refresh_index(self) -> dict[str, Any]:
        """Re-read changed notebooks of the folder into the index (no sync)."""
        return self.index.refresh(self.folder_path).to_json()

    def status(self) -> SyncStatus:
        return SyncStatus(
            running=self.running,
            last=self.index.get_meta("last_sync"),
            templates=self.index.count(),
            broken=[b.to_json() for b in self.index.broken()],
            sources=[s.to_json() for s in self.sources],
            config_errors=self.config_errors,
        )

    # -- read (search: ``library.index.search``) --------------------------------------------
    def get(self, template_id: Any) -> TemplateDetail:
        """One template with its cells and parameters, read from the folder."""
        path = resolve_template(self.folder_path, template_id)
        try:
            text = path.read_text(encoding="utf-8")
            meta = parse_template(text, template_id)
        except (UnicodeDecodeError, BrokenTemplate) as exc:
            raise InvalidInput(
                f"The template '{template_id}' is not a readable notebook ({exc}); it is not "
                "listed until its source fixes it.",
                field="id",
            ) from None
        summary = self.index.get(template_id) or TemplateSummary.of(template_id, meta)
        stat = path.stat()
        return TemplateDetail(
            summary=summary,
            path=to_api_path(self.root, path),
            cells=list(meta.cells),
            parameters=declared_parameters(path),
            size=stat.st_size,
            modified=to_version(datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc)),
        )

    # -- copies ---------------------------------------------------------------------------
    def open_in_lab(self, template_id: Any, *, name: Any = None) -> CopiedTemplate:
        """Copy the template to the root (``Name.ipynb``, ``Name_(1).ipynb``, ...)."""
        return open_in_lab(self.root, self.folder_path, template_id, name=name)

    def add_to_models(self, template_id: Any, product: Any, *, name: Any = None) -> CopiedTemplate:
        """Copy the template into the ``models/`` folder of the data product ``product``;
        say which packages it needs that the product's requirements.txt lacks."""
        copy = add_to_models(self.root, self.folder_path, template_id, product, name=name)
        needed = self.requirements_of(template_id)
        missing = missing_requirements(self._requirements_file(copy.product or ""), needed)
        return dataclasses.replace(
            copy, requirements=tuple(needed), missing_requirements=tuple(missing)
        )

    def requirements_of(self, template_id: Any) -> list[str]:
        """The packages the template states or installs (templates.requirements)."""
        source = resolve_template(self.folder_path, template_id)
        return template_requirements(source.read_text(encoding="utf-8", errors="replace"))

    def add_requirements(self, template_id: Any, product: Any) -> dict[str, Any]:
        """Add the packages the template needs to the requirements.txt of ``product``
        (those it does not list yet); answer the file's path and the lines added."""
        needed = self.requirements_of(template_id)
        if not isinstance(product, str) or not product.strip():
            raise InvalidInput("Choose the data product (its path).", field="product")
        try:
            info = get_product(self.root, product.strip().strip("/"))
        except NotFound as exc:
            raise NotFound(exc.message, field="product") from None
        target = self._requirements_file(info.path)
        if target.is_dir():
            raise Conflict(f"'{info.path}/{REQUIREMENTS_FILE}' is a folder.", field="product")
        added = add_requirements(target, needed)
        return {
            "path": to_api_path(self.root, target),
            "requirements": needed,
            "added": added,
        }

    def _requirements_file(self, product: str) -> Path:
        folder = resolve_inside(self.root, product, field="product") if product else self.root
        return folder / REQUIREMENTS_FILE


def declared_parameters(path: Path) -> list[dict[str, Any]]:
    """The parameters a template declares in its ``parameters`` cell, as papermill reads them
    (name, type, default, help), so a form can offer them. Empty if there is none."""
    import papermill  # imported here: it is slow to import and only the preview needs it

    try:
        found = papermill.inspect_notebook(str(path))
    except Exception as exc:  # papermill raises anything on code it cannot translate
        log.info("Parameters of template %s could not be read: %s", path.name, exc)
        return []
    return [
        {
            "name": str(p.get("name", name)),
            "type": str(p.get("inferred_type_name", "None")),
            "default": str(p.get("default", "")),
            "help": str(p.get("help", "")),
        }
        for name, p in found.items()
    ]


def open_library(
    root: Path,
    *,
    sources: Sequence[str | dict[str, Any]] = (),
    include_default: bool = True,
    folder: str = DEFAULT_FOLDER,
    index_dir: str = "",
    git_timeout: float = 300.0,
    label: str = "template_sources entry",
    warn: Callable[[str], None] = log.warning,
    events: EventStore | None = None,
) -> TemplateLibrary:
    """The template library of ``root`` as configured: the server's traits and the CLI's
    options give the same values, so both share one folder and one index.

    ``sources``: folders and git URLs (or dicts) besides the default set (left out when not
    ``include_default``); an unusable entry is skipped, said through ``warn`` (``label``
    names the setting) and shown in the sync status. ``index_dir``: folder of the search
    index (empty: ``<Jupyter data dir>/naas_lab_ext``). ``events``: where syncs are recorded.
    """
    root = Path(root).expanduser().resolve()
    chosen = [TemplateSource.embedded()] if include_default else []
    errors: list[str] = []
    for entry in sources:
        try:
            chosen.append(TemplateSource.parse(entry, base=root))
        except NaasError as exc:
            errors.append(f"{label} {entry!r} is ignored: {exc.message}")
            warn(errors[-1])
    if index_dir:
        index_folder = Path(index_dir).expanduser().resolve()
    else:
        index_folder = Path(jupyter_data_dir()) / "naas_lab_ext"
    if is_inside(root, index_folder):
        warn(
            f"The template index folder ({index_folder}) is inside the root: the file browser "
            "shows it; choose a folder outside the root."
        )
    return TemplateLibrary(
        root,
        index_path=default_index_path(index_folder, root),
        sources=chosen,
        folder=folder,
        git_timeout=git_timeout,
        config_errors=errors,
        events=events,
    )
