"""The jupyter_server extension: configuration (traitlets) and wiring.

The app is the one place that knows every capability: it builds each one's service once, from
its traits, into ``self.settings`` (where the handlers read it), and its routes are the sum of
each capability's ``routes()``.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from jupyter_server.extension.application import ExtensionApp
from traitlets import (
    Bool,
    Dict,
    Enum,
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

from . import leftovers, rest
from .core import env
from .core.errors import NaasError, StoreUnavailable
from .core.housekeeping import Housekeeping
from .core.version import __version__
from .database.engine import default_db_url
from .database.health import StoreHealth
from .deploy import handlers as deploy_handlers
from .deploy.service import DeployService, default_deployments_dir
from .events import handlers as events_handlers
from .events.emitter import SCHEMA_ID, SCHEMA_PATH, EventsTask
from .events.service import EventService
from .events.store import EventStore
from .notifications import handlers as notifications_handlers
from .notifications.config import NotificationTraits
from .notifications.dispatcher import Dispatcher
from .notifications.service import NotificationService
from .outputs import handlers as outputs_handlers
from .pipelines import handlers as pipelines_handlers
from .pipelines.executors.base import Executor
from .pipelines.executors.choice import EXECUTORS, ExecutorFactory, executor_factory
from .pipelines.executors.local import LocalKernelExecutor
from .pipelines.executors.pool import KernelPool
from .pipelines.options import RunOptions, default_max_parallel
from .pipelines.retention import DEFAULT_KEEP_LAST, RetentionPolicy
from .pipelines.service import DEFAULT_MAX_ACTIVE, RunService
from .pipelines.store.repository import RunStore
from .products import handlers as products_handlers
from .products.catalog import ProductCatalog
from .scheduler import handlers as scheduler_handlers
from .scheduler.kernels import keep_schedule_kernels_warm
from .scheduler.loop import Scheduler
from .scheduler.repository import ScheduleStore
from .scheduler.service import ScheduleService
from .scheduler.task import SchedulerTask
from .secrets import handlers as secrets_handlers
from .secrets.location import BACKENDS, SecretsConfig
from .secrets.service import SecretService
from .secrets.vault import open_vault
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
        *events_handlers.routes(),
        *notifications_handlers.routes(),
        *secrets_handlers.routes(),
    ]


#: Waiting kernels per kernelspec when neither the trait nor $NAAS_KERNEL_POOL_SIZE says.
DEFAULT_KERNEL_POOL = 2


class NaasLabExtApp(NotificationTraits, ExtensionApp):
    """Serves the naas_lab_ext REST API under ``/naas-lab-ext/``.

    The notification options (``smtp_host``...) are inherited from
    :class:`~naas_lab_ext.notifications.config.NotificationTraits`.

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
    kernel_pool_size = Int(
        config=True,
        help=(
            "Kernels of each kernelspec the server keeps started and waiting, so the runs it "
            "starts (UI, REST, scheduler) do not wait for their first kernels; each serves one "
            "step only. The kernelspecs of active schedules (a deployment's own) get theirs "
            "too. Default: $NAAS_KERNEL_POOL_SIZE, else 2. 0 turns the pool off."
        ),
    )
    kernel_fork = Bool(
        config=True,
        help=(
            "Start plain ipykernel kernels by forking a template process that imported "
            "ipykernel once per interpreter (tens of milliseconds instead of about half a "
            "second of CPU); each kernel is still a fresh process used for one step. "
            "Default: False when $NAAS_KERNEL_FORK is 0, else True."
        ),
    )
    kernel_pool_idle_timeout = Float(
        600.0,
        config=True,
        help=(
            "Seconds a pooled kernel may wait; then it is shut down, and started again when a "
            "run next asks for its kernelspec."
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
    executor = Enum(
        list(EXECUTORS),
        default_value="local",
        config=True,
        help=(
            "Where pipeline steps run (the server's runs, scheduled ones included): 'local' (a "
            "fresh kernel per step on this machine) or 'dask' (each step a task on a Dask "
            'cluster; needs pip install "naas_lab_ext[dask]"). A custom executor_class wins.'
        ),
    )
    dask_address = Unicode(
        "",
        config=True,
        help=(
            "With executor 'dask': the scheduler's address (tcp://host:8786). Empty: a "
            "LocalCluster of dask_workers processes, started at the first run, for the "
            "server's lifetime."
        ),
    )
    dask_workers = Int(
        2,
        config=True,
        help="With executor 'dask' and no dask_address: the LocalCluster's worker processes.",
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

    events_keep_days = Float(
        90.0,
        config=True,
        help=(
            "Days the events log (runs, deploys, schedules, template syncs, notifications: the "
            "Manager's Events) keeps an event; older ones are pruned when the server starts "
            "and then daily. 0 keeps them all."
        ),
    )

    @validate("events_keep_days")
    def _check_events_keep(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if value < 0:
            raise TraitError(f"events_keep_days must be 0 (keep all) or more, not {value}")
        return value

    secrets_backend = Enum(
        BACKENDS,
        config=True,
        help=(
            "Where secrets (naas_data_product.secret, the Manager's Secrets tab, `naas-lab "
            "secrets`) are kept: 'keyring' (the OS keyring), 'file' (a Fernet-encrypted file "
            "in the Jupyter data dir, 0600, its key in the Jupyter config dir or "
            "$NAAS_SECRETS_KEY) or 'auto' (the keyring when a real one exists, else the "
            "file). Default: $NAAS_SECRETS_BACKEND, else 'auto'. The server exports its "
            "choice to its kernels, so runs read the same secrets."
        ),
    )

    @default("secrets_backend")
    def _secrets_backend_default(self) -> str:
        text = os.environ.get(env.SECRETS_BACKEND, "").strip().lower()
        return text if text in BACKENDS else "auto"

    @default("db_url")
    def _db_url_default(self) -> str:
        return default_db_url()

    @default("kernel_pool_size")
    def _kernel_pool_default(self) -> int:
        value = os.environ.get(env.KERNEL_POOL_SIZE, "").strip()
        return int(value) if value.isdigit() else DEFAULT_KERNEL_POOL

    @default("kernel_fork")
    def _kernel_fork_default(self) -> bool:
        return env.kernel_fork_requested()

    @default("max_parallel_steps")
    def _max_parallel_default(self) -> int:
        return default_max_parallel()

    @validate("max_parallel_steps")
    def _check_max_parallel(self, proposal: dict[str, int]) -> int:
        if proposal["value"] < 1:
            raise ValueError("NaasLabExtApp.max_parallel_steps must be >= 1")
        return proposal["value"]

    def _executor_factory(self) -> Callable[[], Executor]:
        """What gives each run its executor: executor_class if customized, else by name."""
        if self.executor_class is not LocalKernelExecutor:
            return self.executor_class
        if self.executor == "local" and self.kernel_pool_size > 0:
            self._pool = KernelPool(
                self.kernel_pool_size,
                idle_timeout=self.kernel_pool_idle_timeout,
                start_timeout=self.kernel_start_timeout,
            )
            self._pool.start()  # the default kernelspec's kernels start waiting (threads)
        try:
            self._executors = executor_factory(
                self.executor,
                dask_address=self.dask_address,
                dask_workers=self.dask_workers,
                pool=self._pool,
            )
        except NaasError as exc:
            self.log.error("naas_lab_ext: executor %r: %s", self.executor, exc.message)
            error = exc

            def refuse() -> Executor:
                raise error

            return refuse
        return self._executors

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
    def secrets(self) -> SecretService:
        """The secrets service (its ``vault`` is the :class:`~.secrets.vault.Vault`)."""
        return self._service(secrets_handlers.SECRETS, SecretService)

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
    _housekeeping: Housekeeping | None = None
    _executors: ExecutorFactory | None = None
    _pool: KernelPool | None = None

    def initialize_settings(self) -> None:
        self.exports = env.Exports()
        root = self.root
        self.log.info("naas_lab_ext %s: products under %s", __version__, root)
        if self.outputs_keep_versions:
            # Kernels and pipeline steps inherit the server's environment: this is how the
            # setting reaches the notebooks' save().
            self.exports.set(env.OUTPUTS_KEEP, str(self.outputs_keep_versions))
        # Read where kernels start (pipelines.executors.forking), in this process and in the
        # CLI's and scheduler's it starts.
        self.exports.set(env.KERNEL_FORK, "1" if self.kernel_fork else "0")
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
        self._init_secrets(root)
        self._init_scheduler(root)
        self._init_deploy(root)
        self._init_events(root)
        self._init_notifications(root)
        # What killed processes left (temporary files, kernels' folders): at start, then
        # every half hour.
        self._housekeeping = Housekeeping(
            leftovers.cleaners(root, self.products, secrets=self._secrets_config),
            interval=leftovers.INTERVAL,
        )

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

    #: Why the store could not be opened: the server then runs without it (runs, schedules,
    #: deployments, events answer 503 saying what to do; products and templates work).
    _store_error: StoreUnavailable | None = None

    def _init_runs(self, root: Path) -> None:
        self.run_options()  # refuse a bad configuration now, not at the first run
        try:
            store = RunStore(self.db_url)
        except NaasError as exc:
            self._without_store(exc)
            return
        self.settings[rest.STORE] = StoreHealth(store.db)
        if store.db.created:
            self.log.warning("naas_lab_ext: %s", store.db.created_message())
        self._events_from = EventStore(store.db).last_id()  # recovery below is news too
        interrupted = store.recover_interrupted()
        if interrupted:
            self.log.warning("Runs marked INTERRUPTED (their process is gone): %s", interrupted)
        self.settings[pipelines_handlers.RUNS] = RunService(
            root,
            store,
            options=self.run_options,
            executor=self._executor_factory(),
            describe_timeout=self.describe_timeout,
            max_active=self.max_active_runs,
            read_only=(self.templates_folder,),
        )
        # Kernels started by this server inherit it: notebook runs land in the same store.
        self.exports.set(env.DB_URL, self.db_url)
        self.log.info("naas_lab_ext: runs recorded in %s", store.engine.url)

    def _without_store(self, exc: NaasError) -> None:
        """The store cannot be opened: what needs it answers its error (503), the rest runs."""
        error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(exc.message)
        error.field = error.field or "db_url"
        self._store_error = error
        self.settings[rest.STORE] = StoreHealth(None, error, url=self.db_url)
        unavailable = rest.Unavailable(error)
        for key in (
            pipelines_handlers.RUNS,
            scheduler_handlers.SCHEDULES,
            deploy_handlers.DEPLOYS,
            events_handlers.EVENTS,
        ):
            self.settings[key] = unavailable
        self.log.error(
            "naas_lab_ext: %s Until then runs, schedules, deployments and events are "
            "unavailable (503); products and templates work.",
            error.message,
        )

    def _init_scheduler(self, root: Path) -> None:
        if self._store_error is not None:
            return
        store = ScheduleStore(self.runs.store)
        task = None
        if self.scheduler_enabled:
            scheduler = Scheduler(
                store,
                self.runs,
                poll_interval=self.scheduler_poll_interval,
                on_schedules=functools.partial(keep_schedule_kernels_warm, pool=self._pool),
            )
            task = SchedulerTask(scheduler)
        self.settings[scheduler_handlers.SCHEDULER] = task
        self.settings[scheduler_handlers.SCHEDULES] = ScheduleService(
            root, store, self.runs, on_change=task.scheduler.wake if task else None
        )

    def _init_deploy(self, root: Path) -> None:
        if self._store_error is not None:
            return
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
            secrets=self.secrets.vault,
        )
        failed = deploys.recover_interrupted()
        if failed:
            self.log.warning("Deployments marked FAILED (their process is gone): %s", failed)
        self.settings[deploy_handlers.DEPLOYS] = deploys
        self.runs.production_of = deploys.production  # re-run a production run
        self.log.info("naas_lab_ext: deployments in %s", deploys.deployments_dir)

    def _init_notifications(self, root: Path) -> None:
        try:
            settings = self.notification_settings()
        except NaasError as exc:
            raise TraitError(exc.message) from None
        # Kernels inherit them: notify() and notification.send() mail from the notebooks.
        for name, value in settings.exports().items():
            self.exports.set(name, value)
        self.settings[notifications_handlers.NOTIFICATIONS] = NotificationService(settings)
        if self._store_error is not None:
            return  # nothing to tell of without the events
        dispatcher = Dispatcher(self.runs.store, settings, root=root)
        # From the newest event before this start's recovery: the runs it found interrupted
        # (their server died) get their failure notice; nothing older is sent.
        dispatcher.cursor = self._events_from
        self.settings[notifications_handlers.DISPATCHER] = dispatcher
        self.log.info("naas_lab_ext: notifications: %s", settings.summary())

    _secrets_config: SecretsConfig | None = None

    def _init_secrets(self, root: Path) -> None:
        """The vault, refused where Jupyter would serve it; its place exported to kernels."""
        assert self.serverapp is not None
        contents_manager = getattr(self.serverapp, "contents_manager", None)
        try:
            config = SecretsConfig.from_env(backend=self.secrets_backend)
            vault = open_vault(
                config,
                root=root,
                allow_hidden=bool(getattr(contents_manager, "allow_hidden", False)),
            )
        except NaasError as exc:
            raise TraitError(exc.message) from None
        self._secrets_config = config
        # Kernels, pipeline steps and the scheduler read the same vault (never a key or value).
        for name, value in config.exports(vault.backend_name).items():
            self.exports.set(name, value)
        self.settings[secrets_handlers.SECRETS] = SecretService(
            root, vault, events=None if self._store_error else EventStore(self.runs.store.db)
        )
        where = (
            f"the OS keyring, index in {config.folder}"
            if vault.backend_name == "keyring"
            else f"an encrypted file in {config.folder}, key {config.key_file}"
        )
        self.log.info("naas_lab_ext: secrets in %s", where)

    _events_from: int | None = None

    def _init_events(self, root: Path) -> None:
        """The events log (GET events), its stream through jupyter_events (other extensions
        listen to SCHEMA_ID), the template syncs recorded in it, the daily prune."""
        if self._store_error is not None:
            return
        store = EventStore(self.runs.store.db)
        self.settings[events_handlers.EVENTS] = EventService(root, store)
        self.templates.events = store
        assert self.serverapp is not None
        logger = self.serverapp.event_logger
        assert logger is not None, "jupyter_server makes its event logger before extensions"
        if SCHEMA_ID not in logger.schemas.schema_ids:
            logger.register_event_schema(SCHEMA_PATH)
        self.settings[events_handlers.EMITTER] = EventsTask(
            store,
            lambda data: logger.emit(schema_id=SCHEMA_ID, data=data),
            root=root,
            keep_days=self.events_keep_days,
            after=self._events_from,
        )

    @property
    def events(self) -> EventService:
        """The events log of the products under the root (created when the extension loads)."""
        return self._service(events_handlers.EVENTS, EventService)

    def initialize_handlers(self) -> None:
        # The catch-all last: a path no route matches answers a JSON 404, not Jupyter's page.
        self.handlers.extend([*routes(), *rest.fallback_routes()])

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Called by the server once its event loop runs: start the periodic sync and the
        scheduler."""
        self.template_sync.start()
        task = self.settings.get(scheduler_handlers.SCHEDULER)
        if isinstance(task, SchedulerTask):
            task.start()
        emitter = self.settings.get(events_handlers.EMITTER)
        if isinstance(emitter, EventsTask):
            emitter.start()  # and prunes old events, now and daily
        dispatcher = self.settings.get(notifications_handlers.DISPATCHER)
        if isinstance(dispatcher, Dispatcher):
            dispatcher.start()  # from the newest event: no flood of old news
        if self._housekeeping is not None:
            self._housekeeping.start()

    async def stop_extension(self) -> None:
        """Stop the scheduler, the template sync and the runs (marked INTERRUPTED), undo what
        was set up."""
        task = self.settings.get(scheduler_handlers.SCHEDULER)
        if isinstance(task, SchedulerTask):
            await task.stop()  # first: no run may start while the runs are stopped
        if self._housekeeping is not None:
            await asyncio.to_thread(self._housekeeping.stop)
        emitter = self.settings.get(events_handlers.EMITTER)
        if isinstance(emitter, EventsTask):
            await emitter.stop()
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
        if self._executors is not None:
            await asyncio.to_thread(self._executors.close)  # a Dask client, its LocalCluster
        dispatcher = self.settings.get(notifications_handlers.DISPATCHER)
        if isinstance(dispatcher, Dispatcher):
            # After the runs: those stopped above (INTERRUPTED) are still told of.
            await asyncio.to_thread(dispatcher.stop, 10.0)
        if isinstance(runs, RunService):
            runs.store.close()
        exports = getattr(self, "exports", None)
        if exports is not None:
            exports.restore()
