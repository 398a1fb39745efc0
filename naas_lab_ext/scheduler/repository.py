"""The schedules and their firings, in the run store's database.

:class:`ScheduleStore` shares the :class:`~naas_lab_ext.pipelines.store.repository.RunStore`'s
engine (SQLite in WAL mode with ``BEGIN IMMEDIATE``, or any database SQLAlchemy speaks), so a
schedule's runs and its firings are joined in one query and several processes (Lab servers,
``naas-lab scheduler``, a CLI deploy) read and write the same schedules.

Claiming a firing is an INSERT on the unique (schedule, due time) pair, in the transaction
that moves the schedule's next due time on: whichever scheduler inserts first fires it, the
others see the row exists and do nothing. Every change another scheduler must reload for
(schedules replaced, paused, resumed, deleted; a firing queued or dequeued) bumps a counter in
``naas_meta``, which the schedulers poll.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CursorResult,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.clock import utc_now
from ..core.errors import InvalidInput, NotFound
from ..core.notify import keep_webhooks, validate_notify
from ..database.base import MetaRow
from ..database.processes import ProcessIdentity
from ..events.store import record_event, record_events
from ..pipelines.production import Production
from ..pipelines.results import RunResult
from ..pipelines.store.orm import RunRow, run_result
from ..pipelines.store.repository import ACTIVE_RUN, RunStore
from .events import firing_event, schedule_event
from .orm import CHANGES_KEY, FIRINGS, SCHEDULES, TABLES, FiringRow, ScheduleRow
from .schedule import OUTCOMES, Firing, Schedule
from .spec import ScheduleSpec

__all__ = ["Claim", "ScheduleStore"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A firing a scheduler wants to record: it is its own only if no one recorded it first."""

    schedule_id: str
    due_at: datetime
    outcome: str
    next_due: datetime | None = None
    """The schedule's next due time once this one is handled (None: leave it, e.g. run now)."""
    kind: str = "due"
    message: str | None = None


def _declaration(spec: ScheduleSpec) -> str:
    """What makes two declarations the same schedule (neither the production nor the
    notifications are part of it: a deploy that only changes who is told keeps the schedule,
    its history and its pause, and sets the declared ``notify`` on it)."""
    return json.dumps({**spec.to_json(), "notify": None}, sort_keys=True)


def _not_found(schedule_id: str) -> NotFound:
    return NotFound(
        f"No schedule '{schedule_id}': list them with `naas-lab schedules list` or "
        "GET /naas-lab-ext/schedules.",
        field="schedule_id",
    )


def _replace_events(
    created: Sequence[ScheduleRow],
    deleted: Sequence[ScheduleRow],
    notified: Sequence[ScheduleRow],
    production: Production,
) -> list[dict[str, Any]]:
    """The events of a replace: a created schedule of a pipeline whose schedule was deleted
    is that schedule *changed* (a new cron...); the others are created or deleted."""
    gone: dict[str, list[ScheduleRow]] = {}
    for row in deleted:
        gone.setdefault(row.pipeline, []).append(row)
    events = []
    for row in created:
        previous = gone.get(row.pipeline)
        if previous:
            events.append(schedule_event("schedule.changed", row, previous=previous.pop(0)))
        else:
            events.append(schedule_event("schedule.created", row))
    reason = (
        "no deployment of the product is active"
        if production.deployment_id == "none"
        else f"deployment {production.deployment_id} does not declare it"
    )
    for rows in gone.values():
        events.extend(schedule_event("schedule.deleted", row, reason=reason) for row in rows)
    events.extend(schedule_event("schedule.changed", row, changed=["notify"]) for row in notified)
    return events


