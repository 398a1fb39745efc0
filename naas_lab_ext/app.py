"""The jupyter_server extension: configuration (traitlets) and wiring."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Int, Type, Unicode, default, validate

from . import __version__
from .handlers import route_table
from .product.execution import Executor, LocalKernelExecutor
from .product.retention import DEFAULT_KEEP_LAST, RetentionPolicy
from .product.runner import RunOptions, default_max_parallel
from .product.runs import RunService
from .product.store import DB_URL_ENV, RunStore, default_db_url


class NaasLabExtApp(ExtensionApp):
    """Serves the naas_lab_ext REST API under ``/naas-lab-ext/``.

    Configure it like any Jupyter app, e.g. in ``jupyter_server_config.py``::

        c.NaasLabExtApp.git_init = False
    """

    name = "naas_lab_ext"
    description = __doc__ or ""
    load_other_extensions = True

    products_root = Unicode(
        "",
        config=True,
        help=(
            "Folder under which products are created and listed. Empty (the default) means the "
            "server's root_dir. Must be the root_dir or inside it."
        ),
    )
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
        """The folder every path of the API is relative to."""
        assert self.serverapp is not None, "the extension is not loaded by a server"
        server_root = Path(self.serverapp.root_dir).expanduser().resolve()
        if not self.products_root:
            return server_root
        root = Path(self.products_root).expanduser()
        root = (root if root.is_absolute() else server_root / root).resolve()
        if root != server_root and server_root not in root.parents:
            raise ValueError(
                f"NaasLabExtApp.products_root ({root}) must be inside the server root "
                f"({server_root})"
            )
        return root

    def initialize_settings(self) -> None:
        self.log.info("naas_lab_ext %s: products under %s", __version__, self.root)
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
        self._previous_db_env = os.environ.get(DB_URL_ENV)
        os.environ[DB_URL_ENV] = self.db_url
        self.log.info("naas_lab_ext: runs recorded in %s", self._store.engine.url)

    async def stop_extension(self) -> None:
        import asyncio

        runs = getattr(self, "_runs", None)
        if runs is not None:
            await asyncio.to_thread(runs.shutdown)
            self._store.close()
            if self._previous_db_env is None:
                os.environ.pop(DB_URL_ENV, None)
            else:
                os.environ[DB_URL_ENV] = self._previous_db_env

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())
