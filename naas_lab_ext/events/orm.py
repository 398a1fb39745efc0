"""The events table of the shared database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database.base import Base, UTCDateTime

__all__ = ["TABLES", "EventRow"]


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Increasing: the order events were recorded in (and the cursor of the readers)."""
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))
    product_root: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[Any] = mapped_column(JSON, default=dict)
    __table_args__ = (
        Index("ix_events_product", "product_root", "id"),
        Index("ix_events_kind", "kind", "id"),
        Index("ix_events_level", "level", "id"),
        Index("ix_events_at", "at"),
    )


TABLES = [EventRow.__table__]
