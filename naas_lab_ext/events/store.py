"""Recording events, and reading them back a page at a time or after a cursor."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..core.clock import utc_now
from ..core.errors import InvalidInput
from ..database.engine import Database
from .kinds import KINDS, SUBJECTS, Level
from .orm import TABLES, EventRow

__all__ = ["Event", "EventPage", "EventStore", "record_event"]

MAX_PAGE = 500
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class Event:
    """One event, as the REST API, the CLI and the notifications read it."""

    id: int
    at: datetime
    kind: str
    level: Level
    product_root: Path | None
    subject_type: str
    subject_id: str | None
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, relative_to: Path | None = None) -> dict[str, Any]:
        product: str | None = None
        if self.product_root is not None:
            product = str(self.product_root)
            if relative_to is not None:
                try:
                    relative = self.product_root.relative_to(relative_to).as_posix()
                    product = "" if relative == "." else relative
                except ValueError:
                    product = None
        return {
            "id": self.id,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "kind": self.kind,
            "level": self.level.value,
            "product": product,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class EventPage:
    """A page of events, newest first; ``next_before`` is the cursor of the next page."""

    events: list[Event]
    next_before: int | None


def _safe(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as JSON can hold them (no NaN; anything else as text)."""
    if not details:
        return {}
    text = json.dumps(dict(details), default=str)
    data = json.loads(text, parse_constant=lambda _constant: None)  # NaN, Infinity: null
    return data if isinstance(data, dict) else {}


def record_event(
    session: Session,
    kind: str,
    message: str,
    *,
    subject_type: str,
    subject_id: str | None = None,
    product_root: Path | str | None = None,
    details: Mapping[str, Any] | None = None,
    level: Level | None = None,
    at: datetime | None = None,
) -> None:
    """Record an event in ``session``'s transaction (with the change it tells of)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")  # a programming error, not input
    if subject_type not in SUBJECTS:
        raise ValueError(f"unknown event subject {subject_type!r}")
    session.execute(
        insert(EventRow).values(
            at=at or utc_now(),
            kind=kind,
            level=(level or KINDS[kind]).value,
            product_root=str(product_root) if product_root is not None else None,
            subject_type=subject_type,
            subject_id=subject_id,
            message=message[:MAX_MESSAGE],
            details=_safe(details),
        )
    )


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        kind=row.kind,
        level=Level(row.level),
        product_root=Path(row.product_root) if row.product_root else None,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        message=row.message,
        details=dict(row.details or {}),
    )


class EventStore:
    """The events of the shared database ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables(TABLES)

    def record(self, kind: str, message: str, **fields: Any) -> None:
        """Record an event in a transaction of its own (see :func:`record_event`)."""
        with self.db.write() as session:
            record_event(session, kind, message, **fields)

    def page(
        self,
        *,
        before: int | None = None,
        limit: int = 50,
        product_root: Path | None = None,
        under: Path | None = None,
        levels: Sequence[str] = (),
        kinds: Sequence[str] = (),
        subject_type: str | None = None,
        subject_id: str | None = None,
    ) -> EventPage:
        """Events newest first, ``limit`` at most, older than the cursor ``before`` (an event
        id): keyset paging, as fast on the millionth event as on the first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be from 1 to {MAX_PAGE}.", field="limit")
        for level in levels:
            if level not in {lv.value for lv in Level}:
                allowed = ", ".join(lv.value for lv in Level)
                raise InvalidInput(
                    f"Unknown level '{level}'. Use one of: {allowed}.", field="level"
                )
        for kind in kinds:
            if kind not in KINDS:
                raise InvalidInput(
                    f"Unknown event kind '{kind}'. Use one of: {', '.join(KINDS)}.", field="kind"
                )
        query = select(EventRow).order_by(EventRow.id.desc()).limit(limit + 1)
        if before is not None:
            query = query.where(EventRow.id < before)
        if product_root is not None:
            query = query.where(EventRow.product_root == str(product_root))
        elif under is not None:
            root = str(under).rstrip("/")
            query = query.where(
                (EventRow.product_root == root)
                | EventRow.product_root.startswith(root + "/", autoescape=True)
            )
        if levels:
            query = query.where(EventRow.level.in_(list(levels)))
        if kinds:
            query = query.where(EventRow.kind.in_(list(kinds)))
        if subject_type is not None:
            query = query.where(EventRow.subject_type == subject_type)
        if subject_id is not None:
            query = query.where(EventRow.subject_id == subject_id)
        with self.db.sessions() as session:
            rows = session.scalars(query).all()
        events = [_event(row) for row in rows[:limit]]
        more = len(rows) > limit
        return EventPage(events, events[-1].id if more and events else None)

    def after(self, cursor: int, *, limit: int = 500) -> list[Event]:
        """Events recorded after the event ``cursor``, oldest first (readers that tail)."""
        query = select(EventRow).where(EventRow.id > cursor).order_by(EventRow.id).limit(limit)
        with self.db.sessions() as session:
            return [_event(row) for row in session.scalars(query).all()]

    def last_id(self) -> int:
        """The id of the newest event (0 when there is none): where a new reader starts."""
        query = select(EventRow.id).order_by(EventRow.id.desc()).limit(1)
        with self.db.sessions() as session:
            return int(session.scalar(query) or 0)

    def prune(self, older_than_days: float, *, now: datetime | None = None) -> int:
        """Delete the events older than ``older_than_days`` days; return how many."""
        if not math.isfinite(older_than_days) or older_than_days <= 0:
            return 0
        limit = (now or utc_now()) - timedelta(days=older_than_days)
        with self.db.write() as session:
            done = session.execute(delete(EventRow).where(EventRow.at < limit))
            return int(getattr(done, "rowcount", 0) or 0)
