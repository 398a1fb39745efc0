"""The orchestrator: runs a validated plan step by step and records everything.

Rules (the original Naas engine got several of them wrong):

* A step starts when all its upstream steps SUCCEEDED; at most ``max_parallel`` run at once.
* A step that fails is retried ``retries`` times, ``retry_delay`` seconds apart; then it is
  FAILED, its downstream steps are SKIPPED, and its ``on_error`` handlers start. A handler
  runs **once** per run, however many of the steps it handles fail, in parallel or not.
  Branches that do not depend on the failed step go on.
* The run is FAILED if any step failed (even when a handler succeeded), CANCELLED if it
  was cancelled, SUCCEEDED otherwise.
* A timeout kills the step's kernel (a failure, retried like any other); a cancel kills
  every running kernel and the run ends CANCELLED, keeping the partial executed copies.

Everything happens on the calling thread; executors report back through a queue.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import to_version, utc_now
from .dag import Plan, PlannedStep
from .errors import InvalidInput
from .execution import Executor, JobOutcome, LocalKernelExecutor, NotebookJob, default_kernel_name
from .pipeline import DESCRIBE_ENV, NOTEBOOK_ENV, RESERVED_PARAMETERS, NotebookStep, StepContext
from .results import RunResult, RunStatus, StepError, StepResult, StepStatus
from .retention import RetentionPolicy, prune_executions
from .store import RunStore

if TYPE_CHECKING:
    from .pipeline import Pipeline

log = logging.getLogger(__name__)

ProgressCallback = Callable[[RunResult, "StepResult | None"], None]


def new_run_id(moment: datetime | None = None) -> str:
    """A run id that sorts by start time: ``2026-11-23T08.00.00.000Z-1a2b3c``."""
    return f"{to_version(moment)}-{secrets.token_hex(3)}"


def default_max_parallel() -> int:
    return max(2, min(8, os.cpu_count() or 2))


@dataclass
class RunOptions:
    """How runs execute (the server sets them from its traits)."""

    max_parallel: int = field(default_factory=default_max_parallel)
    prestart: int = 2
    """Kernels started ahead for upcoming notebook steps (0: start each when its turn comes)."""
    heartbeat_interval: float = 5.0
    start_timeout: float = 60.0
    kill_grace: float = 10.0
    """After a kill, how long to wait for the step to report before giving up on it."""
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)


def check_parameters(parameters: Any) -> dict[str, Any]:
    if parameters is None:
        return {}
    if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
        raise InvalidInput("Parameters must be an object of name -> value.", field="parameters")
    for name in parameters:
        if not name.isidentifier():
            raise InvalidInput(
                f"'{name}' is not a valid parameter name (use a Python identifier).",
                field="parameters",
            )
    reserved = sorted(RESERVED_PARAMETERS & set(parameters))
    if reserved:
        raise InvalidInput(
            f"'{reserved[0]}' is set by the pipeline itself and cannot be passed.",
            field="parameters",
        )
    return dict(parameters)


@dataclass
class _Active:
    attempt: int
    started: float
    job: NotebookJob | None = None
    cancelled: threading.Event | None = None
    kill_reason: str | None = None
    kill_deadline: float | None = None


class PipelineRun:
    """One run of a plan. :meth:`execute` blocks until the run ends and returns its result.

    ``cancel`` (an Event) may be set from any thread; :meth:`stop` does the same and lets the
    server end the run INTERRUPTED when it shuts down.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        store: RunStore,
        run_id: str | None = None,
        parameters: dict[str, Any] | None = None,
        options: RunOptions | None = None,
        executor: Executor | None = None,
        cancel: threading.Event | None = None,
        on_event: ProgressCallback | None = None,
        source: str = "python",
        pipeline_path: str | None = None,
        recorded: bool = False,
    ) -> None:
        self.plan = plan
        self.store = store
        self.options = options or RunOptions()
        self.executor = executor or LocalKernelExecutor()
        self.cancel_event = cancel or threading.Event()
        self.on_event = on_event
        self._recorded = recorded
        started = utc_now()
        self.run_id = run_id or new_run_id(started)
        self.version = to_version(started)
        self.parameters = check_parameters(parameters)
        self.output_dir = plan.executions_dir() / self.run_id
        self.result = RunResult(
            run_id=self.run_id,
            pipeline=plan.pipeline,
            status=RunStatus.RUNNING,
            product_root=plan.root,
            created_at=started,
            started_at=started,
            parameters=self.parameters,
            source=source,
            pipeline_path=pipeline_path,
            output_dir=self.output_dir,
            steps=[
                StepResult(
                    name=p.name,
                    kind=p.step.kind,
                    role=p.role,
                    notebook_path=getattr(p.step, "notebook_path", None),
                    upstream=list(p.upstream),
                    on_error=list(p.handlers),
                )
                for p in plan.steps.values()
            ],
        )
        self._steps = {s.name: s for s in self.result.steps}
        self._events: queue.Queue[tuple[str, int, JobOutcome]] = queue.Queue()
        self._active: dict[str, _Active] = {}
        self._retry_at: dict[str, float] = {}
        self._triggered: dict[str, str] = {}
        self._prepared: dict[str, NotebookJob] = {}
        self._jobs: dict[tuple[str, int], NotebookJob] = {}
        self._cancelling = False
        self._final_on_cancel = RunStatus.CANCELLED
        self._stop_reason = ""
        self._next_beat = 0.0

    # -- public -------------------------------------------------------------------------------

    def stop(self, *, interrupted: bool = False, reason: str = "") -> None:
        """Cancel from any thread (``interrupted``: the run ends INTERRUPTED, not CANCELLED)."""
        if interrupted:
            self._final_on_cancel = RunStatus.INTERRUPTED
        self._stop_reason = reason
        self.cancel_event.set()

    def execute(self) -> RunResult:
        """Run every step; return the result (FAILED, not an exception, if a step fails)."""
        self._begin()
        interrupted: KeyboardInterrupt | None = None
        broken = False
        try:
            try:
                self._loop()
            except KeyboardInterrupt:
                # Interrupting the kernel (or Ctrl-C) cancels the run cleanly.
                self.cancel_event.set()
                self._loop()
        except KeyboardInterrupt as exc:
            # Interrupted again while cancelling: stop waiting for the kernels to report.
            interrupted = exc
            if not self._cancelling:
                self._start_cancel()
        except Exception as exc:
            broken = True
            log.exception("Pipeline run %s stopped by an internal error", self.run_id)
            if not self._cancelling:
                self._start_cancel()
            self.result.error = f"Internal error of the pipeline engine: {exc!r}"
        finally:
            self._finish(failed=broken)
        if interrupted is not None:
            raise interrupted
        return self.result

    # -- lifecycle ----------------------------------------------------------------------------

    def _begin(self) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        dag = self.plan.to_spec()
        if self._recorded:
            self.store.start_run(self.result, dag=dag)
        else:
            self.store.create_run(self.result, dag=dag)
        self._next_beat = time.monotonic() + self.options.heartbeat_interval
        self._emit(None)

    def _finish(self, *, failed: bool) -> None:
        now = utc_now()
        for step in self.result.steps:
            if step.status == StepStatus.PENDING:
                step.status = StepStatus.CANCELLED if self._cancelling else StepStatus.SKIPPED
                if not self._cancelling and step.role == "on_error":
                    step.detail = "not needed: no step it handles failed"
            elif step.status == StepStatus.RUNNING:
                step.status = StepStatus.CANCELLED
                step.ended_at = now
        if self._cancelling and not failed:
            self.result.status = self._final_on_cancel
            self.result.error = self.result.error or (self._stop_reason or None)
        elif failed or any(s.status == StepStatus.FAILED for s in self.result.steps):
            self.result.status = RunStatus.FAILED
        else:
            self.result.status = RunStatus.SUCCEEDED
        self.result.ended_at = now
        try:
            self.store.finish_run(self.result)
        except Exception:
            log.exception("Cannot record the end of run %s", self.run_id)
        self.executor.close()
        self._emit(None)
        try:
            prune_executions(
                self.store,
                product_root=self.plan.root,
                pipeline=self.plan.pipeline,
                policy=self.options.retention,
                keep=self.run_id,
            )
        except Exception:
            log.exception("Pruning old executions of %s failed", self.plan.pipeline)

    # -- the loop -----------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            now = time.monotonic()
            if self.cancel_event.is_set() and not self._cancelling:
                self._start_cancel()
            if not self._cancelling:
                self._launch_ready(now)
                self._prestart()
            idle = not self._active and (self._cancelling or not self._retry_at)
            if idle and (self._cancelling or not self._anything_ready()):
                return
            try:
                name, attempt, outcome = self._events.get(timeout=self._wait_time(now))
            except queue.Empty:
                pass
            else:
                self._on_outcome(name, attempt, outcome)
            now = time.monotonic()
            self._check_deadlines(now)
            self._heartbeat(now)

    def _wait_time(self, now: float) -> float:
        moments = [self._next_beat]
        moments.extend(self._retry_at.values())
        for name, active in self._active.items():
            timeout = self.plan[name].step.timeout
            if timeout and active.kill_reason is None:
                moments.append(active.started + timeout)
            if active.kill_deadline is not None:
                moments.append(active.kill_deadline)
        return max(0.01, min(0.5, min(moments) - now))

    def _anything_ready(self) -> bool:
        return any(self._is_ready(name) for name in self.plan.steps)

    def _is_ready(self, name: str) -> bool:
        step = self._steps[name]
        if step.status != StepStatus.PENDING or name in self._active:
            return False
        planned = self.plan[name]
        upstream_ok = all(self._steps[u].status == StepStatus.SUCCEEDED for u in planned.upstream)
        if planned.role == "on_error":
            return name in self._triggered or (bool(planned.upstream) and upstream_ok)
        return upstream_ok

    def _launch_ready(self, now: float) -> None:
        for name, when in sorted(self._retry_at.items(), key=lambda item: item[1]):
            if when <= now and len(self._active) < self.options.max_parallel:
                del self._retry_at[name]
                self._launch(name, self._steps[name].attempts + 1)
        for name in self.plan.steps:
            if len(self._active) >= self.options.max_parallel:
                return
            if self._is_ready(name):
                self._launch(name, 1)

    def _prestart(self) -> None:
        waiting = sum(1 for name in self._prepared if name not in self._active)
        if self.options.prestart <= 0 or waiting >= self.options.prestart:
            return
        for name, planned in self.plan.steps.items():
            if waiting >= self.options.prestart:
                return
            if (
                planned.role == "step"
                and isinstance(planned.step, NotebookStep)
                and self._steps[name].status == StepStatus.PENDING
                and name not in self._prepared
            ):
                job = self._job(name, 1)
                self._prepared[name] = job
                self.executor.prepare(job)
                waiting += 1

    # -- steps --------------------------------------------------------------------------------

    def _env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {DESCRIBE_ENV, NOTEBOOK_ENV}}
        env.pop("JPY_SESSION_NAME", None)  # the step's kernel is not the defining notebook's
        env.update(
            NAAS_RUN_ID=self.run_id,
            NAAS_RUN_VERSION=self.version,
            NAAS_PIPELINE=self.plan.pipeline,
            NAAS_PRODUCT_ROOT=str(self.plan.root),
            NAAS_PIPELINE_OUTPUT_PATH=str(self.output_dir),
            NAAS_STEP=name,
        )
        return env

    def _step_parameters(self, name: str) -> dict[str, Any]:
        step = self.plan[name].step
        values: dict[str, Any] = dict(getattr(step, "parameters", {}))
        values.update(self.parameters)
        if name in self._triggered:
            failed = self._triggered[name]
            error = self._steps[failed].error
            values["pipeline_failed_step"] = failed
            values["pipeline_error"] = str(error) if error else ""
        values["pipeline_output_path"] = str(self.output_dir)
        values["pipeline_run_id"] = self.run_id
        return values

    def _job(self, name: str, attempt: int) -> NotebookJob:
        key = (name, attempt)
        if key not in self._jobs:
            planned = self.plan[name]
            assert planned.notebook is not None
            self._jobs[key] = NotebookJob(
                key=f"{self.run_id}/{name}#{attempt}",
                step=name,
                input_path=planned.notebook,
                output_path=self.output_dir / planned.output_name(),
                cwd=planned.notebook.parent,
                parameters=self._step_parameters(name),
                env=self._env(name),
                kernel_name=planned.kernel_name or default_kernel_name(),
                start_timeout=self.options.start_timeout,
            )
        return self._jobs[key]

    def _launch(self, name: str, attempt: int) -> None:
        planned = self.plan[name]
        step = self._steps[name]
        step.attempts = attempt
        step.status = StepStatus.RUNNING
        if attempt == 1:
            step.started_at = utc_now()
        else:
            step.detail = f"attempt {attempt} of {planned.step.retries + 1}"
        active = _Active(attempt=attempt, started=time.monotonic())
        self._active[name] = active

        def done(outcome: JobOutcome) -> None:
            self._events.put((name, attempt, outcome))

        if isinstance(planned.step, NotebookStep):
            job = self._job(name, attempt)
            if attempt > 1:
                self._keep_previous_copy(job, attempt - 1)
            active.job = job
            step.output_path = job.output_path
            self._save(step)
            try:
                self.executor.start(job, done)
            except Exception as exc:
                from .execution import error_from_exception

                done(JobOutcome(ok=False, error=error_from_exception(exc, job)))
        else:
            active.cancelled = threading.Event()
            self._save(step)
            thread = threading.Thread(
                target=self._run_custom,
                args=(planned, attempt, active.cancelled, done),
                name=f"naas-step-{self.run_id}/{name}#{attempt}",
                daemon=True,
            )
            thread.start()

    def _run_custom(
        self,
        planned: PlannedStep,
        attempt: int,
        cancelled: threading.Event,
        done: Callable[[JobOutcome], None],
    ) -> None:
        context = StepContext(
            run_id=self.run_id,
            attempt=attempt,
            parameters=self._step_parameters(planned.name),
            product_root=self.plan.root,
            output_dir=self.output_dir,
            cancelled=cancelled,
        )
        try:
            planned.step.execute(context)
        except Exception as exc:
            from .execution import error_from_exception

            done(JobOutcome(ok=False, error=error_from_exception(exc), killed=cancelled.is_set()))
        else:
            done(JobOutcome(ok=not cancelled.is_set(), killed=cancelled.is_set()))

    @staticmethod
    def _keep_previous_copy(job: NotebookJob, attempt: int) -> None:
        if job.output_path.exists():
            kept = job.output_path.with_name(
                job.output_path.name.replace(".ipynb", f".attempt-{attempt}.ipynb")
            )
            job.output_path.replace(kept)

    def _on_outcome(self, name: str, attempt: int, outcome: JobOutcome) -> None:
        active = self._active.get(name)
        if active is None or active.attempt != attempt:
            return  # a late report from an attempt already given up on
        del self._active[name]
        self._prepared.pop(name, None)
        planned = self.plan[name]
        step = self._steps[name]
        now = utc_now()
        if active.kill_reason == "cancel" or (self._cancelling and not outcome.ok):
            step.status = StepStatus.CANCELLED
            step.ended_at = now
            step.detail = "cancelled: its kernel was stopped" if active.job else "cancelled"
        elif outcome.ok and active.kill_reason is None:
            step.status = StepStatus.SUCCEEDED
            step.ended_at = now
            step.error = None
            if attempt > 1:
                step.detail = f"succeeded on attempt {attempt}"
        else:
            if active.kill_reason == "timeout":
                error = StepError(
                    name="StepTimeout",
                    message=f"'{name}' ran longer than its timeout of {planned.step.timeout:g} s"
                    + (": its kernel was stopped." if active.job else "."),
                )
            else:
                error = outcome.error or StepError(name="Error", message="The step failed.")
            step.error = error
            if attempt <= planned.step.retries and not self._cancelling:
                delay = planned.step.retry_delay
                step.detail = f"attempt {attempt} failed ({error.name}); retrying in {delay:g} s"
                self._retry_at[name] = time.monotonic() + delay
            else:
                step.status = StepStatus.FAILED
                step.ended_at = now
                self._save(step)
                self._on_failure(name)
                return
        self._save(step)

    def _on_failure(self, name: str) -> None:
        for downstream in self.plan.descendants(name):
            step = self._steps[downstream]
            if step.status == StepStatus.PENDING:
                step.status = StepStatus.SKIPPED
                step.detail = f"not run: upstream step '{name}' failed"
                job = self._prepared.pop(downstream, None)
                if job is not None:
                    self.executor.discard(job)
                self._save(step)
        for handler in self.plan[name].handlers:
            # At most once per run, whoever failed first triggers it.
            self._triggered.setdefault(handler, name)

    def _kill(self, name: str, active: _Active, reason: str) -> None:
        active.kill_reason = reason
        active.kill_deadline = time.monotonic() + self.options.kill_grace
        if active.job is not None:
            self.executor.kill(active.job)
        if active.cancelled is not None:
            active.cancelled.set()

    def _check_deadlines(self, now: float) -> None:
        for name, active in list(self._active.items()):
            timeout = self.plan[name].step.timeout
            if active.kill_reason is None and timeout and now - active.started > timeout:
                self._kill(name, active, "timeout")
            elif active.kill_deadline is not None and now > active.kill_deadline:
                log.warning("Step %s of run %s did not stop after a kill", name, self.run_id)
                self._on_outcome(name, active.attempt, JobOutcome(ok=False, killed=True))

    def _start_cancel(self) -> None:
        self._cancelling = True
        for name, active in list(self._active.items()):
            if active.kill_reason != "cancel":
                self._kill(name, active, "cancel")
        for job in self._prepared.values():
            self.executor.discard(job)
        self._prepared = {n: j for n, j in self._prepared.items() if n in self._active}
        now = utc_now()
        for name in list(self._retry_at):
            del self._retry_at[name]
            step = self._steps[name]
            step.status, step.ended_at, step.detail = StepStatus.CANCELLED, now, "cancelled"
            self._save(step)
        for step in self.result.steps:
            if step.status == StepStatus.PENDING:
                step.status = StepStatus.CANCELLED
                step.detail = "not run: the run was cancelled"
                self._save(step)

    def _heartbeat(self, now: float) -> None:
        if now < self._next_beat:
            return
        self._next_beat = now + self.options.heartbeat_interval
        try:
            if self.store.heartbeat(self.run_id):
                self.cancel_event.set()
        except Exception as exc:
            log.warning("Heartbeat of run %s not recorded: %s", self.run_id, exc)

    # -- records and progress -----------------------------------------------------------------

    def _save(self, step: StepResult) -> None:
        try:
            self.store.update_step(self.run_id, step)
        except Exception as exc:
            log.warning("Step %s of run %s not recorded: %s", step.name, self.run_id, exc)
        self._emit(step)

    def _emit(self, step: StepResult | None) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(self.result, step)
        except Exception:
            log.exception("A progress callback failed")


