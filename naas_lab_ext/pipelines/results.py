"""What a pipeline run produces: statuses, per-step results and the run result.

The same objects come back from ``pipeline.run()`` in a notebook, from the run store
(:mod:`naas_lab_ext.pipelines.store`) and, serialised with :meth:`RunResult.to_json`, from the
REST API, so every entry point reports a run the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput
from ..core.notify import shown_notify

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RunStatus(str, Enum):
    """Where a run is. PENDING: recorded, steps not started yet (e.g. reading the DAG)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    INTERRUPTED = "INTERRUPTED"
    """The process running it died (crash, kill, server stop) before it ended."""

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.PENDING, RunStatus.RUNNING)


def parse_statuses(texts: Iterable[str]) -> tuple[RunStatus, ...]:
    """The run statuses ``texts`` name, each text one status or several comma-separated (any
    case), as the REST API's ``?status=`` and the CLI's ``--status`` take them."""
    found: list[RunStatus] = []
    for text in texts:
        for item in filter(None, (part.strip().upper() for part in text.split(","))):
            try:
                found.append(RunStatus(item))
            except ValueError:
                allowed = ", ".join(s.value for s in RunStatus)
                raise InvalidInput(
                    f"Unknown status '{item}'. Use one of: {allowed}.", field="status"
                ) from None
    return tuple(found)


class StepStatus(str, Enum):
    """Where a step is within its run."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    """Not run: an upstream step failed, or (for an error handler) nothing it handles failed."""
    CANCELLED = "CANCELLED"
    INTERRUPTED = "INTERRUPTED"

    @property
    def finished(self) -> bool:
        return self not in (StepStatus.PENDING, StepStatus.RUNNING)


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (kernels colour their tracebacks)."""
    return ANSI_ESCAPE.sub("", text)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _duration(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end``; None when either is unknown, or when ``end`` is
    before ``start`` (an end that was not seen: a run whose process died before it said it
    was alive records its last sign of life, which can precede its start)."""
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds(), 3)


@dataclass
class StepFailure:
    """Why a step failed: the exception, its message, and the notebook cell that raised it."""

    name: str
    """Exception class name, e.g. ``ValueError`` or ``StepTimeout``."""
    message: str
    cell_index: int | None = None
    execution_count: int | None = None
    cell_source: str | None = None
    traceback: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "message": self.message,
            "cell_index": self.cell_index,
            "execution_count": self.execution_count,
            "cell_source": self.cell_source,
            "traceback": self.traceback,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepFailure:
        return cls(
            name=str(data.get("name") or "Error"),
            message=str(data.get("message") or ""),
            cell_index=data.get("cell_index"),
            execution_count=data.get("execution_count"),
            cell_source=data.get("cell_source"),
            traceback=str(data.get("traceback") or ""),
        )

    def __str__(self) -> str:
        where = f" (cell In [{self.execution_count}])" if self.execution_count is not None else ""
        return f"{self.name}: {self.message}{where}"


@dataclass
class StepResult:
    """One step of a run."""

    name: str
    kind: str
    """``notebook``, ``dummy`` or the kind of a custom step."""
    role: str = "step"
    """``step`` (part of the DAG) or ``on_error`` (an error handler)."""
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None
    attempts: int = 0
    notebook_path: str | None = None
    """The input notebook, relative to the product root."""
    output_path: Path | None = None
    """The executed copy (absolute), once the step started."""
    error: StepFailure | None = None
    detail: str = ""
    """A short human note: why it was skipped, the retry in progress..."""
    upstream: list[str] = field(default_factory=list)
    on_error: list[str] = field(default_factory=list)
    worker: str | None = None
    """Where the step's last attempt ran, when its executor says (a Dask worker's address)."""

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None while it has not ended)."""
        return _duration(self.started_at, self.ended_at)

    def progress_line(self) -> str:
        """``SUCCEEDED Collect (1.2 s)``, with the error or the detail: one line of the live
        progress the CLI and ``pipeline.run()`` print."""
        line = f"{self.status.value:<9} {self.name}"
        if self.status.finished and self.duration is not None:
            line += f" ({self.duration:.1f} s)"
        if self.error is not None and self.status == StepStatus.FAILED:
            line += f": {self.error}"
        elif self.detail:
            line += f": {self.detail}"
        return line

    def to_json(self, relative_to: Path | None = None) -> dict[str, Any]:
        """JSON for the REST API; ``output_path`` is made relative to ``relative_to`` if given."""
        output: str | None = None
        if self.output_path is not None:
            output = str(self.output_path)
            if relative_to is not None:
                try:
                    output = self.output_path.relative_to(relative_to).as_posix()
                except ValueError:
                    output = None  # outside what the caller may see
        return {
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "status": self.status.value,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "duration": self.duration,
            "attempts": self.attempts,
            "notebook_path": self.notebook_path,
            "output_path": output,
            "error": self.error.to_json() if self.error else None,
            "detail": self.detail,
            "upstream": list(self.upstream),
            "on_error": list(self.on_error),
            "worker": self.worker,
        }


