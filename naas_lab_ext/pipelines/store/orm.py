"""The tables of the runs, and how a row becomes a result (and back).

Tables: ``runs`` and ``run_steps``, on the database's shared :class:`Base`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...database.base import Base, OwnedByProcess, UTCDateTime
from ..results import RunResult, RunStatus, StepFailure, StepResult, StepStatus

__all__ = ["RunRow", "StepRow", "run_result", "step_values"]


class RunRow(OwnedByProcess, Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(64))
    product_root: Mapped[str] = mapped_column(Text)
    pipeline_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(32), default="python")
    parameters: Mapped[Any] = mapped_column(JSON, default=dict)
    dag: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # schema 2 (migrations.py)
    deployment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # schema 3: who is told of the run (core/notify.py)
    notify: Mapped[Any] = mapped_column(JSON, nullable=True)
    steps: Mapped[list[StepRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="StepRow.position"
    )
    __table_args__ = (
        Index("ix_runs_pipeline", "product_root", "pipeline", "created_at"),
        # schema 4: the Manager's lists, newest first (keyset paging on (created_at, id))
        Index("ix_runs_created", "created_at", "id"),
        Index("ix_runs_product", "product_root", "created_at", "id"),
    )


class StepRow(Base):
    __tablename__ = "run_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    notebook_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    upstream: Mapped[Any] = mapped_column(JSON, default=list)
    on_error: Mapped[Any] = mapped_column(JSON, default=list)
    worker: Mapped[str | None] = mapped_column(String(255), nullable=True)  # schema 5
    run: Mapped[RunRow] = relationship(back_populates="steps")
    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_run_steps_name"),)


def step_result(row: StepRow) -> StepResult:
    return StepResult(
        name=row.name,
        kind=row.kind,
        role=row.role,
        status=StepStatus(row.status),
        started_at=row.started_at,
        ended_at=row.ended_at,
        attempts=row.attempts,
        notebook_path=row.notebook_path,
        output_path=Path(row.output_path) if row.output_path else None,
        error=StepFailure.from_json(row.error) if row.error else None,
        detail=row.detail or "",
        upstream=list(row.upstream or []),
        on_error=list(row.on_error or []),
        worker=row.worker,
    )


def run_result(row: RunRow, steps: Sequence[StepRow]) -> RunResult:
    return RunResult(
        run_id=row.id,
        pipeline=row.pipeline,
        status=RunStatus(row.status),
        product_root=Path(row.product_root),
        steps=[step_result(s) for s in steps],
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        parameters=dict(row.parameters or {}),
        source=row.source,
        pipeline_path=row.pipeline_path,
        error=row.error,
        output_dir=Path(row.output_dir) if row.output_dir else None,
        pid=row.pid,
        host=row.host,
        cancel_requested=bool(row.cancel_requested),
        deployment_id=row.deployment_id,
        notify=dict(row.notify) if isinstance(row.notify, dict) else None,
    )


def step_values(step: StepResult) -> dict[str, Any]:
    """The columns of a step's row that change while its run goes."""
    return {
        "status": step.status.value,
        "started_at": step.started_at,
        "ended_at": step.ended_at,
        "attempts": step.attempts,
        "output_path": str(step.output_path) if step.output_path else None,
        "error": step.error.to_json() if step.error else None,
        "detail": step.detail,
        "worker": step.worker,
    }
