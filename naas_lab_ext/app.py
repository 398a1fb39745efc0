"""The jupyter_server extension: configuration (traitlets) and wiring."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import (
    Bool,
    Dict,
    Float,
    Int,
    List,
    TraitError,
    Type,
    Unicode,
    Union,
    default,
    validate,
)

from . import __version__
from .handlers import route_table
from .product.clock import to_version, utc_now
from .product.errors import Conflict, NaasError
from .product.execution import Executor, LocalKernelExecutor
from .product.paths import is_inside
from .product.retention import DEFAULT_KEEP_LAST, RetentionPolicy
from .product.runner import RunOptions, default_max_parallel
from .product.runs import RunService
from .product.runtime import KEEP_VERSIONS_ENV
from .product.store import DB_URL_ENV, RunStore, default_db_url
from .product.templates import (
    DEFAULT_FOLDER,
    TemplateLibrary,
    TemplateSource,
    check_folder_name,
    default_index_path,
)
from .readonly import TemplateGuard


class NaasLabExtApp(ExtensionApp):
    """Serves the naas_lab_ext REST API under ``/naas-lab-ext/``.

    Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

        c.NaasLabExtApp.git_init = False
    """

    name = "naas_lab_ext"
    description = __doc__ or ""
    load_other_extensions = True

    git_init = Bool(
        True,
        config=True,
        help="Make each new product a git repository with an initial commit (when git exists).",
    )
    products_max_depth = Int(
        4,
        config=True,
        help="How many folder levels below the root are searched for products.",
    )

    outputs_keep_versions = Int(
        0,
        config=True,
        help=(
            "How many versions of each output dataset to keep, pruning the oldest when a new "
            "one is saved; 0 (the default) keeps them all. A product overrides it in its "
            'product.json ("outputs": {"keep_versions": N}). Applies to the kernels and '
            "pipeline runs this server starts, through the NAAS_OUTPUTS_KEEP environment "
            "variable."
        ),
    )

    @validate("outputs_keep_versions")
    def _check_keep(self, proposal: dict[str, object]) -> object:
        value = proposal["value"]
        if not isinstance(value, int) or value < 0:
            raise TraitError("outputs_keep_versions must be 0 (keep all) or more")
        return value

    template_sources = List(
        Union([Unicode(), Dict()]),
        default_value=[],
        config=True,
        help=(
            "Where templates come from, besides the embedded default set: local folders and "
            "git repository URLs (cloned with `git clone --depth 1`). Each entry is a path or "
            "URL, or a dict with `url` (or `path`) and optional `name` (its folder in the "
            "templates folder), `ref` (git branch or tag) and `subdir` (a folder of the "
            "source). Relative folder paths are relative to the root."
        ),
    )
    templates_include_default = Bool(
        True,
        config=True,
        help="Include the template set shipped with naas_lab_ext (in the `default` folder).",
    )
    templates_folder = Unicode(
        DEFAULT_FOLDER,
        config=True,
        help=(
            "Name of the read-only templates folder at the top of the root. Only the sync "
            "writes into it; through Jupyter it is read-only."
        ),
    )
    templates_sync_interval = Float(
        3600.0,
        config=True,
        help="Seconds between two template syncs. 0 disables the periodic sync.",
    )
    templates_sync_at_start = Bool(
        True,
        config=True,
        help="Sync the templates when the server starts (in the background).",
    )
    templates_index_dir = Unicode(
        "",
        config=True,
        help=(
            "Folder of the template search index (an SQLite file per root; a cache that can "
            "be deleted). Empty (the default) means `<Jupyter data dir>/naas_lab_ext`. Keep it "
            "outside the root."
        ),
    )
    templates_git_timeout = Float(
        300.0,
        config=True,
        help="Seconds a `git clone` of a template source may take before it is stopped.",
    )

    @validate("templates_sync_interval", "templates_git_timeout")
    def _non_negative(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if value < 0:
            raise TraitError(f"{proposal['trait'].name} must be 0 or more seconds, not {value}")
        return value

    @validate("templates_folder")
    def _folder_name(self, proposal: Any) -> str:
        try:
            return check_folder_name(proposal["value"])
        except NaasError as exc:
            raise TraitError(exc.message) from None

    db_url = Unicode(
        config=True,
        help=(
            "SQLAlchemy URL of the run store, where every pipeline run and step is recorded "
            "(e.g. postgresql://user@host/naas for a team). Default: $NAAS_LAB_DB_URL, else a "
            "SQLite file in the Jupyter data dir. Kernels the server starts get it too, so "
            "runs started from notebooks land in the same store."
        ),
    )
    max_parallel_steps = Int(
        config=True,
        help="How many steps of one pipeline run may run at the same time (default: CPUs, 2-8).",
    )
    prestart_kernels = Int(
        2,
        config=True,
        help=(
            "Kernels started ahead, while earlier steps run, for the notebook steps coming next "
            "(each step still gets a fresh kernel of its own). 0 disables it."
        ),
    )
    keep_last_runs = Int(
        DEFAULT_KEEP_LAST,
        config=True,
        help=(
            "Executions (store record + executed notebooks) kept per pipeline; older ones are "
            "pruned after each run. 0 means no limit by count."
        ),
    )
    keep_runs_days = Float(
        0.0,
        config=True,
        help="Executions older than this many days are pruned after each run. 0: no age limit.",
    )
    describe_timeout = Float(
        60.0,
        config=True,
        help=(
            "Seconds a pipeline notebook may take to define its pipeline when the server reads "
            "its DAG (its cells before pipeline.run() execute, in a kernel of their own)."
        ),
    )
    kernel_start_timeout = Float(
        60.0, config=True, help="Seconds a step's kernel may take to start before the step fails."
    )
    heartbeat_interval = Float(
        5.0,
        config=True,
        help="Seconds between two heartbeats of a running run (they also pick up cancel requests).",
    )
    executor_class = Type(
        LocalKernelExecutor,
        klass=Executor,
        config=True,
        help="Runs notebook steps. The default starts a fresh local kernel per step.",
    )

    @default("db_url")
    def _db_url_default(self) -> str:
        return default_db_url()

    @default("max_parallel_steps")
    def _max_parallel_default(self) -> int:
        return default_max_parallel()

    @validate("max_parallel_steps")
    def _check_max_parallel(self, proposal: dict[str, int]) -> int:
        if proposal["value"] < 1:
            raise ValueError("NaasLabExtApp.max_parallel_steps must be >= 1")
        return proposal["value"]

    def run_options(self) -> RunOptions:
        """Options of the runs this server starts, from its traits."""
        return RunOptions(
            max_parallel=self.max_parallel_steps,
            prestart=max(0, self.prestart_kernels),
            heartbeat_interval=self.heartbeat_interval,
            start_timeout=self.kernel_start_timeout,
            retention=RetentionPolicy(
                keep_last=self.keep_last_runs or None, keep_days=self.keep_runs_days or None
            ),
        )

    @property
    def runs(self) -> RunService:
        """The pipelines and runs service (created when the extension loads)."""
        return self._runs

    @property
    def root(self) -> Path:
        """The server's root folder: every path of the API is relative to it."""
        assert self.serverapp is not None, "the extension is not loaded by a server"
        return Path(self.serverapp.root_dir).expanduser().resolve()

    _templates: TemplateLibrary | None = None
    _guard: TemplateGuard | None = None
    _sync_loop_task: asyncio.Task[None] | None = None
    _sync_task: asyncio.Task[dict[str, Any] | None] | None = None
    #: When the periodic sync runs next (a version string), for the sync status.
    next_sync_at: str | None = None

    @property
    def templates(self) -> TemplateLibrary:
        """The template library of the root (set up when the extension loads)."""
        if self._templates is None:
            raise RuntimeError("the naas_lab_ext extension is not initialised")
        return self._templates

    def template_index_path(self) -> Path:
        if self.templates_index_dir:
            folder = Path(self.templates_index_dir).expanduser().resolve()
        else:
            folder = Path(jupyter_data_dir()) / "naas_lab_ext"
        if is_inside(self.root, folder):
            self.log.warning(
                "NaasLabExtApp.templates_index_dir (%s) is inside the root: the file browser "
                "shows it; choose a folder outside the root.",
                folder,
            )
        return default_index_path(folder, self.root)

    def template_source_list(self) -> tuple[list[TemplateSource], list[str]]:
        """The configured sources, and the problems of entries that cannot be used."""
        sources = [TemplateSource.embedded()] if self.templates_include_default else []
        errors: list[str] = []
        for entry in self.template_sources:
            try:
                sources.append(TemplateSource.parse(entry, base=self.root))
            except NaasError as exc:
                errors.append(f"template_sources entry {entry!r} is ignored: {exc.message}")
                self.log.error("%s", errors[-1])
        return sources, errors

    def initialize_settings(self) -> None:
        self._exported_env: dict[str, str | None] = {}
        self.log.info("naas_lab_ext %s: products under %s", __version__, self.root)
        if self.outputs_keep_versions:
            # Kernels and pipeline steps inherit the server's environment: this is how the
            # setting reaches the notebooks' save().
            self._export_env(KEEP_VERSIONS_ENV, str(self.outputs_keep_versions))

        sources, errors = self.template_source_list()
        self._templates = TemplateLibrary(
            self.root,
            index_path=self.template_index_path(),
            sources=sources,
            folder=self.templates_folder,
            git_timeout=self.templates_git_timeout,
            config_errors=errors,
        )
        assert self.serverapp is not None
        contents_manager = getattr(self.serverapp, "contents_manager", None)
        if contents_manager is not None:
            self._guard = TemplateGuard(
                contents_manager,
                server_root=Path(self.serverapp.root_dir).expanduser().resolve(),
                templates_dir=self.templates.folder_path,
            )
            self._guard.install()
        self.log.info(
            "naas_lab_ext: templates in %s (read-only), %d source(s), index %s",
            self.templates.folder_path,
            len(sources),
            self.templates.index.db_path,
        )

        self.run_options()  # refuse a bad configuration now, not at the first run
        self._store = RunStore(self.db_url)
        interrupted = self._store.recover_interrupted()
        if interrupted:
            self.log.warning("Runs marked INTERRUPTED (their process is gone): %s", interrupted)
        self._runs = RunService(
            self.root,
            self._store,
            options=self.run_options,
            executor=self.executor_class,
            describe_timeout=self.describe_timeout,
        )
        # Kernels started by this server inherit it: notebook runs land in the same store.
        self._export_env(DB_URL_ENV, self.db_url)
        self.log.info("naas_lab_ext: runs recorded in %s", self._store.engine.url)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Called by the server once its event loop runs: start the periodic sync."""
        self.start_template_sync()

    def start_template_sync(self) -> None:
        """Start the background loop: a sync now (unless disabled), then every interval."""
        if self._sync_loop_task is None or self._sync_loop_task.done():
            self._sync_loop_task = asyncio.create_task(self._template_sync_loop())

    async def _template_sync_loop(self) -> None:
        first = True
        while True:
            if not first or self.templates_sync_at_start:
                await self.sync_templates()
            first = False
            if self.templates_sync_interval <= 0:
                self.next_sync_at = None
                return
            self.next_sync_at = to_version(
                utc_now() + timedelta(seconds=self.templates_sync_interval)
            )
            await asyncio.sleep(self.templates_sync_interval)

    async def _run_sync(self) -> dict[str, Any] | None:
        try:
            return await asyncio.to_thread(self.templates.sync)
        except Conflict as exc:
            self.log.info("Template sync skipped: %s", exc.message)
        except Exception:
            self.log.exception("Template sync failed (the previous templates are kept)")
        return None

    def sync_templates_soon(self) -> asyncio.Task[dict[str, Any] | None]:
        """Start a sync in the background unless one is under way; return its task."""
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.create_task(self._run_sync())
        return self._sync_task

    async def sync_templates(self) -> dict[str, Any] | None:
        """Sync now (or wait for the sync under way); the report, or None if it failed.

        The sync is shielded: a caller that is cancelled stops waiting, not the sync.
        """
        return await asyncio.shield(self.sync_templates_soon())

    @property
    def template_sync_running(self) -> bool:
        return self.templates.running or (
            self._sync_task is not None and not self._sync_task.done()
        )

    async def stop_extension(self) -> None:
        """Stop the template sync and the runs (marked INTERRUPTED), undo what was set up."""
        if self._templates is not None:
            self._templates.stop_event.set()
        tasks = [t for t in (self._sync_loop_task, self._sync_task) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A sync runs in a thread, which stops at its next check of stop_event.
        for _ in range(200):
            if self._templates is None or not self._templates.running:
                break
            await asyncio.sleep(0.05)
        if self._guard is not None:
            self._guard.uninstall()
        if self._templates is not None:
            self._templates.close()
        runs = getattr(self, "_runs", None)
        if runs is not None:
            await asyncio.to_thread(runs.shutdown)
            self._store.close()
        self._restore_env()

    def _export_env(self, name: str, value: str) -> None:
        """Set an environment variable the kernels this server starts inherit."""
        self._exported_env.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def _restore_env(self) -> None:
        """Put back what :meth:`_export_env` changed (the server may host other apps)."""
        exported = getattr(self, "_exported_env", {})
        for name, previous in exported.items():
            if previous is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = previous
        exported.clear()

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
