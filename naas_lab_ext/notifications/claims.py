"""Exactly one delivery per (event, channel, target), whichever process gets there first.

Every dispatcher on a store (Lab servers, ``naas-lab scheduler``) reads every event. Before it
sends anything it inserts a claim, unique on (event id, channel, target): the one insert that
succeeds sends; the others find the row and move on. The target is kept as a hash (and the
shortened form people see): a webhook's token is not copied into another table. The claim then
records how the delivery ended.

A process that dies between its claim and the end of its sending leaves a claim ``sending``: that
notification is not sent again by anyone (at most once, rather than twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utc_now
from ..database.base import Base, UTCDateTime
from ..database.engine import Database
from ..database.processes import ProcessIdentity
from ..events.store import record_event
from .delivery import Outcome, Target

__all__ = ["TABLES", "ClaimRow", "ClaimStore"]


class ClaimRow(Base):
    __tablename__ = "notification_claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    target_key: Mapped[str] = mapped_column(String(64))
    """sha256 of the channel and the address (see :attr:`Target.key`)."""
    target: Mapped[str] = mapped_column(Text)
    """The address as people see it (a webhook shortened)."""
    status: Mapped[str] = mapped_column(String(16), default="sending")
    """``sending``, ``sent`` or ``failed``."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "target_key", name="uq_notification_claims"),
    )


TABLES = [ClaimRow.__table__]


class ClaimStore:
    """The claims of the shared database ``db`` (its table created when missing)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables(TABLES)

    def claim(
        self, event_id: int, target: Target, *, owner: ProcessIdentity | None = None
    ) -> int | None:
        """Claim the delivery of event ``event_id`` to ``target``: the claim's id if it is
        ours, None if another dispatcher claimed it first."""
        owner = owner or ProcessIdentity.current()
        row = ClaimRow(
            event_id=event_id,
            channel=target.channel,
            target_key=target.key,
            target=target.shown,
            status="sending",
            attempts=0,
            host=owner.host,
            pid=owner.pid,
            claimed_at=utc_now(),
        )
        try:
            with self.db.write() as session:
                session.add(row)
                session.flush()
                return int(row.id)
        except IntegrityError:
            return None  # the unique (event, channel, target) says someone has it

    def finish(
        self, claim_id: int, outcome: Outcome, *, event: Mapping[str, Any] | None = None
    ) -> None:
        """Record how the claimed delivery ended, and ``event`` (the arguments of
        :func:`~naas_lab_ext.events.store.record_event`) in the same transaction."""
        with self.db.write() as session:
            session.execute(
                update(ClaimRow)
                .where(ClaimRow.id == claim_id)
                .values(
                    status="sent" if outcome.ok else "failed",
                    attempts=outcome.attempts,
                    message=outcome.message[:2000],
                    ended_at=utc_now(),
                )
            )
            if event is not None:
                record_event(session, **event)
