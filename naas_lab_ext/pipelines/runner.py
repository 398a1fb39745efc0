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
* No secret's value is kept: when a step ends, the values of the product's secrets (and the
  user's) are masked as ``***`` in its executed copy and its error, before they are recorded
  (the kernel masked what it printed already; this is the second line), and every executed
  copy once more when the run ends.

Everything happens on the calling thread; executors report back through a queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.clock import to_version, utc_now
from ..core.errors import NaasError
from ..secrets.masking import Masker, scrub_notebook
from ..secrets.vault import open_vault
from .executors.base import Executor, JobOutcome, NotebookJob, error_from_exception
from .executors.local import LocalKernelExecutor
from .jobs import StepJobs, Trigger
from .options import ProgressCallback, RunOptions, check_parameters, new_run_id
from .plan import Plan, PlannedStep
from .production import Production
from .results import RunResult, RunStatus, StepFailure, StepResult, StepStatus
from .retention import prune_executions
from .steps import NotebookStep
from .store.repository import RunStore

log = logging.getLogger(__name__)


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
        production: Production | None = None,
        notify: dict[str, Any] | None = None,
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
        #: Where the run is recorded and writes: the plan's root, or for a production run
        #: (which reads a deployment's frozen copy) the live product.
        self.product_root = production.product_root if production else plan.root
        self.output_dir = plan.executions_dir(self.product_root) / self.run_id
        self.result = RunResult(
            run_id=self.run_id,
            pipeline=plan.pipeline,
            status=RunStatus.RUNNING,
            product_root=self.product_root,
            created_at=started,
            started_at=started,
            parameters=self.parameters,
            source=source,
            pipeline_path=pipeline_path,
            output_dir=self.output_dir,
            deployment_id=production.deployment_id if production else None,
            notify=notify,
            steps=[
                StepResult(
                    name=p.name,
                    kind=p.step.kind,
                    role=p.role,
                    notebook_path=p.notebook_path(plan.root),
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
        self.jobs = StepJobs(
            plan,
            run_id=self.run_id,
            version=self.version,
            output_dir=self.output_dir,
            parameters=self.parameters,
            start_timeout=self.options.start_timeout,
            production=production,
        )
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
        masker = self._secrets_masker()
        for step in self.result.steps:
            if step.output_path is not None:
                self._scrub_copy(step.output_path, masker)
        if self.result.error:
            self.result.error = masker.text(self.result.error)
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
                product_root=self.product_root,
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
                job = self.jobs.job(name, 1)
                self._prepared[name] = job
                self.executor.prepare(job)
                waiting += 1

    # -- steps --------------------------------------------------------------------------------

    def _trigger(self, name: str) -> Trigger | None:
        """For an error handler started by a failure: the failed step and its error."""
        failed = self._triggered.get(name)
        return None if failed is None else (failed, self._steps[failed].error)

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
            job = self.jobs.job(name, attempt, self._trigger(name))
            if attempt > 1:
                self.jobs.keep_previous_copy(job, attempt - 1)
            active.job = job
            step.output_path = job.output_path
            self._save(step)
            try:
                self.executor.start(job, done)
            except Exception as exc:
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
        context = self.jobs.context(planned.name, attempt, cancelled, self._trigger(planned.name))
        try:
            planned.step.execute(context)
        except Exception as exc:
            done(JobOutcome(ok=False, error=error_from_exception(exc), killed=cancelled.is_set()))
        else:
            done(JobOutcome(ok=not cancelled.is_set(), killed=cancelled.is_set()))

    def _on_outcome(self, name: str, attempt: int, outcome: JobOutcome) -> None:
        active = self._active.get(name)
        if active is None or active.attempt != attempt:
            return  # a late report from an attempt already given up on
        del self._active[name]
        self._prepared.pop(name, None)
        self._mask_secrets(active, outcome)
        planned = self.plan[name]
        step = self._steps[name]
        step.worker = outcome.extra.get("worker", step.worker)
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
                error = StepFailure(
                    name="StepTimeout",
                    message=f"'{name}' ran longer than its timeout of {planned.step.timeout:g} s"
                    + (": its kernel was stopped." if active.job else "."),
                )
            else:
                error = outcome.error or StepFailure(name="Error", message="The step failed.")
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

    def _secrets_masker(self) -> Masker:
        """Masks the values of every secret this run's steps could get."""
        try:
            return Masker(open_vault().values(self.product_root))
        except NaasError as exc:
            log.warning("Run %s: the secrets cannot be read to mask them: %s", self.run_id, exc)
            return Masker()

    def _scrub_copy(self, path: Path, masker: Masker) -> None:
        try:
            scrub_notebook(path, masker)
        except OSError as exc:
            log.warning("Run %s: cannot mask the secrets in %s: %s", self.run_id, path, exc)

    def _mask_secrets(self, active: _Active, outcome: JobOutcome) -> None:
        """Mask the secrets' values in what a step leaves: its executed copy and its error."""
        masker = self._secrets_masker()
        if not masker:
            return
        if active.job is not None:
            self._scrub_copy(active.job.output_path, masker)
        error = outcome.error
        if error is not None:
            error.message = masker.text(error.message)
            error.traceback = masker.text(error.traceback)
            if error.cell_source is not None:
                error.cell_source = masker.text(error.cell_source)

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
