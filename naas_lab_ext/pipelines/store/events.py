"""The events of runs, recorded by the run store in the transaction of the change they tell of:
a run that starts or ends, a step that fails (whatever process runs it: the server, the CLI, a
notebook, a scheduler)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...events.store import record_event
from ..results import RunStatus, StepResult

__all__ = ["record_run_event", "record_step_failed"]

KIND = {
    RunStatus.RUNNING: "run.started",
    RunStatus.SUCCEEDED: "run.succeeded",
    RunStatus.FAILED: "run.failed",
    RunStatus.CANCELLED: "run.cancelled",
    RunStatus.INTERRUPTED: "run.interrupted",
}
VERB = {
    RunStatus.RUNNING: "started",
    RunStatus.SUCCEEDED: "succeeded",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "was cancelled",
    RunStatus.INTERRUPTED: "was interrupted",
}


def record_run_event(
    session: Session,
    *,
    run_id: str,
    pipeline: str,
    product_root: Path | str,
    status: RunStatus,
    source: str,
    deployment_id: str | None,
    error: str | None = None,
    failed_steps: list[StepResult] | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> None:
    """Record that run ``run_id`` started or ended with ``status``."""
    if status not in KIND:
        return
    failed = failed_steps or []
    message = f"Run of '{pipeline}' {VERB[status]}"
    if failed:
        first = failed[0]
        message += f" at step {first.name}" + (f": {first.error}" if first.error else "")
    elif error:
        message += f": {error}"
    details: dict[str, Any] = {
        "run_id": run_id,
        "pipeline": pipeline,
        "status": status.value,
        "source": source,
        "deployment_id": deployment_id,
        "error": error,
        "failed_steps": [step.name for step in failed],
    }
    if started_at is not None and ended_at is not None:
        details["duration"] = round((ended_at - started_at).total_seconds(), 3)
    record_event(
        session,
        KIND[status],
        message,
        subject_type="run",
        subject_id=run_id,
        product_root=product_root,
        details=details,
    )


def record_step_failed(
    session: Session, *, run_id: str, pipeline: str, product_root: Path | str, step: StepResult
) -> None:
    """Record that a step of run ``run_id`` failed (after its last attempt)."""
    record_event(
        session,
        "step.failed",
        f"Step {step.name} of '{pipeline}' failed" + (f": {step.error}" if step.error else ""),
        subject_type="run",
        subject_id=run_id,
        product_root=product_root,
        details={
            "run_id": run_id,
            "pipeline": pipeline,
            "step": step.name,
            "error": step.error.to_json() if step.error else None,
            "output_path": str(step.output_path) if step.output_path else None,
        },
    )
