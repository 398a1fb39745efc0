"""Pipelines and runs as the server and the CLI see them: by notebook path, under a root.

:class:`RunService` lists a product's pipeline notebooks with their DAG and parameters form,
starts runs (in the background for the REST API, in the foreground for the CLI), cancels
them (here or in another process, through the store), and lists them.

Paths: the API names a pipeline by its notebook path relative to the Jupyter root. Its
product root is the product folder (with product.json) that holds the notebook, else the
notebook's folder; the notebook's own ``Pipeline(root=...)`` may name another folder, which
must be inside the Jupyter root too.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.clock import utc_now
from ..core.errors import Conflict, InvalidInput, NaasError, NotFound
from ..core.notify import validate_notify
from ..core.paths import (
    TEMPLATES_FOLDER,
    is_inside,
    refuse_read_only,
    resolve_inside,
    to_api_path,
)
from ..products.manifest import MANIFEST_NAME, find_product_root
from .background import BackgroundRuns, Ticket
from .describe import (
    describe_notebook,
    find_pipeline_notebooks,
    is_pipeline_notebook,
    pipeline_from_spec,
)
from .executors.base import Executor
from .executors.local import LocalKernelExecutor
from .graph import PipelineError, slug_name
from .options import ProgressCallback, RunOptions, check_parameters, new_run_id
from .parameters import parameters_form
from .plan import Plan, build_plan
from .production import Production, ProductionRequest
from .results import RunResult, RunStatus
from .runner import PipelineRun
from .store.query import RunPage, RunQuery, parse_time
from .store.repository import RunStore

log = logging.getLogger(__name__)

CACHE_SIZE = 128
#: Pipeline notebooks read at once (each may start a kernel) when a product's are listed.
DESCRIBE_PARALLEL = 3
DEFAULT_MAX_ACTIVE = 8


@dataclass
class PipelineInfo:
    """A pipeline notebook and what it defines (or why it cannot be read)."""

    path: str
    """The notebook, relative to the Jupyter root."""
    product: str | None
    """The product root, relative to the Jupyter root."""
    name: str | None = None
    dag: dict[str, Any] | None = None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "product": self.product,
            "name": self.name,
            "dag": self.dag,
            "parameters": self.parameters,
            "error": self.error,
        }


class RunService:
    """The pipelines under ``root`` and their runs, recorded in ``store``."""

    def __init__(
        self,
        root: Path,
        store: RunStore,
        *,
        options: Callable[[], RunOptions] = RunOptions,
        executor: Callable[[], Executor] = LocalKernelExecutor,
        describe_timeout: float = 60.0,
        max_active: int = DEFAULT_MAX_ACTIVE,
        read_only: Iterable[str] = (TEMPLATES_FOLDER,),
    ) -> None:
        self.root = Path(root).resolve()
        self.store = store
        #: Top-level folders of the root no run may write into (the templates folder).
        self.read_only = tuple(read_only)
        self._options = options
        self._executor = executor
        self.describe_timeout = describe_timeout
        #: Runs past ``max_active`` wait, PENDING, for one to end: a thousand runs due at once
        #: must not start a thousand kernels (nor fight the scheduler for the store).
        self._background = BackgroundRuns(self._execute, self._end_waiting, max_active=max_active)
        self._cache: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        #: The production (frozen copy, kernel, environment) of a deployment id, to run a
        #: production run again (:meth:`rerun`). The app wires the deploy service's, which
        #: raises :class:`Conflict` when the copy was pruned; None: this process cannot.
        self.production_of: Callable[[str], Production] | None = None

    # -- pipelines ----------------------------------------------------------------------------

    def notebook(self, path: str) -> Path:
        """The pipeline notebook at API ``path`` (checked to be a notebook under the root)."""
        if not isinstance(path, str) or not path.strip():
            raise InvalidInput(
                "Give the pipeline notebook's path, e.g. 'sales/models/__pipeline__.ipynb'.",
                field="pipeline",
            )
        notebook = resolve_inside(self.root, path, field="pipeline", must_exist=True)
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise InvalidInput(f"'{path}' is not a notebook (.ipynb file).", field="pipeline")
        return notebook

    def product_root(self, notebook: Path) -> Path:
        return find_product_root(notebook.parent, within=self.root) or notebook.parent

    def _api(self, path: Path) -> str:
        return to_api_path(self.root, path)

    def describe(
        self,
        notebook: Path,
        parameters: dict[str, Any] | None = None,
        cancel: threading.Event | None = None,
        production: Production | None = None,
    ) -> dict[str, Any]:
        """The DAG a notebook defines (cached by content when no parameters are given).

        Only a notebook that creates a ``Pipeline(...)`` is read: reading executes its cells,
        and an ordinary notebook must not run because someone asked for its DAG.
        """
        if not is_pipeline_notebook(notebook):
            raise InvalidInput(
                f"'{notebook.name}' is not a pipeline notebook: none of its code cells creates a "
                "Pipeline(). Open or run the notebook that defines the pipeline (e.g. "
                "models/__pipeline__.ipynb).",
                field="pipeline",
            )
        key = (str(notebook), self._version(notebook))
        if not parameters:
            with self._lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    return self._cache[key]
        spec = describe_notebook(
            notebook,
            parameters=parameters,
            timeout=self.describe_timeout,
            cancel=cancel,
            production=production,
        )
        if not parameters:
            with self._lock:
                self._cache[key] = spec
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return spec

    def _version(self, notebook: Path) -> str:
        """What a notebook's DAG depends on: its content and its product's utils (which run
        when the notebook imports naas_data_product). A file saved again unchanged keeps it."""
        try:
            digest = hashlib.sha256(notebook.read_bytes())
            product = find_product_root(notebook.parent)
            utils = product / "utils" if product is not None else None
            if utils is not None and utils.is_dir():
                for path in sorted(utils.rglob("*")):
                    if path.suffix in {".py", ".ipynb"} and path.is_file():
                        digest.update(b"\0" + path.relative_to(utils).as_posix().encode() + b"\0")
                        digest.update(path.read_bytes())
        except OSError as exc:
            raise InvalidInput(
                f"'{notebook.name}' cannot be read ({exc.strerror or exc}).", field="pipeline"
            ) from None
        return digest.hexdigest()

    def plan(self, spec: dict[str, Any], production: Production | None = None) -> Plan:
        """Rebuild and validate, on this side, the pipeline a notebook described (inside the
        Jupyter root; or, for a production run, inside the deployment's frozen copy)."""
        root = Path(spec["root"]).resolve()
        if production is not None:
            if not is_inside(production.copy_root, root):
                raise InvalidInput(
                    f"The pipeline's root folder ({root}) is outside the deployment's copy: "
                    "leave Pipeline(root=...) out of production pipelines.",
                    field="pipeline",
                )
        elif not is_inside(self.root, root):
            raise InvalidInput(
                f"The pipeline's root folder ({root}) is outside the Jupyter root: give "
                "Pipeline(root=...) a folder inside it, or leave it out.",
                field="pipeline",
            )
        return build_plan(pipeline_from_spec(spec, root=root), root)

    def pipeline_info(self, notebook: Path) -> PipelineInfo:
        info = PipelineInfo(
            path=self._api(notebook), product=self._api(self.product_root(notebook))
        )
        try:
            plan = self.plan(self.describe(notebook))
        except PipelineError as exc:
            info.error = {"message": exc.message, "step": exc.step}
            return info
        except NaasError as exc:
            info.error = {"message": exc.message, "step": None}
            return info
        spec = plan.to_spec()
        spec["root"] = self._api(plan.root)
        info.name, info.dag, info.product = plan.pipeline, spec, spec["root"]
        info.parameters = [p.to_json() for p in parameters_form(plan, notebook)]
        return info

    def get_pipeline(self, path: str) -> PipelineInfo:
        return self.pipeline_info(self.notebook(path))

    def list_pipelines(self, product: str) -> list[PipelineInfo]:
        """The pipeline notebooks of the product at API path ``product``."""
        folder = resolve_inside(self.root, product or "", field="product", must_exist=True)
        if not (folder / MANIFEST_NAME).is_file():
            raise NotFound(
                f"'{product}' is not a data product (no {MANIFEST_NAME}).", field="product"
            )
        notebooks = find_pipeline_notebooks(folder)
        if len(notebooks) < 2:
            return [self.pipeline_info(nb) for nb in notebooks]
        # Most are read without a kernel at once; those that need one start theirs together.
        with ThreadPoolExecutor(
            max_workers=min(DESCRIBE_PARALLEL, len(notebooks)), thread_name_prefix="naas-describe"
        ) as pool:
            return list(pool.map(self.pipeline_info, notebooks))

    # -- runs ---------------------------------------------------------------------------------

    def _relative_definition(self, notebook: Path, root: Path) -> str | None:
        try:
            return notebook.relative_to(root).as_posix()
        except ValueError:
            return None

    def start(
        self, path: str, parameters: Any = None, *, source: str = "api", notify: Any = None
    ) -> RunResult:
        """Record a run and execute it in the background; return it at once (PENDING).
        ``notify``: who is told of it (the Notify JSON, checked here)."""
        parameters, notify = check_parameters(parameters), validate_notify(notify)
        notebook = self.notebook(path)
        product_root = self.product_root(notebook)
        # Its executed copies go to the product's outputs: never into the templates folder,
        # even through a symbolic link.
        refuse_read_only(self.root, product_root, self.read_only, field="pipeline", spelled=path)
        product_root = product_root.resolve()
        return self._start(
            notebook,
            parameters,
            source=source,
            product_root=product_root,
            pipeline_path=self._relative_definition(notebook, product_root),
            notify=notify,
        )

    def start_production(
        self,
        production: Production,
        pipeline: str,
        parameters: Any = None,
        *,
        source: str = "scheduler",
    ) -> RunResult:
        """Record a run of a deployment's pipeline and execute it in the background; return
        it at once (PENDING). ``pipeline`` is the notebook's path in the product (e.g.
        ``models/__pipeline__.ipynb``): the frozen copy's notebook runs."""
        request = ProductionRequest(production, pipeline, parameters)
        [started] = self.start_productions([request], source=source)
        if isinstance(started, NaasError):
            raise started
        return started

    def start_productions(
        self, requests: Sequence[ProductionRequest], *, source: str = "scheduler"
    ) -> list[RunResult | NaasError]:
        """Start several production runs at once (a scheduler fires many schedules in the
        same second): one transaction records them all. Each item is the run (PENDING), or
        the error that kept that one from starting."""
        answers: list[RunResult | NaasError] = []
        ready: list[tuple[int, RunResult, Path, Production]] = []
        for request in requests:
            try:
                notebook = self._production_notebook(request)
                run = self._new_run(
                    notebook,
                    check_parameters(request.parameters),
                    source=source,
                    product_root=request.production.product_root,
                    pipeline_path=self._relative_definition(notebook, request.production.copy_root),
                    production=request.production,
                )
            except NaasError as exc:
                answers.append(exc)
                continue
            ready.append((len(answers), run, notebook, request.production))
            answers.append(run)
        self.store.create_runs([run for _, run, _, _ in ready])
        for index, run, notebook, production in ready:
            answers[index] = self._launch(run, notebook, production)
        return answers

    @staticmethod
    def _production_notebook(request: ProductionRequest) -> Path:
        copy = request.production.copy_root
        notebook = resolve_inside(copy, request.pipeline, field="pipeline", must_exist=True)
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise InvalidInput(
                f"'{request.pipeline}' is not a notebook (.ipynb file).", field="pipeline"
            )
        return notebook

    def _start(
        self,
        notebook: Path,
        parameters: dict[str, Any],
        *,
        source: str,
        product_root: Path,
        pipeline_path: str | None,
        notify: dict[str, Any] | None = None,
    ) -> RunResult:
        run = self._new_run(
            notebook,
            parameters,
            source=source,
            product_root=product_root,
            pipeline_path=pipeline_path,
            production=None,
        )
        run.notify = notify
        self.store.create_run(run)
        return self._launch(run, notebook, None)

    @staticmethod
    def _new_run(
        notebook: Path,
        parameters: dict[str, Any],
        *,
        source: str,
        product_root: Path,
        pipeline_path: str | None,
        production: Production | None,
    ) -> RunResult:
        now = utc_now()
        return RunResult(
            run_id=new_run_id(now),
            pipeline=slug_name(notebook.stem),
            status=RunStatus.PENDING,
            product_root=product_root,
            created_at=now,
            parameters=parameters,
            source=source,
            pipeline_path=pipeline_path,
            deployment_id=production.deployment_id if production else None,
        )

    def _launch(self, run: RunResult, notebook: Path, production: Production | None) -> RunResult:
        """Execute a recorded run in the background; return it as recorded."""
        answer = replace(run)  # the worker goes on with its own copy
        self._background.submit(Ticket(run, notebook, dict(run.parameters), production))
        return answer

    def _execute(self, ticket: Ticket) -> None:
        run, notebook, production = ticket.run, ticket.notebook, ticket.production
        try:
            if ticket.cancel.is_set():
                raise InvalidInput("Cancelled before any step started.")
            spec = self.describe(
                notebook, ticket.parameters, cancel=ticket.cancel, production=production
            )
            plan = self.plan(spec, production)
            ticket.pipeline_run = PipelineRun(
                plan,
                store=self.store,
                run_id=run.run_id,
                parameters=ticket.parameters,
                options=self._options(),
                executor=self._executor(),
                cancel=ticket.cancel,
                source=run.source,
                pipeline_path=self._relative_definition(notebook, plan.root),
                recorded=True,
                production=production,
            )
            if ticket.interrupted:  # the server stopped while the plan was read
                ticket.pipeline_run.stop(interrupted=True, reason="The server stopped.")
            ticket.pipeline_run.execute()
        except Exception as exc:
            message = exc.message if isinstance(exc, NaasError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, NaasError):
                log.exception("Run %s failed before it started", run.run_id)
            status = RunStatus.FAILED
            if ticket.cancel.is_set():
                status = RunStatus.INTERRUPTED if ticket.interrupted else RunStatus.CANCELLED
            self._end(run, status, message)

    def _end_waiting(self, ticket: Ticket) -> None:
        """A run cancelled, or interrupted by a stop, before a worker took it."""
        if ticket.interrupted:
            self._end(ticket.run, RunStatus.INTERRUPTED, "The server stopped.")
        else:
            self._end(ticket.run, RunStatus.CANCELLED, "Cancelled before any step started.")

    def _end(self, run: RunResult, status: RunStatus, message: str) -> None:
        run.status, run.error, run.ended_at = status, message, utc_now()
        try:
            self.store.finish_run(run)
        except Exception:
            log.exception("Cannot record the end of run %s", run.run_id)

    def run(
        self,
        path: str,
        parameters: Any = None,
        *,
        source: str = "cli",
        on_event: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        notify: Any = None,
    ) -> RunResult:
        """Read the pipeline and run it in this thread, until it ends."""
        notebook = self.notebook(path)
        parameters = check_parameters(parameters)
        rules = validate_notify(notify)
        plan = self.plan(self.describe(notebook, parameters, cancel=cancel))
        self.store.recover_interrupted()
        return PipelineRun(
            plan,
            store=self.store,
            parameters=parameters,
            options=self._options(),
            executor=self._executor(),
            cancel=cancel,
            on_event=on_event,
            source=source,
            pipeline_path=self._relative_definition(notebook, plan.root),
            notify=rules,
        ).execute()

    def cancel(self, run_id: str) -> RunResult:
        """Cancel a run: here if this process runs it, else through the store."""
        run = self.store.get_run(run_id)
        if run.status.finished:
            raise Conflict(
                f"Run {run_id} already ended ({run.status.value}): there is nothing to cancel.",
                field="run_id",
            )
        self.store.request_cancel(run_id)
        self._background.cancel(run_id)
        return self.store.get_run(run_id)

    def get_run(self, run_id: str) -> RunResult:
        return self.store.get_run(run_id)

    def list_runs(
        self,
        *,
        product: str | None = None,
        pipeline: str | None = None,
        statuses: Sequence[RunStatus] = (),
        sources: Sequence[str] = (),
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        text: str | None = None,
        limit: int = 50,
        offset: int = 0,
        before: str | None = None,
    ) -> RunPage:
        """The runs under the root, newest first: of a product (its API path), a pipeline,
        statuses, sources (api, cli, notebook, python, scheduler), created in
        [``since``, ``until``) (ISO times), with ``text`` in their errors; one page, after the
        cursor ``before`` (keyset) or ``offset`` runs."""
        product_root = None
        if product:
            product_root = resolve_inside(self.root, product, field="product").resolve()
        query = RunQuery(
            product_root=product_root,
            under=self.root,
            pipeline=pipeline,
            statuses=tuple(statuses),
            sources=tuple(sources),
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            text=text,
        )
        return self.store.page_runs(query, limit=limit, offset=offset, before=before)

    def rerun(self, run_id: str, *, source: str = "api") -> RunResult:
        """Start a new run of the pipeline of run ``run_id``, with its parameters (and its
        notification rules); a production run again runs its deployment's frozen copy.
        :class:`Conflict` saying what to do when that cannot be: the notebook or the
        deployment's copy is gone, or the run did not record its notebook."""
        run = self.store.get_run(run_id)
        if run.deployment_id:
            return self._rerun_production(run, source)
        notebook = run.product_root / run.pipeline_path if run.pipeline_path else None
        if notebook is None or not notebook.is_file() or not is_inside(self.root, notebook):
            where = (
                f" ({self._api(notebook)})" if notebook and is_inside(self.root, notebook) else ""
            )
            raise Conflict(
                f"Run {run_id} cannot be run again: its pipeline notebook{where} is not there "
                "any more (or the run did not record it). Run the pipeline from its notebook "
                "instead.",
                field="run_id",
            )
        return self.start(
            self._api(notebook), dict(run.parameters), source=source, notify=run.notify
        )

    def _rerun_production(self, run: RunResult, source: str) -> RunResult:
        if self.production_of is None or run.deployment_id is None:
            raise Conflict(
                f"Run {run.run_id} ran deployment {run.deployment_id}, which this process "
                "cannot run: re-run it from the Lab server, or run its schedule now.",
                field="run_id",
            )
        production = self.production_of(run.deployment_id)
        if not run.pipeline_path:
            raise Conflict(
                f"Run {run.run_id} did not record which notebook of deployment "
                f"{run.deployment_id} it ran: run its schedule now instead.",
                field="run_id",
            )
        return self.start_production(
            production, run.pipeline_path, dict(run.parameters), source=source
        )

    def visible(self, run: RunResult) -> bool:
        """Whether a run belongs under this root (runs of other roots share the store)."""
        return is_inside(self.root, run.product_root)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the runs of this process (they end INTERRUPTED) and wait for them."""
        self._background.shutdown(timeout)
