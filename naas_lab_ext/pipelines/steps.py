"""The steps a pipeline chains: a notebook run with papermill, and a placeholder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from .graph import RESERVED_PARAMETERS, PipelineError, Step, StepContext, check_seconds

__all__ = ["DummyErrorStep", "DummyStep", "NotebookStep"]


class NotebookStep(Step):
    """Run a notebook with papermill on a fresh kernel.

    ``notebook_path`` is relative to the folder of the pipeline notebook (the working directory
    when the step is created, as in Naas) or to the product root; a path that exists in both
    places and means two different files is refused, naming both. ``parameters`` are injected
    after the notebook's cell tagged ``parameters``, together with ``pipeline_output_path`` (the
    run's folder of executed copies) and ``pipeline_run_id``. The kernel runs in the notebook's
    folder.
    """

    kind: ClassVar[str] = "notebook"

    def __init__(
        self,
        name: str,
        notebook_path: str,
        parameters: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retries: int = 0,
        retry_delay: float = 0.0,
        kernel_name: str | None = None,
    ) -> None:
        super().__init__(name, timeout=timeout, retries=retries, retry_delay=retry_delay)
        if not isinstance(notebook_path, (str, os.PathLike)) or not str(notebook_path).strip():
            raise PipelineError(
                f"Step '{self.name}': give the notebook path, e.g. 'models/collect.ipynb'.",
                step=self.name,
            )
        self.notebook_path = Path(notebook_path).as_posix()
        #: The pipeline notebook's folder, the other base of a relative ``notebook_path``.
        self.folder: Path | None = _working_directory()
        if parameters is None:
            parameters = {}
        if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
            raise PipelineError(
                f"Step '{self.name}': parameters must be a dict of name -> value.", step=self.name
            )
        reserved = sorted(RESERVED_PARAMETERS & set(parameters))
        if reserved:
            raise PipelineError(
                f"Step '{self.name}': '{reserved[0]}' is set by the pipeline itself; "
                "use another parameter name.",
                step=self.name,
            )
        self.parameters = dict(parameters)
        self.kernel_name = kernel_name

    def options(self) -> dict[str, Any]:
        return {
            **super().options(),
            "notebook_path": self.notebook_path,
            "parameters": self.parameters,
            "kernel_name": self.kernel_name,
        }

    def __repr__(self) -> str:
        return f"NotebookStep({self.name!r}, {self.notebook_path!r})"


def _working_directory() -> Path | None:
    try:
        return Path.cwd().resolve()
    except OSError:  # the working directory was deleted
        return None


class DummyStep(Step):
    """A placeholder that completes at once (or after ``delay`` seconds), so a pipeline
    sketched with DummySteps runs end to end before any notebook exists."""

    kind: ClassVar[str] = "dummy"

    def __init__(
        self,
        name: str,
        delay: float = 0.0,
        *,
        timeout: float | None = None,
        retries: int = 0,
        retry_delay: float = 0.0,
    ) -> None:
        super().__init__(name, timeout=timeout, retries=retries, retry_delay=retry_delay)
        self.delay = check_seconds(delay, "delay", self.name, allow_none=False) or 0.0

    def execute(self, context: StepContext) -> None:
        context.cancelled.wait(self.delay)

    def options(self) -> dict[str, Any]:
        return {**super().options(), "delay": self.delay}


class DummyErrorStep(DummyStep):
    """A placeholder that fails (after ``delay`` seconds), to try a pipeline's ``on_error``
    wiring before the real notebooks exist: ``DummyErrorStep("Load") .on_error >> alert``."""

    def execute(self, context: StepContext) -> None:
        context.cancelled.wait(self.delay)
        raise RuntimeError(f"DummyErrorStep '{self.name}' failed on purpose.")

    def options(self) -> dict[str, Any]:
        # Drawn as a placeholder (kind "dummy"); ``fails`` rebuilds it as this class.
        return {**super().options(), "fails": True}
