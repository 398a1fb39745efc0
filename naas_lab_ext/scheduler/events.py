"""The events of schedules, recorded by the schedule store in the transaction of the change
they tell of: a schedule created, changed or deleted by a deploy, paused, resumed or deleted by
hand, and what became of each due time (a run started: fired; skipped, with why; or a run
that could not start: skipped, at the error level).

Never in an event: a schedule's parameters or notification targets (a webhook URL holds its
secret), only the names of what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.errors import NaasError
from ..events.kinds import Level
from ..events.store import event_values
from .cron import parse_cron
from .orm import ScheduleRow

__all__ = ["DECLARATION", "firing_event", "schedule_event"]

#: The fields of a schedule's declaration an event may show old -> new (not the parameters,
#: nor notify: only their names).
SHOWN = ("cron", "timezone", "catch_up", "overlap")
DECLARATION = (*SHOWN, "parameters", "notify")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def describe(row: ScheduleRow) -> str:
    """The cron in words ("every day at 08:00 (UTC)"), or the expression."""
    try:
        return parse_cron(row.cron, row.timezone).describe()
    except NaasError:
        return f"'{row.cron}' ({row.timezone})"


def _subject(row: ScheduleRow) -> str:
    return f"Schedule of '{Path(row.product_root).name}'"


def _details(row: ScheduleRow, **more: Any) -> dict[str, Any]:
    return {
        "schedule_id": row.id,
        "pipeline": row.pipeline,
        "cron": row.cron,
        "timezone": row.timezone,
        "deployment_id": row.deployment_id,
        **more,
    }


def schedule_event(
    kind: str,
    row: ScheduleRow,
    *,
    previous: ScheduleRow | None = None,
    changed: Sequence[str] = (),
    reason: str | None = None,
) -> dict[str, Any]:
    """The event (a row for ``record_events``) of a schedule ``created``, ``changed`` (from
    ``previous``, the row it replaces, or in place: the names of the ``changed`` fields),
    ``paused``, ``resumed`` or ``deleted``."""
    what = f"{row.pipeline} {describe(row)}"
    extra: dict[str, Any] = {}
    if kind == "schedule.changed":
        fields = list(changed)
        was = ""
        if previous is not None:
            fields = [f for f in DECLARATION if getattr(previous, f) != getattr(row, f)]
            if describe(previous) != describe(row):
                was = f" (was {describe(previous)})"
            extra["previous_schedule_id"] = previous.id
            extra["changes"] = {
                f: [getattr(previous, f), getattr(row, f)] for f in SHOWN if f in fields
            }
        message = f"{_subject(row)} changed ({', '.join(fields) or 'nothing'}): {what}{was}"
        extra["changed"] = fields
    else:
        verb = kind.rsplit(".", 1)[-1]
        message = f"{_subject(row)} {verb}: {what}"
    if reason:
        message += f" ({reason})"
        extra["reason"] = reason
    return event_values(
        kind,
        message,
        subject_type="schedule",
        subject_id=row.id,
        product_root=row.product_root,
        details=_details(row, **extra),
    )


def firing_event(
    row: ScheduleRow,
    *,
    due_at: datetime,
    outcome: str,
    firing_kind: str,
    run_id: str | None,
    message: str | None,
) -> dict[str, Any] | None:
    """The event of what became of a due time (``outcome`` started, skipped or failed; a
    queued firing has none yet: it starts or is skipped later)."""
    when = "run now" if firing_kind == "manual" else f"due {_when(due_at)}"
    note = f": {message}" if message else ""
    level = None
    if outcome == "started":
        kind = "schedule.fired"
        verb = "run now" if firing_kind == "manual" else f"fired: {row.pipeline} {when}"
        if firing_kind == "manual":
            verb += f": {row.pipeline}"
        text = f"{_subject(row)} {verb}, run {run_id}"
    elif outcome == "skipped":
        kind = "schedule.skipped"
        text = f"{_subject(row)} skipped {row.pipeline} {when}{note}"
    elif outcome == "failed":
        kind, level = "schedule.skipped", Level.ERROR
        text = f"{_subject(row)} could not start {row.pipeline} {when}{note}"
    else:
        return None
    return event_values(
        kind,
        text,
        subject_type="schedule",
        subject_id=row.id,
        product_root=row.product_root,
        level=level,
        details=_details(
            row,
            due_at=due_at.isoformat().replace("+00:00", "Z"),
            outcome=outcome,
            firing=firing_kind,
            run_id=run_id,
            message=message,
        ),
    )
