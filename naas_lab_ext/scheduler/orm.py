"""The scheduler's tables, on the run store's :class:`~naas_lab_ext.pipelines.store.orm.Base`.

``schedules``: a product's declared schedules, each with the production (deployment) its runs
execute and its next due time. ``schedule_firings``: one row per handled due time, unique on
(schedule, due time): inserting it is how a scheduler claims a firing, so two schedulers on
one store never fire one due time twice. ``naas_meta`` holds :data:`CHANGES_KEY`, a counter
bumped by every change another scheduler must reload for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..database.base import Base, UTCDateTime

__all__ = ["CHANGES_KEY", "FIRINGS", "SCHEDULES", "TABLES", "FiringRow", "ScheduleRow"]

#: The ``naas_meta`` key of the schedules' change counter.
CHANGES_KEY = "schedules_changes"


class ScheduleRow(Base):
    __tablename__ = "schedules"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_root: Mapped[str] = mapped_column(Text, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Its place in the product's declarations (lists show them in that order)."""
    # the declaration (setup.ipynb's schedule())
    pipeline: Mapped[str] = mapped_column(Text)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[Any] = mapped_column(JSON, default=dict)
    notify: Mapped[Any] = mapped_column(JSON, nullable=True)
    catch_up: Mapped[str] = mapped_column(String(16))
    overlap: Mapped[str] = mapped_column(String(16))
    # state
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """The first due time no scheduler has handled yet."""
    # the production its runs execute (pipelines.production.Production)
    deployment_id: Mapped[str] = mapped_column(String(64))
    copy_root: Mapped[str] = mapped_column(Text)
    kernel_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    kernel_dirs: Mapped[Any] = mapped_column(JSON, default=list)
    env: Mapped[Any] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FiringRow(Base):
    __tablename__ = "schedule_firings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16), default="due")
    """``due`` (a due time of the cron) or ``manual`` (run now)."""
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    """``started``, ``skipped``, ``queued`` or ``failed``."""
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_schedule_firings_due"),
        Index("ix_schedule_firings_schedule", "schedule_id", "id"),
    )


# The tables as Core tables (bulk statements), and the list to create when missing.
SCHEDULES: Table = ScheduleRow.__table__  # type: ignore[assignment]
FIRINGS: Table = FiringRow.__table__  # type: ignore[assignment]
TABLES: list[Table] = [SCHEDULES, FIRINGS]