class PipelineFailed(RuntimeError):
    """Raised by ``pipeline.run(raise_on_failure=True)`` when the run did not succeed."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        failed = [f"{s.name} ({s.error})" for s in result.steps if s.status == StepStatus.FAILED]
        detail = "; ".join(failed) or result.error or result.status.value
        super().__init__(
            f"Pipeline '{result.pipeline}' run {result.run_id} {result.status.value}: {detail}"
        )


@dataclass
class RunResult:
    """A run of a pipeline: its id, status and steps. ``result["Step name"]`` gives a step."""

    run_id: str
    pipeline: str
    status: RunStatus
    product_root: Path
    steps: list[StepResult] = field(default_factory=list)
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    source: str = "python"
    """Who started it: ``notebook``, ``python``, ``cli``, ``api``, ``scheduler``."""
    pipeline_path: str | None = None
    """The notebook that defines the pipeline, relative to the product root, when known."""
    error: str | None = None
    """Why the run failed as a whole (e.g. its definition could not be read)."""
    output_dir: Path | None = None
    """Folder of the executed copies: ``outputs/pipeline_executions/<pipeline>/<run-id>``."""
    pid: int | None = None
    host: str | None = None
    cancel_requested: bool = False
    deployment_id: str | None = None
    """The deployment a production run executed (None for a run of the live notebooks)."""
    notify: dict[str, Any] | None = None
    """Who is told of this run (the Notify JSON of :mod:`naas_lab_ext.core.notify`); None:
    the defaults (its schedule's rules, else failure mail to the server's recipients)."""

    @property
    def ok(self) -> bool:
        """True only when the run SUCCEEDED."""
        return self.status == RunStatus.SUCCEEDED

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while it runs, and for an interrupted run whose
        process was not seen alive after it started (its end, the last sign of life, is its
        start or before: the real duration is not known, and is not shown as 0.0 s)."""
        duration = _duration(self.started_at, self.ended_at)
        if self.status == RunStatus.INTERRUPTED and duration is not None and duration < 0.05:
            return None
        return duration

    @property
    def failed_steps(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == StepStatus.FAILED]

    def __getitem__(self, name: str) -> StepResult:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def raise_for_status(self) -> RunResult:
        """Raise :class:`PipelineFailed` unless the run SUCCEEDED; return self otherwise."""
        if not self.ok:
            raise PipelineFailed(self)
        return self

    def to_json(self, relative_to: Path | None = None) -> dict[str, Any]:
        """JSON for the REST API. Paths are made relative to ``relative_to`` (the Jupyter root)
        when given; a path outside it is reported as null."""

        def rel(path: Path | None) -> str | None:
            if path is None:
                return None
            if relative_to is None:
                return str(path)
            try:
                return path.relative_to(relative_to).as_posix()
            except ValueError:
                return None

        product = rel(self.product_root)
        pipeline_path = self.pipeline_path
        if pipeline_path is not None and relative_to is not None:
            pipeline_path = rel(self.product_root / pipeline_path)
        return {
            "id": self.run_id,
            "pipeline": self.pipeline,
            "status": self.status.value,
            "product": product,
            "pipeline_path": pipeline_path,
            "source": self.source,
            "parameters": self.parameters,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "duration": self.duration,
            "error": self.error,
            "output_dir": rel(self.output_dir),
            "cancel_requested": self.cancel_requested,
            "deployment_id": self.deployment_id,
            "notify": shown_notify(self.notify),  # webhooks shortened: their URLs are secrets
            "steps": [s.to_json(relative_to) for s in self.steps],
        }

    def summary(self) -> str:
        lines = [f"Pipeline '{self.pipeline}' run {self.run_id}: {self.status.value}"]
        for step in self.steps:
            took = f" in {step.duration:.1f} s" if step.duration is not None else ""
            line = f"  {step.status.value:<11} {step.name}{took}"
            if step.error:
                line += f"  {step.error}"
            elif step.detail and step.status == StepStatus.SKIPPED:
                line += f"  ({step.detail})"
            lines.append(line)
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<RunResult {self.run_id} {self.pipeline} {self.status.value}>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        colours = {
            StepStatus.SUCCEEDED: "#2e7d32",
            StepStatus.FAILED: "#c62828",
            StepStatus.RUNNING: "#1565c0",
            StepStatus.CANCELLED: "#6d4c41",
            StepStatus.INTERRUPTED: "#6d4c41",
        }
        rows = []
        for step in self.steps:
            colour = colours.get(step.status, "#757575")
            took = f"{step.duration:.1f} s" if step.duration is not None else ""
            note = str(step.error) if step.error else step.detail
            rows.append(
                f"<tr><td>{html.escape(step.name)}</td>"
                f"<td style='color:{colour};font-weight:bold'>{step.status.value}</td>"
                f"<td>{took}</td><td>{html.escape(note)}</td></tr>"
            )
        head = (
            f"<p><b>{html.escape(self.pipeline)}</b> run <code>{self.run_id}</code>: "
            f"<b>{self.status.value}</b></p>"
        )
        table = (
            "<table><tr><th>Step</th><th>Status</th><th>Duration</th><th>Note</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        return head + table
