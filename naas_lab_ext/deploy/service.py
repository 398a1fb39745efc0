"""Deploy a product, as the server and the CLI do it: :class:`DeployService`.

Before anything runs, the secrets the product's notebooks get without a default
(``secret.get("X")``) must have a value: a missing one fails the deploy at once, naming it,
every step skipped (nothing frozen, nothing installed).

A deploy goes through five steps, each recorded as it goes:

1. **Product tests**: pytest over ``tests/`` and the notebooks under it (``skip_tests`` skips);
2. **Production copy**: the product frozen under ``<deployments_dir>/<product>/<id>/copy``;
3. **Requirements**: a venv of the deployment's own, requirements.txt installed in it, its
   kernelspec;
4. **setup.ipynb**: executed against the copy with the deployment's kernel, collecting its
   declarations; the declared dependencies copied;
5. **Schedules**: the product's schedules replaced by the declared set (one transaction), then
   the deployment becomes ACTIVE and the previous one INACTIVE.

A failure at any step leaves the previous deployment and its schedules active and untouched.
One deploy of a product runs at a time, across processes (a lock row in the database).
:meth:`DeployService.activate` re-activates an earlier deployment (rollback).
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.clock import utc_now
from ..core.errors import Conflict, InvalidInput, NaasError, NotFound
from ..core.paths import is_inside, refuse_read_only, resolve_inside, to_api_path
from ..pipelines.options import new_run_id
from ..pipelines.production import Production
from ..pipelines.service import RunService
from ..products.manifest import DEPLOYMENTS_FOLDER, MANIFEST_NAME
from ..scheduler.repository import ScheduleStore
from ..scheduler.spec import ScheduleSpec
from ..secrets.scan import required_secrets
from ..secrets.vault import Vault, open_vault
from .commands import Stopped
from .declarations import Declarations, requirement_lines
from .environment import create_environment, install_requirements, kernel_name_for
from .product_tests import run_product_tests
from .production_copy import freeze, git_commit
from .records import Deployment, DeploymentStatus, DeployStep, StepStatus
from .setup_notebook import SETUP_NAME, checked_schedules, copy_dependencies, run_setup
from .store import DeploymentStore, product_key

__all__ = ["DeployService", "StepCallback", "default_deployments_dir"]

log = logging.getLogger(__name__)

#: Called when a step of a deploy starts or ends (the CLI prints it).
StepCallback = Callable[[Deployment, DeployStep], None]
Deployments = list[Deployment]
Specs = list[ScheduleSpec]
Ids = list[str]
HEARTBEAT_SECONDS = 10.0
#: The longest path part most file systems take (longer: refused, not a 500).
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4000


def default_deployments_dir() -> Path:
    """``<Jupyter data dir>/naas_lab_ext/deployments``."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "naas_lab_ext" / "deployments"


class _StepFailed(Exception):
    """A step failed; its message is on the step and becomes the deployment's error."""


