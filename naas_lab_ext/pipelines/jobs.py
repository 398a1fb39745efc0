"""What each step of a run gets: its environment, its parameters, and its notebook job.

A notebook step's kernel inherits the engine's environment, minus the variables that describe
the *defining* notebook, plus the run's own (:mod:`naas_lab_ext.core.env`). Its parameters are
the step's own, then the run's, then the reserved ones (``pipeline_output_path``,
``pipeline_run_id``); an error handler also gets the step whose failure started it
(``pipeline_failed_step``, ``pipeline_error``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import env
from .executors.base import NotebookJob, default_kernel_name
from .graph import StepContext
from .plan import Plan
from .production import Production
from .results import StepFailure

#: The step whose failure started an error handler, and its error.
Trigger = tuple[str, StepFailure | None]


@dataclass
class StepJobs:
    """The jobs of one run's steps, each made once per attempt."""

    plan: Plan
    run_id: str
    version: str
    """The run's version: every output saved during the run uses it."""
    output_dir: Path
    """The run's folder of executed notebooks."""
    parameters: dict[str, Any]
    """The run's parameters (over each step's own)."""
    start_timeout: float
    production: Production | None = None
    """For a production run: the deployment's kernel and environment."""
    _jobs: dict[tuple[str, int], NotebookJob] = field(default_factory=dict, init=False)

    def env(self, name: str) -> dict[str, str]:
        """The environment of step ``name``'s kernel."""
        values = {
            k: v
            for k, v in os.environ.items()
            if k not in {env.PIPELINE_DESCRIBE, env.PIPELINE_NOTEBOOK}
        }
        values.pop(env.JUPYTER_SESSION, None)  # the step's kernel is not the defining notebook's
        values.update(
            {
                env.RUN_ID: self.run_id,
                env.RUN_VERSION: self.version,
                env.PIPELINE: self.plan.pipeline,
                env.PRODUCT_ROOT: str(self.plan.root),
                # The secrets a step gets are its product's (the live one for a production run)
                env.SECRETS_PRODUCT: str(
                    self.production.product_root if self.production else self.plan.root
                ),
                env.PIPELINE_OUTPUT_PATH: str(self.output_dir),
                env.STEP: name,
            }
        )
        if self.production is not None:
            values.update(self.production.environment())
        return values

    def parameters_of(self, name: str, trigger: Trigger | None = None) -> dict[str, Any]:
        """The parameters step ``name`` runs with (``trigger``: for an error handler)."""
        step = self.plan[name].step
        values: dict[str, Any] = dict(getattr(step, "parameters", {}))
        values.update(self.parameters)
        if trigger is not None:
            failed, error = trigger
            values["pipeline_failed_step"] = failed
            values["pipeline_error"] = str(error) if error else ""
        values["pipeline_output_path"] = str(self.output_dir)
        values["pipeline_run_id"] = self.run_id
        return values

    def job(self, name: str, attempt: int, trigger: Trigger | None = None) -> NotebookJob:
        """The job of attempt ``attempt`` of notebook step ``name`` (made on first ask)."""
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
                parameters=self.parameters_of(name, trigger),
                env=self.env(name),
                kernel_name=self._kernel_name(planned.kernel_name),
                start_timeout=self.start_timeout,
                kernel_dirs=self.production.kernel_dirs if self.production else (),
            )
        return self._jobs[key]

    def _kernel_name(self, notebook_kernel: str | None) -> str:
        """A production run uses the deployment's kernel; else the notebook's own."""
        if self.production is not None and self.production.kernel_name:
            return self.production.kernel_name
        return notebook_kernel or default_kernel_name()

    def context(
        self,
        name: str,
        attempt: int,
        cancelled: threading.Event,
        trigger: Trigger | None = None,
    ) -> StepContext:
        """What a custom step's ``execute()`` gets."""
        return StepContext(
            run_id=self.run_id,
            attempt=attempt,
            parameters=self.parameters_of(name, trigger),
            product_root=self.plan.root,
            output_dir=self.output_dir,
            cancelled=cancelled,
        )

    @staticmethod
    def keep_previous_copy(job: NotebookJob, attempt: int) -> None:
        """Keep the executed copy of a failed attempt beside the next one's."""
        if job.output_path.exists():
            kept = job.output_path.with_name(
                job.output_path.name.replace(".ipynb", f".attempt-{attempt}.ipynb")
            )
            job.output_path.replace(kept)
