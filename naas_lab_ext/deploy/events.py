"""The events of deploys, recorded by the deployment store in the transaction of the change
they tell of: a deploy that starts, succeeds (its deployment becomes active) or fails, and a
rollback (an earlier deployment active again)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..events.store import record_event
from .records import Deployment, StepStatus

__all__ = ["DEPLOY_EVENTS", "record_deploy_event"]

DEPLOY_EVENTS = ("deploy.started", "deploy.succeeded", "deploy.failed", "deploy.rolled_back")


def _message(kind: str, d: Deployment, previous: str | None) -> str:
    product = d.product_root.name
    if kind == "deploy.started":
        tests = " (tests skipped)" if d.skip_tests else ""
        return f"Deploy of '{product}' started: deployment {d.id}{tests}"
    if kind == "deploy.succeeded":
        count = len(d.schedules)
        return (
            f"Deploy of '{product}' succeeded: deployment {d.id} is active with {count} "
            f"schedule{'s' if count != 1 else ''}"
        )
    if kind == "deploy.rolled_back":
        was = f" (was {previous})" if previous else ""
        return f"'{product}' rolled back to deployment {d.id}{was}"
    failed = next((s for s in d.steps if s.status == StepStatus.FAILED), None)
    if failed is not None and failed.message:
        return f"Deploy of '{product}' failed at {failed.title}: {failed.message}"
    return f"Deploy of '{product}' failed: {d.error or 'the deploy did not finish'}"


def record_deploy_event(
    session: Session, kind: str, d: Deployment, *, previous: str | None = None
) -> None:
    """Record that deployment ``d`` started, succeeded, failed or was rolled back to
    (``previous``: the deployment that was active before)."""
    if kind not in DEPLOY_EVENTS:
        raise ValueError(f"not a deploy event: {kind!r}")
    failed = next((s for s in d.steps if s.status == StepStatus.FAILED), None)
    details: dict[str, Any] = {
        "deployment_id": d.id,
        "status": d.status.value,
        "skip_tests": d.skip_tests,
        "tests": d.tests,
        "commit": d.commit,
        "step": failed.name if failed else None,
        "error": d.error if kind == "deploy.failed" else None,
        "schedules": len(d.schedules),
        "previous_deployment_id": previous,
    }
    if d.duration is not None and kind != "deploy.rolled_back":
        details["duration"] = round(d.duration, 3)
    record_event(
        session,
        kind,
        _message(kind, d, previous),
        subject_type="deployment",
        subject_id=d.id,
        product_root=d.product_root,
        details=details,
    )
