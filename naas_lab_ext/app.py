"""The jupyter_server extension: configuration (traitlets) and wiring.

The app is the one place that knows every capability: it builds each one's service once, from
its traits, into ``self.settings`` (where the handlers read it), and its routes are the sum of
each capability's ``routes()``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, TypeVar

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

from . import rest
from .core import env
from .core.errors import NaasError
from .core.version import __version__
from .database.engine import default_db_url
from .deploy import handlers as deploy_handlers
from .deploy.service import DeployService, default_deployments_dir
from .outputs import handlers as outputs_handlers
from .pipelines import handlers as pipelines_handlers
from .pipelines.executors.base import Executor
from .pipelines.executors.local import LocalKernelExecutor
from .pipelines.options import RunOptions, default_max_parallel
from .pipelines.retention import DEFAULT_KEEP_LAST, RetentionPolicy
from .pipelines.service import DEFAULT_MAX_ACTIVE, RunService
from .pipelines.store.repository import RunStore
from .products import handlers as products_handlers
from .products.catalog import ProductCatalog
from .scheduler import handlers as scheduler_handlers
from .scheduler.loop import Scheduler
from .scheduler.repository import ScheduleStore
from .scheduler.service import ScheduleService
from .scheduler.task import SchedulerTask
from .templates import handlers as templates_handlers
from .templates.guard import TemplateGuard
from .templates.library import DEFAULT_FOLDER, TemplateLibrary, check_folder_name, open_library
from .templates.periodic import PeriodicSync

T = TypeVar("T")


def routes() -> rest.Routes:
    """Every route of the API: the sum of each capability's (see ``openapi.yaml``)."""
    return [
        *rest.routes(),
        *products_handlers.routes(),
        *outputs_handlers.routes(),
        *templates_handlers.routes(),
        *pipelines_handlers.routes(),
        *scheduler_handlers.routes(),
        *deploy_handlers.routes(),
    ]


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
    max_active_runs = Int(
        DEFAULT_MAX_ACTIVE,
        config=True,
        help=(
            "Runs started by this server (from the UI, the REST API or the scheduler) that "
            "execute at the same time; the others wait, PENDING, for one to end."
        ),
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

    scheduler_enabled = Bool(
        True,
        config=True,
        help=(
            "Fire the products' schedules from this server (every schedule of the run store; "
            "other servers or `naas-lab scheduler` on the same store never fire a due time "
            "twice). False: this server only shows and manages them."
        ),
    )
    scheduler_poll_interval = Float(
        5.0,
        config=True,
        help=(
            "Seconds between two checks for schedules changed by another process (a CLI "
            "deploy...) and for queued firings whose previous run ended."
        ),
    )

    @validate("scheduler_poll_interval")
    def _check_poll(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not 0.1 <= value <= 60:
            raise TraitError(f"scheduler_poll_interval must be 0.1 to 60 seconds, not {value}")
        return value

    deployments_dir = Unicode(
        "",
        config=True,
        help=(
            "Where each deployment's production copy, virtual environment and kernelspec go. "
            "Empty (the default) means `<Jupyter data dir>/naas_lab_ext/deployments`. Keep it "
            "outside the root (or in a hidden folder): each copy holds a product.json. Give "
            "the same folder to `naas-lab deploy --deployments-dir` if you change it."
        ),
    )
    deploy_keep = Int(
        5,
        config=True,
        help=(
            "Deployments kept per product (their copies and environments; the active one is "
            "always kept). Older ones are deleted after each deploy and cannot be rolled back to."
        ),
    )
    deploy_test_timeout = Float(
        600.0,
        config=True,
        help="Seconds a product's tests (pytest and test notebooks) may take in a deploy.",
    )
    deploy_setup_timeout = Float(
        1800.0,
        config=True,
        help="Seconds a deploy's pip install, and its setup.ipynb, may each take.",
    )

    @validate("deploy_keep")
    def _check_deploy_keep(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError(f"deploy_keep must be 1 or more, not {value}")
        return value

    @validate("deploy_test_timeout", "deploy_setup_timeout")
    def _check_deploy_timeout(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if value <= 0:
            raise TraitError(f"{proposal['trait'].name} must be more than 0 seconds, not {value}")
        return value

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
    def root(self) -> Path:
        """The server's root folder: every path of the API is relative to it."""
        assert self.serverapp is not None, "the extension is not loaded by a server"
        return Path(self.serverapp.root_dir).expanduser().resolve()

    # The services, as the handlers find them in the settings.
    @property
    def products(self) -> ProductCatalog:
        return self._service(products_handlers.CATALOG, ProductCatalog)

    @property
    def template_sync(self) -> PeriodicSync:
        return self._service(templates_handlers.SYNC, PeriodicSync)

    @property
    def templates(self) -> TemplateLibrary:
        """The template library of the root (set up when the extension loads)."""
        return self.template_sync.library

    @property
    def runs(self) -> RunService:
        """The pipelines and runs service (created when the extension loads)."""
        return self._service(pipelines_handlers.RUNS, RunService)

    @property
    def schedules(self) -> ScheduleService:
        """The schedules service (its ``store`` is the :class:`ScheduleStore`)."""
        return self._service(scheduler_handlers.SCHEDULES, ScheduleService)

    @property
    def deploys(self) -> DeployService:
        """The deployments service (created when the extension loads)."""
        return self._service(deploy_handlers.DEPLOYS, DeployService)

    def _service(self, key: str, kind: type[T]) -> T:
        value = self.settings.get(key)
        if not isinstance(value, kind):
            raise RuntimeError("the naas_lab_ext extension is not initialised")
        return value

    _guard: TemplateGuard | None = None

    def initialize_settings(self) -> None:
        self.exports = env.Exports()
        root = self.root
        self.log.info("naas_lab_ext %s: products under %s", __version__, root)
        if self.outputs_keep_versions:
            # Kernels and pipeline steps inherit the server's environment: this is how the
            # setting reaches the notebooks' save().
            self.exports.set(env.OUTPUTS_KEEP, str(self.outputs_keep_versions))
        self.settings[rest.ROOT] = root
        self.settings[products_handlers.CATALOG] = ProductCatalog(
            root,
            framework_version=__version__,
            max_depth=self.products_max_depth,
            git=self.git_init,
            reserved={self.templates_folder},
        )
        self._init_templates(root)
        self._init_runs(root)
        self._init_scheduler(root)
        self._init_deploy(root)

    def _init_templates(self, root: Path) -> None:
        library = open_library(
            root,
            sources=self.template_sources,
            include_default=self.templates_include_default,
            folder=self.templates_folder,
            index_dir=self.templates_index_dir,
            git_timeout=self.templates_git_timeout,
            warn=self.log.warning,
        )
        self.settings[templates_handlers.SYNC] = PeriodicSync(
            library, interval=self.templates_sync_interval, at_start=self.templates_sync_at_start
        )
        assert self.serverapp is not None
        contents_manager = getattr(self.serverapp, "contents_manager", None)
        if contents_manager is not None:
            self._guard = TemplateGuard(
                contents_manager,
                server_root=root,
                templates_dir=library.folder_path,
                refuse=rest.http_error,
            )
            self._guard.install()
        self.log.info(
            "naas_lab_ext: templates in %s (read-only), %d source(s), index %s",
            library.folder_path,
            len(library.sources),
            library.index.db_path,
        )

    def _init_runs(self, root: Path) -> None:
        self.run_options()  # refuse a bad configuration now, not at the first run
        store = RunStore(self.db_url)
        interrupted = store.recover_interrupted()
        if interrupted:
            self.log.warning("Runs marked INTERRUPTED (their process is gone): %s", interrupted)
        self.settings[pipelines_handlers.RUNS] = RunService(
            root,
            store,
            options=self.run_options,
            executor=self.executor_class,
            describe_timeout=self.describe_timeout,
            max_active=self.max_active_runs,
        )
        # Kernels started by this server inherit it: notebook runs land in the same store.
        self.exports.set(env.DB_URL, self.db_url)
        self.log.info("naas_lab_ext: runs recorded in %s", store.engine.url)

    def _init_scheduler(self, root: Path) -> None:
        store = ScheduleStore(self.runs.store)
        task = None
        if self.scheduler_enabled:
            scheduler = Scheduler(store, self.runs, poll_interval=self.scheduler_poll_interval)
            task = SchedulerTask(scheduler)
        self.settings[scheduler_handlers.SCHEDULER] = task
        self.settings[scheduler_handlers.SCHEDULES] = ScheduleService(
            root, store, self.runs, on_change=task.scheduler.wake if task else None
        )

    def _init_deploy(self, root: Path) -> None:
        task = self.settings.get(scheduler_handlers.SCHEDULER)
        deploys = DeployService(
            root,
            self.runs,
            self.schedules.store,
            deployments_dir=Path(self.deployments_dir or default_deployments_dir()),
            keep=self.deploy_keep,
            test_timeout=self.deploy_test_timeout,
            setup_timeout=self.deploy_setup_timeout,
            on_change=task.scheduler.wake if isinstance(task, SchedulerTask) else None,
        )
        failed = deploys.recover_interrupted()
        if failed:
            self.log.warning("Deployments marked FAILED (their process is gone): %s", failed)
        self.settings[deploy_handlers.DEPLOYS] = deploys
        self.log.info("naas_lab_ext: deployments in %s", deploys.deployments_dir)

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Called by the server once its event loop runs: start the periodic sync and the
        scheduler."""
        self.template_sync.start()
        task = self.settings.get(scheduler_handlers.SCHEDULER)
        if isinstance(task, SchedulerTask):
            task.start()

    async def stop_extension(self) -> None:
        """Stop the scheduler, the template sync and the runs (marked INTERRUPTED), undo what
        was set up."""
        task = self.settings.get(scheduler_handlers.SCHEDULER)
        if isinstance(task, SchedulerTask):
            await task.stop()  # first: no run may start while the runs are stopped
        deploys = self.settings.get(deploy_handlers.DEPLOYS)
        if isinstance(deploys, DeployService):
            await asyncio.to_thread(deploys.shutdown)  # they end FAILED, nothing half-applied
        sync = self.settings.get(templates_handlers.SYNC)
        if isinstance(sync, PeriodicSync):
            await sync.stop()
        if self._guard is not None:
            self._guard.uninstall()
        if isinstance(sync, PeriodicSync):
            sync.library.close()
        runs = self.settings.get(pipelines_handlers.RUNS)
        if isinstance(runs, RunService):
            await asyncio.to_thread(runs.shutdown)
            runs.store.close()
        exports = getattr(self, "exports", None)
        if exports is not None:
            exports.restore()