class ScheduleStore:
    """Schedules and firings, in the database of ``runs`` (tables created when missing)."""

    def __init__(self, runs: RunStore) -> None:
        self.runs = runs
        self.engine = runs.engine
        self._sessions = runs.db.sessions
        #: Claims use INSERT ... ON CONFLICT DO NOTHING (SQLite, PostgreSQL); elsewhere, a
        #: savepoint per firing.
        self.on_conflict = self.engine.dialect.name in ("sqlite", "postgresql")
        runs.db.create_tables(TABLES)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    found = conn.execute(select(MetaRow.key).where(MetaRow.key == CHANGES_KEY))
                    if found.first() is None:
                        conn.execute(insert(MetaRow).values(key=CHANGES_KEY, value="0"))
                break
            except IntegrityError:
                # Another process added the counter at the same moment: that one is ours too.
                if attempt == 2:
                    raise

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @staticmethod
    def _bump(session: Session) -> None:
        # An increment in SQL, not read-then-write: two writers in PostgreSQL's read-committed
        # mode still count twice, so no change goes unseen.
        session.execute(
            update(MetaRow)
            .where(MetaRow.key == CHANGES_KEY)
            .values(value=cast(cast(MetaRow.value, Integer) + 1, Text))
        )

    def changes(self) -> int:
        """The change counter: a scheduler reloads the schedules when it moves."""
        with self._sessions() as session:
            value = session.scalar(select(MetaRow.value).where(MetaRow.key == CHANGES_KEY))
        return int(value or 0)

    # -- schedules ----------------------------------------------------------------------------

    def replace(
        self,
        product_root: Path,
        production: Production,
        specs: Sequence[ScheduleSpec],
        *,
        now: datetime | None = None,
    ) -> list[Schedule]:
        """Make the product's schedules exactly ``specs``, all run from ``production``, in one
        transaction. A schedule whose declaration is unchanged keeps its id, paused state,
        next due time and firings (its production becomes ``production``); the others are
        deleted or created (first due after ``now``)."""
        now = now or utc_now()
        root = str(Path(product_root).resolve())
        wanted: dict[str, ScheduleSpec] = {}
        for spec in specs:
            checked = spec.validated()
            wanted[_declaration(checked)] = checked  # the same schedule twice: the last notify
        production_values = {
            "deployment_id": production.deployment_id,
            "copy_root": str(production.copy_root),
            "kernel_name": production.kernel_name,
            "kernel_dirs": [str(p) for p in production.kernel_dirs],
            "env": dict(production.env),
        }
        kept: list[ScheduleRow] = []
        created: list[ScheduleRow] = []
        notified: list[ScheduleRow] = []
        with self._write() as session:
            existing = {
                _declaration(Schedule.from_row(row).spec): row
                for row in session.scalars(
                    select(ScheduleRow).where(ScheduleRow.product_root == root)
                )
            }
            for position, (key, spec) in enumerate(wanted.items()):
                row = existing.pop(key, None)
                if row is None:
                    row = ScheduleRow(
                        id=secrets.token_hex(6),
                        product_root=root,
                        position=position,
                        **spec.to_json(),
                        paused=False,
                        next_due=spec.parsed.next_after(now),
                        created_at=now,
                        updated_at=now,
                        **production_values,
                    )
                    session.add(row)
                    created.append(row)
                    if spec.parsed.every_minute:
                        log.warning(
                            "Schedule of %s/%s fires every minute (cron '%s'): allowed, but "
                            "make sure a run takes less than a minute.",
                            Path(root).name,
                            spec.pipeline,
                            spec.cron,
                        )
                elif any(getattr(row, k) != v for k, v in production_values.items()):
                    for name, value in production_values.items():
                        setattr(row, name, value)
                    row.updated_at = now
                if row.notify != spec.notify:  # declared anew: replaces an edit (set_notify)
                    row.notify = spec.notify
                    row.updated_at = now
                    if row not in created:
                        notified.append(row)
                row.position = position
                kept.append(row)
            for row in existing.values():
                session.execute(delete(FiringRow).where(FiringRow.schedule_id == row.id))
                session.delete(row)
            record_events(
                session,
                _replace_events(created, list(existing.values()), notified, production),
            )
            self._bump(session)
        return [Schedule.from_row(row) for row in kept]

    def for_product(self, product_root: Path) -> list[Schedule]:
        """The product's schedules, in the order they are declared."""
        root = str(Path(product_root).resolve())
        query = select(ScheduleRow).where(ScheduleRow.product_root == root)
        with self._sessions() as session:
            rows = session.scalars(query.order_by(ScheduleRow.position, ScheduleRow.id))
            return [Schedule.from_row(row) for row in rows]

    def all(self, *, under: Path | None = None) -> list[Schedule]:
        """Every schedule of the store (of products inside ``under`` when given)."""
        query = select(ScheduleRow).order_by(
            ScheduleRow.product_root, ScheduleRow.position, ScheduleRow.id
        )
        if under is not None:
            folder = str(Path(under).resolve())
            query = query.where(
                (ScheduleRow.product_root == folder)
                | ScheduleRow.product_root.startswith(folder.rstrip("/") + "/", autoescape=True)
            )
        with self._sessions() as session:
            return [Schedule.from_row(row) for row in session.scalars(query)]

    def get(self, schedule_id: str) -> Schedule:
        with self._sessions() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise _not_found(schedule_id)
            return Schedule.from_row(row)

    def pause(self, schedule_id: str, *, now: datetime | None = None) -> Schedule:
        """Stop firing it (until :meth:`resume`); a paused schedule catches nothing up."""
        with self._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise _not_found(schedule_id)
            if not row.paused:
                row.paused = True
                row.updated_at = now or utc_now()
                record_events(session, [schedule_event("schedule.paused", row)])
                self._bump(session)
            return Schedule.from_row(row)

    def resume(self, schedule_id: str, *, now: datetime | None = None) -> Schedule:
        """Fire it again, from its first due time after ``now`` (what it missed is not run)."""
        now = now or utc_now()
        with self._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise _not_found(schedule_id)
            if row.paused:
                row.paused = False
                row.next_due = Schedule.from_row(row).parsed.next_after(now)
                row.updated_at = now
                record_events(session, [schedule_event("schedule.resumed", row)])
                self._bump(session)
            return Schedule.from_row(row)

    def delete(self, schedule_id: str) -> None:
        """Delete the schedule and its firings (its runs stay in the run store)."""
        with self._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise _not_found(schedule_id)
            session.execute(delete(FiringRow).where(FiringRow.schedule_id == schedule_id))
            session.delete(row)
            reason = "deleted by hand; the product's next deploy declares it again"
            record_events(session, [schedule_event("schedule.deleted", row, reason=reason)])
            self._bump(session)

    def set_notify(self, schedule_id: str, notify: Any, *, now: datetime | None = None) -> Schedule:
        """Set who is told of the schedule's runs (the Notify JSON, checked; None: the
        defaults), until the product's next deploy declares the schedule again."""
        with self._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise _not_found(schedule_id)
            # Webhooks sent back as an answer showed them are the ones the schedule has.
            rules = validate_notify(keep_webhooks(notify, row.notify))
            if row.notify != rules:
                row.notify = rules
                row.updated_at = now or utc_now()
                record_event(
                    session,
                    "schedule.changed",
                    f"Notifications of the schedule of '{row.pipeline}' changed",
                    subject_type="schedule",
                    subject_id=row.id,
                    product_root=row.product_root,
                    details={
                        "schedule_id": row.id,
                        "pipeline": row.pipeline,
                        "changed": ["notify"],
                    },
                )
            return Schedule.from_row(row)

    # -- firings ------------------------------------------------------------------------------

    def claim(
        self,
        claims: Sequence[Claim],
        *,
        owner: ProcessIdentity | None = None,
        now: datetime | None = None,
    ) -> list[Firing]:
        """Record each firing no one recorded yet, in one transaction; return those that are
        ours. A schedule deleted meanwhile gets nothing, a paused one only manual firings."""
        if not claims:
            return []
        owner = owner or ProcessIdentity.current()
        now = now or utc_now()
        for claim in claims:
            if claim.outcome not in OUTCOMES:
                raise InvalidInput(f"Unknown firing outcome {claim.outcome!r}.", field="outcome")
        with self._write() as session:
            ids = sorted({c.schedule_id for c in claims})
            rows = session.execute(
                select(ScheduleRow.id, ScheduleRow.paused).where(ScheduleRow.id.in_(ids))
            )
            paused = {schedule_id: bool(is_paused) for schedule_id, is_paused in rows}
            wanted = [
                c
                for c in claims
                if c.schedule_id in paused and not (paused[c.schedule_id] and c.kind == "due")
            ]
            values = [
                {
                    "schedule_id": c.schedule_id,
                    "due_at": c.due_at,
                    "kind": c.kind,
                    "outcome": c.outcome,
                    "message": c.message,
                    "host": owner.host,
                    "pid": owner.pid,
                    "claimed_at": now,
                }
                for c in wanted
            ]
            inserted = self._insert_new(session, values)
            won = [
                Firing(
                    id=inserted[(c.schedule_id, c.due_at)],
                    schedule_id=c.schedule_id,
                    due_at=c.due_at,
                    kind=c.kind,
                    outcome=c.outcome,
                    run_id=None,
                    message=c.message,
                    host=owner.host,
                    pid=owner.pid,
                    claimed_at=now,
                )
                for c in wanted
                if (c.schedule_id, c.due_at) in inserted
            ]
            moves = [
                {"sid": c.schedule_id, "due": c.next_due}
                for c in wanted
                if c.next_due is not None and (c.schedule_id, c.due_at) in inserted
            ]
            if moves:
                session.connection().execute(
                    update(SCHEDULES)
                    .where(
                        SCHEDULES.c.id == bindparam("sid"),
                        SCHEDULES.c.next_due.is_(None) | (SCHEDULES.c.next_due < bindparam("due")),
                    )
                    .values(next_due=bindparam("due")),
                    moves,
                )
            if any(f.outcome == "queued" for f in won):
                self._bump(session)
            # A started firing is told of once its run started (or failed to): see record().
            self._firing_events(session, [f for f in won if f.outcome in ("skipped", "failed")])
        return won

    @staticmethod
    def _firing_events(session: Session, firings: Sequence[Firing]) -> None:
        """Record what became of ``firings`` (started: fired; skipped; failed), in the
        transaction that stored it."""
        if not firings:
            return
        ids = sorted({f.schedule_id for f in firings})
        rows = {
            row.id: row
            for row in session.scalars(select(ScheduleRow).where(ScheduleRow.id.in_(ids)))
        }
        events = [
            firing_event(
                rows[f.schedule_id],
                due_at=f.due_at,
                outcome=f.outcome,
                firing_kind=f.kind,
                run_id=f.run_id,
                message=f.message,
            )
            for f in firings
            if f.schedule_id in rows
        ]
        record_events(session, [event for event in events if event is not None])

    def _insert_new(
        self, session: Session, values: list[dict[str, Any]]
    ) -> dict[tuple[str, datetime], int]:
        """Insert the firings not in the table yet; (schedule id, due time) -> id of those
        this call inserted. The unique (schedule, due time) index decides, atomically."""
        table = FIRINGS
        found: dict[tuple[str, datetime], int] = {}
        if self.on_conflict:
            dialect = self.engine.dialect.name
            insert_of = sqlite_insert if dialect == "sqlite" else postgresql_insert
            statement = (
                insert_of(table)
                .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
                .returning(table.c.id, table.c.schedule_id, table.c.due_at)
            )
            # Many parameter sets: SQLAlchemy batches them into multi-row INSERTs
            # ("insertmanyvalues"), the RETURNING rows are those actually inserted.
            if values:
                for firing_id, schedule_id, due_at in session.connection().execute(
                    statement, values
                ):
                    found[(schedule_id, due_at)] = firing_id
            return found
        for value in values:  # any other database: a savepoint per firing
            try:
                with session.begin_nested():
                    result = session.connection().execute(insert(table).values(**value))
            except IntegrityError:
                continue
            key = result.inserted_primary_key
            if key is not None:
                found[(value["schedule_id"], value["due_at"])] = int(key[0])
        return found

    def advance(self, schedule_id: str, next_due: datetime) -> None:
        """Move a schedule's next due time on (never back) without firing anything."""
        with self._write() as session:
            session.execute(
                update(ScheduleRow)
                .where(
                    ScheduleRow.id == schedule_id,
                    (ScheduleRow.next_due.is_(None)) | (ScheduleRow.next_due < next_due),
                )
                .values(next_due=next_due)
            )

    def record(self, outcomes: Sequence[tuple[int, str, str | None, str | None]]) -> None:
        """Store what became of claimed firings: (firing id, outcome, run id, message)."""
        if not outcomes:
            return
        with self._write() as session:
            session.connection().execute(
                update(FIRINGS)
                .where(FIRINGS.c.id == bindparam("fid"))
                .values(outcome=bindparam("o"), run_id=bindparam("r"), message=bindparam("m")),
                [{"fid": f, "o": o, "r": r, "m": m} for f, o, r, m in outcomes],
            )
            stored = session.scalars(
                select(FiringRow).where(FiringRow.id.in_([f for f, _, _, _ in outcomes]))
            )
            self._firing_events(session, [Firing.from_row(row) for row in stored])

    def take_queued(
        self, firing_id: int, *, owner: ProcessIdentity | None = None, now: datetime | None = None
    ) -> bool:
        """Take a queued firing to start it: True for the one scheduler that gets it."""
        owner = owner or ProcessIdentity.current()
        with self._write() as session:
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(FiringRow)
                .where(FiringRow.id == firing_id, FiringRow.outcome == "queued")
                .values(
                    outcome="started", host=owner.host, pid=owner.pid, claimed_at=now or utc_now()
                )
            )
            taken = result.rowcount
            if taken:
                self._bump(session)
        return bool(taken)

    def queued(self) -> list[Firing]:
        """The firings waiting for their schedule's previous run to end, oldest first."""
        query = select(FiringRow).where(FiringRow.outcome == "queued")
        with self._sessions() as session:
            rows = session.scalars(query.order_by(FiringRow.due_at, FiringRow.id))
            return [Firing.from_row(row) for row in rows]

    def firings(self, schedule_id: str, *, limit: int = 20) -> list[Firing]:
        """A schedule's firings, newest due time first."""
        query = (
            select(FiringRow)
            .where(FiringRow.schedule_id == schedule_id)
            .order_by(FiringRow.due_at.desc(), FiringRow.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [Firing.from_row(row) for row in session.scalars(query)]

    def busy(self, schedule_ids: Sequence[str]) -> dict[str, str]:
        """The schedules among ``schedule_ids`` with a run still PENDING or RUNNING: schedule
        id -> that run's id."""
        if not schedule_ids:
            return {}
        query = (
            select(FiringRow.schedule_id, RunRow.id)
            .join(RunRow, RunRow.id == FiringRow.run_id)
            .where(FiringRow.schedule_id.in_(list(schedule_ids)), RunRow.status.in_(ACTIVE_RUN))
        )
        with self._sessions() as session:
            return {schedule_id: run_id for schedule_id, run_id in session.execute(query)}

    def last_runs(self, schedule_ids: Sequence[str]) -> dict[str, RunResult]:
        """Each schedule's latest run (the newest still in the run store), by schedule id."""
        if not schedule_ids:
            return {}
        latest = (
            select(FiringRow.schedule_id, func.max(RunRow.created_at).label("created_at"))
            .join(RunRow, RunRow.id == FiringRow.run_id)
            .where(FiringRow.schedule_id.in_(list(schedule_ids)))
            .group_by(FiringRow.schedule_id)
            .subquery()
        )
        query = (
            select(FiringRow.schedule_id, RunRow)
            .join(RunRow, RunRow.id == FiringRow.run_id)
            .join(
                latest,
                and_(
                    latest.c.schedule_id == FiringRow.schedule_id,
                    latest.c.created_at == RunRow.created_at,
                ),
            )
        )
        with self._sessions() as session:
            return {schedule_id: run_result(row, []) for schedule_id, row in session.execute(query)}
