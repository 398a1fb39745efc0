"""The tables every capability shares the database with: the declarative base, aware UTC
times, the meta table (schema version, change counters), and the columns of a record some
process works on."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "MetaRow", "OwnedByProcess", "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Base(DeclarativeBase):
    """Metadata shared by every table of naas_lab_ext."""


class OwnedByProcess:
    """The columns of a record a process works on: which process (host, pid and the pid's
    start time, to tell a reused pid apart) and when it last said it was alive. Recovery reads
    them to tell work whose process died (see ``repository.owner_alive``)."""

    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pid_started: Mapped[float | None] = mapped_column(Float, nullable=True)


class MetaRow(Base):
    __tablename__ = "naas_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