def print_progress(result: RunResult, step: StepResult | None) -> None:
    """The default progress display of ``pipeline.run()``: one line per change."""
    clock = time.strftime("%H:%M:%S")
    if step is None:
        if result.status.finished:
            took = f" in {result.duration:.1f} s" if result.duration is not None else ""
            print(f"[{clock}] {result.pipeline} {result.run_id}: {result.status.value}{took}")
        else:
            print(f"[{clock}] {result.pipeline} {result.run_id}: started")
        sys.stdout.flush()
        return
    line = f"[{clock}]   {step.status.value:<9} {step.name}"
    if step.status.finished and step.duration is not None:
        line += f" ({step.duration:.1f} s)"
    if step.error and step.status == StepStatus.FAILED:
        line += f": {step.error}"
    elif step.detail:
        line += f": {step.detail}"
    print(line)
    sys.stdout.flush()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (importing ipykernel elsewhere does not make a notebook)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _definition_path(root: Path) -> str | None:
    for variable in (NOTEBOOK_ENV, "JPY_SESSION_NAME"):
        value = os.environ.get(variable, "")
        if value.endswith(".ipynb"):
            try:
                return Path(value).resolve().relative_to(root).as_posix()
            except ValueError:
                return None
    return None


def run_pipeline(
    pipeline: Pipeline,
    *,
    parameters: dict[str, Any],
    max_parallel: int | None = None,
    progress: bool | ProgressCallback = True,
    store: RunStore | None = None,
    cancel: threading.Event | None = None,
    options: RunOptions | None = None,
    executor: Executor | None = None,
    source: str | None = None,
) -> RunResult:
    """Validate and run ``pipeline`` in this process (what ``pipeline.run()`` does)."""
    root = pipeline.product_root()
    plan = pipeline.validate(root)
    parameters = check_parameters(parameters)
    options = options or RunOptions()
    if max_parallel is not None or pipeline.max_parallel is not None:
        options.max_parallel = max_parallel or pipeline.max_parallel or options.max_parallel
    if pipeline.keep_last is not None or pipeline.keep_days is not None:
        options.retention = RetentionPolicy(
            keep_last=pipeline.keep_last, keep_days=pipeline.keep_days
        )
    own_store = store is None
    store = store or RunStore()
    try:
        store.recover_interrupted()
        on_event: ProgressCallback | None = (
            progress if callable(progress) else (print_progress if progress else None)
        )
        return PipelineRun(
            plan,
            store=store,
            parameters=parameters,
            options=options,
            executor=executor,
            cancel=cancel,
            on_event=on_event,
            source=source or ("notebook" if _in_notebook() else "python"),
            pipeline_path=_definition_path(root),
        ).execute()
    finally:
        if own_store:
            store.close()
