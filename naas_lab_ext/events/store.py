"""Recording events, and reading them back a page at a time or after a cursor.

Filters (:class:`EventFilter`) are the same for both readers: a product (or every product
inside a folder, with the events of no product such as template syncs), levels, kinds and a
subject. Every message and detail goes through :func:`~.redact.redact` first: a password in a
URL never reaches the log.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from ..core.clock import utc_now
from ..core.errors import InvalidInput
from ..database.engine import Database
from .kinds import KINDS, MAX_PAGE, SUBJECTS, Level
from .orm import TABLES, EventRow
from .redact import redact, redact_text

__all__ = [
    "MAX_PAGE",
    "Event",
    "EventFilter",
    "EventPage",
    "EventStore",
    "EventTail",
    "event_values",
    "record_event",
    "record_events",
    "record_store_created",
]

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


@dataclass(frozen=True)
class EventTail:
    """Events after a cursor, oldest first; ``last_id`` is where the next read starts (past
    the events the filters left out too, so a reader never reads them again)."""

    events: list[Event]
    last_id: int


@dataclass(frozen=True)
class EventFilter:
    """Which events a reader wants (every field optional)."""

    product_root: Path | None = None
    """Only this product's events."""
    under: Path | None = None
    """Only the events of products inside this folder, and those of no product (template
    syncs...): what a server shows of a store other roots may share. Ignored with
    ``product_root``."""
    levels: Sequence[str] = ()
    kinds: Sequence[str] = ()
    subject_type: str | None = None
    subject_id: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions; :class:`InvalidInput` naming a bad level, kind or
        subject type and the allowed ones."""
        allowed_levels = [lv.value for lv in Level]
        for level in self.levels:
            if level not in allowed_levels:
                raise InvalidInput(
                    f"Unknown level '{level}'. Use one of: {', '.join(allowed_levels)}.",
                    field="level",
                )
        for kind in self.kinds:
            if kind not in KINDS:
                raise InvalidInput(
                    f"Unknown event kind '{kind}'. Use one of: {', '.join(KINDS)}.", field="kind"
                )
        if self.subject_type is not None and self.subject_type not in SUBJECTS:
            raise InvalidInput(
                f"Unknown subject type '{self.subject_type}'. Use one of: {', '.join(SUBJECTS)}.",
                field="subject_type",
            )
        where: list[ColumnElement[bool]] = []
        if self.product_root is not None:
            where.append(EventRow.product_root == str(self.product_root))
        elif self.under is not None:
            root = str(self.under).rstrip("/")
            where.append(
                EventRow.product_root.is_(None)
                | (EventRow.product_root == (root or "/"))
                | EventRow.product_root.startswith(root + "/", autoescape=True)
            )
        if self.levels:
            where.append(EventRow.level.in_(list(self.levels)))
        if self.kinds:
            where.append(EventRow.kind.in_(list(self.kinds)))
        if self.subject_type is not None:
            where.append(EventRow.subject_type == self.subject_type)
        if self.subject_id is not None:
            where.append(EventRow.subject_id == self.subject_id)
        return where


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be from 1 to {MAX_PAGE}.", field="limit")
    return limit


def _safe(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as JSON can hold them (no NaN; anything else as text)."""
    if not details:
        return {}
    text = json.dumps(dict(details), default=str)
    data = json.loads(text, parse_constant=lambda _constant: None)  # NaN, Infinity: null
    return data if isinstance(data, dict) else {}


def event_values(
    kind: str,
    message: str,
    *,
    subject_type: str,
    subject_id: str | None = None,
    product_root: Path | str | None = None,
    details: Mapping[str, Any] | None = None,
    level: Level | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The row of an event (checked, its secrets redacted), for :func:`record_events`."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")  # a programming error, not input
    if subject_type not in SUBJECTS:
        raise ValueError(f"unknown event subject {subject_type!r}")
    return {
        "at": at or utc_now(),
        "kind": kind,
        "level": (level or KINDS[kind]).value,
        "product_root": str(product_root) if product_root is not None else None,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "message": redact_text(message)[:MAX_MESSAGE],
        "details": redact(_safe(details)),
    }