@dataclass
class _Local:
    """A deploy this process runs."""

    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class DeployService:
    """The deployments of the products under ``root``; runs go through ``runs``, schedules
    into ``schedules``, folders under ``deployments_dir``."""

    def __init__(
        self,
        root: Path,
        runs: RunService,
        schedules: ScheduleStore,
        *,
        deployments_dir: Path | None = None,
        keep: int = 5,
        test_timeout: float = 600.0,
        setup_timeout: float = 1800.0,
        on_change: Callable[[], None] | None = None,
        secrets: Vault | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self._secrets = secrets
        """The vault the products' runs read (default: the environment's, on first need)."""
        self.runs = runs
        self.schedules = schedules
        self.store = DeploymentStore(runs.store)
        self.deployments_dir = Path(deployments_dir or default_deployments_dir()).expanduser()
        self.keep = max(1, int(keep))
        self.test_timeout = test_timeout
        self.setup_timeout = setup_timeout
        self.on_change = on_change
        """Called after this process changed a product's schedules (the local scheduler
        reloads at once instead of at its next poll)."""
        self._lock = threading.Lock()
        self._local: dict[str, _Local] = {}

    # -- products and deployments -------------------------------------------------------------

    def product_root(self, product: object) -> Path:
        """The product at API path ``product`` (resolved); 400 for a bad path, 404 when there
        is no product there."""
        if not isinstance(product, str) or not product.strip():
            raise InvalidInput(
                "Say which product to deploy: its folder under the Jupyter root, e.g. 'sales'.",
                field="product",
            )
        encoded = product.encode("utf-8", "replace")
        if len(encoded) > MAX_PATH_BYTES or any(
            len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")
        ):
            raise InvalidInput(
                "The product path is too long (a folder name over 255 bytes, or over 4000 in "
                "all): give the product's folder under the Jupyter root, e.g. 'sales'.",
                field="product",
            )
        folder = resolve_inside(self.root, product.strip().rstrip("/"), field="product")
        if not (folder / MANIFEST_NAME).is_file():
            raise NotFound(
                f"'{product}' is not a data product (no {MANIFEST_NAME} there): give a product "
                "folder, e.g. 'sales' (`naas-lab list` lists them).",
                field="product",
            )
        return folder.resolve()

    def _visible(self, deployment: Deployment) -> Deployment:
        if not is_inside(self.root, deployment.product_root):
            raise NotFound(
                f"No deployment '{deployment.id}' under this server's root.",
                field="deployment_id",
            )
        return deployment

    def get(self, deployment_id: str) -> Deployment:
        return self._visible(self.store.get(deployment_id))

    def list(self, product: str, *, limit: int | None = 20) -> tuple[list[Deployment], str | None]:
        """The product's deployments, newest first, and the id of the active one."""
        root = self.product_root(product)
        active = self.store.active(root)
        return self.store.for_product(root, limit=limit), active.id if active else None

    def api_path(self, path: Path) -> str:
        return to_api_path(self.root, path)

    def production(self, deployment_id: str) -> Production:
        """Where deployment ``deployment_id``'s runs execute, to run one again (``POST
        runs/<id>/rerun``); :class:`Conflict` saying what to do when its copy is gone."""
        try:
            d = self.store.get(deployment_id)
        except NotFound:
            raise Conflict(
                f"Deployment {deployment_id} is not recorded any more: run the product's "
                "schedule now (it runs the active deployment), or deploy again.",
                field="deployment_id",
            ) from None
        if d.pruned or not d.copy_root.is_dir() or not d.venv.is_dir():
            raise Conflict(
                f"Deployment {d.id}'s production copy was deleted (only the last {self.keep} "
                "deployments are kept): run the product's schedule now (it runs the active "
                "deployment), or deploy again.",
                field="deployment_id",
            )
        return d.production()

    # -- deploy -------------------------------------------------------------------------------

    def missing_secrets(self, product_root: Path) -> Ids:
        """The secrets the product's notebooks get without a default that have no value (the
        product's own or the user's), sorted."""
        names = required_secrets(product_root)
        if not names:
            return []
        if self._secrets is None:
            self._secrets = open_vault(root=self.root)
        vault = self._secrets
        return [name for name in names if vault.get(name, product=product_root) is None]

    def _check_secrets(self, d: Deployment) -> None:
        """Fail the deploy, before its first step, when a secret its notebooks need is
        missing."""
        try:
            missing = self.missing_secrets(d.product_root)
        except NaasError as exc:
            problem = f"The secrets cannot be checked: {exc.message}"
        else:
            if not missing:
                return
            problem = (
                f"Missing secrets: {', '.join(missing)}. Add them in the Manager's Secrets "
                f"tab or with `naas-lab secrets set {missing[0]}`."
            )
        for step in d.steps:
            step.status, step.message = StepStatus.SKIPPED, "not run: the secrets check failed"
        raise _StepFailed(problem)

    def _folder(self, root: Path, deployment_id: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name)[:40] or "product"
        return self.deployments_dir / f"{slug}-{product_key(root)[:8]}" / deployment_id

    def _begin(self, product: str, skip_tests: bool) -> Deployment:
        if not isinstance(skip_tests, bool):
            raise InvalidInput("skip_tests must be true or false.", field="skip_tests")
        root = self.product_root(product)
        # A deploy writes its reports into the product: never into the templates folder.
        refuse_read_only(self.root, root, self.runs.read_only, field="product", spelled=product)
        if not (root / SETUP_NAME).is_file():
            raise InvalidInput(
                f"'{product}' has no {SETUP_NAME}: add one that declares the product's schedules "
                "(a new product gets one), then deploy.",
                field="product",
            )
        deployment_id = new_run_id(utc_now())
        deployment = Deployment(
            id=deployment_id,
            product_root=root,
            folder=self._folder(root, deployment_id),
            skip_tests=skip_tests,
        )
        self.store.begin(deployment)
        return deployment

    def start(self, product: str, *, skip_tests: bool = False) -> Deployment:
        """Deploy in the background; return the deployment at once (PENDING). Conflict when a
        deploy of the product runs."""
        deployment = self._begin(product, skip_tests)
        local = _Local()
        local.thread = threading.Thread(
            target=self._execute,
            args=(deployment, local, None),
            name=f"naas-deploy-{deployment.id}",
            daemon=True,
        )
        with self._lock:
            self._local[deployment.id] = local
        local.thread.start()
        return self.store.get(deployment.id)

    def run(
        self,
        product: str,
        *,
        skip_tests: bool = False,
        on_step: StepCallback | None = None,
        stop: threading.Event | None = None,
    ) -> Deployment:
        """Deploy in this thread, until it ends; ``on_step`` hears each step start and end."""
        deployment = self._begin(product, skip_tests)
        local = _Local(stop=stop or threading.Event())
        with self._lock:
            self._local[deployment.id] = local
        self._execute(deployment, local, on_step)
        return self.store.get(deployment.id)

    def _execute(self, d: Deployment, local: _Local, on_step: StepCallback | None) -> None:
        beating = threading.Event()
        beat = threading.Thread(target=self._beat, args=(d, beating), daemon=True)
        try:
            d.status, d.started_at = DeploymentStatus.RUNNING, utc_now()
            self.store.save(d, event="deploy.started")
            beat.start()
            self._steps(d, local, on_step)
        except _StepFailed as exc:
            self._failed(d, str(exc))
        except Exception as exc:  # a bug, or the database: recorded, never a stuck deploy
            log.exception("Deploy %s failed", d.id)
            self._failed(d, f"{type(exc).__name__}: {exc}")
        finally:
            beating.set()
            try:
                if not d.status.finished:
                    self._failed(d, "The deploy ended without finishing its steps.")
                if not d.active:  # an active one was stored with its activation (and event)
                    self.store.save(d, event="deploy.failed")
            except Exception:
                log.exception("Cannot record the end of deployment %s", d.id)
            finally:
                self.store.unlock(d.product_root, d.id)
                with self._lock:
                    self._local.pop(d.id, None)
            self._prune(d.product_root)

    def _beat(self, d: Deployment, stopped: threading.Event) -> None:
        while not stopped.wait(HEARTBEAT_SECONDS):
            try:
                self.store.heartbeat(d.id, d.product_root)
            except Exception:
                log.warning("Heartbeat of deployment %s failed", d.id, exc_info=True)

    def _failed(self, d: Deployment, message: str) -> None:
        d.status, d.error, d.ended_at = DeploymentStatus.FAILED, message, utc_now()
        for step in d.steps:
            if step.status == StepStatus.RUNNING:
                step.end(StepStatus.FAILED, message)
            elif step.status == StepStatus.PENDING:
                step.status, step.message = StepStatus.SKIPPED, "not run: an earlier step failed"

    @staticmethod
    def _notify(on_step: StepCallback | None, d: Deployment, step: DeployStep) -> None:
        if on_step is None:
            return
        try:
            on_step(d, step)
        except Exception:
            log.warning("A deploy progress callback failed", exc_info=True)

    def _step(
        self,
        d: Deployment,
        name: str,
        work: Callable[[], str | None],
        on_step: StepCallback | None,
    ) -> None:
        step = d.step(name)
        step.begin()
        self.store.save(d)
        self._notify(on_step, d, step)
        try:
            message = work()
        except Stopped:
            raise _StepFailed(
                f"The deploy was stopped (the server stopped, or Ctrl-C) during the step "
                f"'{step.title}'; the previous deployment stayed active. Deploy again."
            ) from None
        except NaasError as exc:
            step.end(StepStatus.FAILED, exc.message)
            self.store.save(d)
            self._notify(on_step, d, step)
            raise _StepFailed(f"{step.title}: {exc.message}") from None
        except OSError as exc:
            text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
            step.end(StepStatus.FAILED, text)
            self.store.save(d)
            self._notify(on_step, d, step)
            raise _StepFailed(f"{step.title}: {text}") from None
        if step.status == StepStatus.RUNNING:
            step.end(StepStatus.SUCCEEDED, message)
        if name != "schedules":  # the schedules step is stored with the activation
            self.store.save(d)
        self._notify(on_step, d, step)

    def _steps(self, d: Deployment, local: _Local, on_step: StepCallback | None) -> None:
        live = d.product_root
        reports = live.joinpath(*DEPLOYMENTS_FOLDER, d.id)
        self._check_secrets(d)

        def tests() -> str | None:
            if d.skip_tests:
                d.tests = "skipped"
                d.step("tests").end(StepStatus.SKIPPED, "skipped (--skip-tests)")
                return None
            outcome = run_product_tests(live, reports, timeout=self.test_timeout, stop=local.stop)
            d.report = outcome.report
            d.tests = "passed" if outcome.passed else "failed"
            if not outcome.passed:
                raise InvalidInput(
                    f"the product's tests failed ({outcome.summary}): see the report "
                    f"{self.api_path(outcome.report)}, fix them (or deploy with --skip-tests).",
                    field="tests",
                )
            return outcome.summary

        def copy() -> str:
            copied = freeze(live, d.copy_root)
            commit, dirty = git_commit(live)
            d.commit = commit
            text = copied.summary()
            if commit:
                text += f"; git commit {commit[:10]}"
                text += " with uncommitted changes (the copy has them)" if dirty else ""
            return text

        def requirements() -> str:
            environment = create_environment(
                d.folder,
                kernel_name=kernel_name_for(live.name, d.id),
                display_name=f"{live.name} (deployment {d.id})",
                stop=local.stop,
            )
            d.kernel_name = environment.kernel_name
            d.env = environment.variables()
            d.requirements = requirement_lines(d.copy_root / "requirements.txt")
            if not d.requirements:
                return "requirements.txt lists nothing: no package to install"
            install_requirements(
                environment,
                d.copy_root / "requirements.txt",
                cwd=d.copy_root,
                timeout=self.setup_timeout,
                stop=local.stop,
            )
            return f"installed {', '.join(d.requirements)}"

        declared = Declarations()

        def setup() -> str:
            nonlocal declared
            d.setup_notebook = reports / SETUP_NAME
            declared = run_setup(
                d.production(),
                d.setup_notebook,
                d.folder / "declarations.jsonl",
                timeout=self.setup_timeout,
                stop=local.stop,
            )
            d.dependencies, copied = copy_dependencies(declared, live, d.copy_root)
            d.schedules = list(declared.schedules)
            text = f"declared {len(declared.schedules)} schedule(s)"
            if d.dependencies:
                text += f", dependencies {', '.join(d.dependencies)} ({copied.summary()})"
            return text

        def schedules() -> str:
            specs = checked_schedules(declared, d.copy_root)
            d.schedules = [spec.to_json() for spec in specs]
            self._apply(d, specs)
            return _describe(specs)

        self._step(d, "tests", tests, on_step)
        self._step(d, "copy", copy, on_step)
        self._step(d, "requirements", requirements, on_step)
        self._step(d, "setup", setup, on_step)
        self._step(d, "schedules", schedules, on_step)

    def _apply(self, d: Deployment, specs: Specs) -> None:
        """Replace the product's schedules by ``specs`` and make ``d`` active; if the second
        part fails, the previous deployment's schedules are put back."""
        previous = self.store.active(d.product_root)
        self._replace(d.product_root, d.production(), specs)
        try:
            step = d.step("schedules")
            step.end(StepStatus.SUCCEEDED, _describe(specs))
            if d.ended_at is None:
                d.ended_at = utc_now()
            d.error = None
            self.store.activate(d, previous=previous.id if previous else None)
        except Exception:
            step.status, step.ended_at = StepStatus.RUNNING, None
            d.status, d.ended_at = DeploymentStatus.RUNNING, None
            self._restore(d.product_root, previous)
            raise

    def _restore(self, product_root: Path, previous: Deployment | None) -> None:
        """Put back the schedules of ``previous`` (none when there is no active deployment)."""
        if previous is not None:
            specs = [ScheduleSpec.from_json(s) for s in previous.schedules]
            self._replace(product_root, previous.production(), specs)
        else:
            self._replace(product_root, Production("none", product_root, product_root), [])

    def _replace(self, product_root: Path, production: Production, specs: Specs) -> None:
        self.schedules.replace(product_root, production, specs)
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                log.warning("Waking the scheduler failed", exc_info=True)

    def _prune(self, product_root: Path) -> None:
        """Delete the folders of the deployments beyond the last ``keep`` (never the active
        one, never a running one); their records stay."""
        try:
            doomed = self.store.prunable(product_root, self.keep)
            for deployment in doomed:
                if is_inside(self.deployments_dir, deployment.folder):
                    shutil.rmtree(deployment.folder, ignore_errors=True)
            self.store.mark_pruned([d.id for d in doomed])
        except Exception:
            log.warning("Pruning the deployments of %s failed", product_root, exc_info=True)

    # -- rollback -----------------------------------------------------------------------------

    def activate(self, deployment_id: str) -> Deployment:
        """Re-activate an earlier successful deployment: the product's schedules become its
        declared ones, run from its production copy. Conflict when it never succeeded, its
        copy was deleted, or a deploy of the product runs."""
        d = self.get(deployment_id)
        if not d.status.succeeded:
            raise Conflict(
                f"Deployment {d.id} never succeeded ({d.status.value}): only a deployment that "
                "was active once can be re-activated. Deploy again instead.",
                field="deployment_id",
            )
        if d.pruned or not d.copy_root.is_dir() or not d.venv.is_dir():
            raise Conflict(
                f"Deployment {d.id} can no longer be re-activated: its production copy was "
                f"deleted (only the last {self.keep} deployments are kept). Deploy again.",
                field="deployment_id",
            )
        self.store.lock(d.product_root, d.id)
        try:
            specs = [ScheduleSpec.from_json(s) for s in d.schedules]
            previous = self.store.active(d.product_root)
            self._replace(d.product_root, d.production(), specs)
            try:
                was = previous.id if previous is not None and previous.id != d.id else None
                self.store.activate(d, event="deploy.rolled_back", previous=was)
            except Exception:
                self._restore(d.product_root, previous)
                raise
        finally:
            self.store.unlock(d.product_root, d.id)
        return self.store.get(d.id)

    def previous(self, product: str) -> Deployment:
        """The deployment a rollback goes back to: the newest successful one before the
        active one, whose copy is still there."""
        deployments, active_id = self.list(product, limit=None)
        active = next((d for d in deployments if d.id == active_id), None)
        for candidate in deployments:
            if candidate.status != DeploymentStatus.INACTIVE or candidate.pruned:
                continue
            if active is None or candidate.created_at < active.created_at:
                return candidate
        raise NotFound(
            f"'{product}' has no earlier successful deployment to roll back to "
            f"(`naas-lab deployments {product}` lists them).",
            field="deployment_id",
        )

    # -- life cycle ---------------------------------------------------------------------------

    def recover_interrupted(self) -> Ids:
        """Mark FAILED the deployments whose process stopped mid-way; if one stopped while it
        replaced its product's schedules, the active deployment's schedules are put back."""
        recovered = self.store.recover_interrupted()
        for d in recovered:
            if d.step("schedules").started_at is None:
                continue
            try:
                self._restore(d.product_root, self.store.active(d.product_root))
            except Exception:
                log.exception("Cannot restore the schedules of %s", d.product_root)
        return [d.id for d in recovered]

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the deploys of this process (they end FAILED, the previous deployments stay
        active) and wait for them."""
        with self._lock:
            running = list(self._local.values())
        for local in running:
            local.stop.set()
        for local in running:
            if local.thread is not None:
                local.thread.join(timeout)


def _describe(specs: list[ScheduleSpec]) -> str:
    if not specs:
        return "no schedule declared: the product has none"
    return "; ".join(f"{spec.pipeline} {spec.parsed.describe()}" for spec in specs)