def record_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Record events (rows of :func:`event_values`) in ``session``'s transaction, at once (a
    scheduler firing a thousand schedules records a thousand events in one statement)."""
    if rows:
        session.execute(insert(EventRow), [dict(row) for row in rows])


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
    record_events(
        session,
        [
            event_values(
                kind,
                message,
                subject_type=subject_type,
                subject_id=subject_id,
                product_root=product_root,
                details=details,
                level=level,
                at=at,
            )
        ],
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


def record_store_created(db: Database) -> None:
    """Record, once, that ``db`` was created because its history was not found (a missing or
    empty SQLite file: a first start, or a lost store); its tables must exist."""
    message = db.take_created_notice()
    if message is None:
        return
    with db.write() as session:
        record_event(
            session,
            "store.created",
            message,
            subject_type="store",
            details={"path": db.location, "reason": db.created},
        )


class EventStore:
    """The events of the shared database ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables(TABLES)
        record_store_created(db)

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
        filters: EventFilter | None = None,
    ) -> EventPage:
        """Events newest first, ``limit`` at most, older than the cursor ``before`` (an event
        id): keyset paging, as fast on the millionth event as on the first. ``under``: the
        events of products inside that folder and those of no product (see
        :class:`EventFilter`; ``filters`` replaces the keyword filters)."""
        limit = _check_limit(limit)
        chosen = filters or EventFilter(
            product_root, under, tuple(levels), tuple(kinds), subject_type, subject_id
        )
        where = chosen.conditions()
        query = select(EventRow).where(*where).order_by(EventRow.id.desc()).limit(limit + 1)
        if before is not None:
            query = query.where(EventRow.id < before)
        with self.db.sessions() as session:
            rows = session.scalars(query).all()
        events = [_event(row) for row in rows[:limit]]
        more = len(rows) > limit
        return EventPage(events, events[-1].id if more and events else None)

    def tail(
        self, after: int, *, limit: int = 100, filters: EventFilter | None = None
    ) -> EventTail:
        """The events (matching ``filters``) recorded after the event ``after``, oldest first,
        and the cursor of the next read. ``after=0``: from the first event; ``after=-1``:
        none, only the cursor (a reader that starts now)."""
        limit = _check_limit(limit)
        where = (filters or EventFilter()).conditions()
        with self.db.sessions() as session:
            # The newest id first, then the events up to it: an event committed meanwhile is
            # read next time, never skipped.
            newest = int(session.scalar(select(func.max(EventRow.id))) or 0)
            if after < 0:
                return EventTail([], newest)
            query = (
                select(EventRow)
                .where(EventRow.id > after, EventRow.id <= newest, *where)
                .order_by(EventRow.id)
                .limit(limit)
            )
            rows = session.scalars(query).all()
        events = [_event(row) for row in rows]
        last = events[-1].id if len(events) == limit else max(after, newest)
        return EventTail(events, last)

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

    def prune(
        self, older_than_days: float, *, now: datetime | None = None, batch: int = 5000
    ) -> int:
        """Delete the events older than ``older_than_days`` days; return how many. A batch
        at a time, each its own transaction: a large prune never holds the writers back."""
        if not math.isfinite(older_than_days) or older_than_days <= 0:
            return 0
        limit = (now or utc_now()) - timedelta(days=older_than_days)
        total = 0
        while True:
            with self.db.write() as session:
                doomed = select(EventRow.id).where(EventRow.at < limit).limit(batch)
                done = session.execute(delete(EventRow).where(EventRow.id.in_(doomed)))
                count = int(getattr(done, "rowcount", 0) or 0)
            total += count
            if count < batch:
                return total
