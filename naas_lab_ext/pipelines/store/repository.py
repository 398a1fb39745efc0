"""The run store: every pipeline run and its steps, in the shared database (any database
SQLAlchemy speaks; see :mod:`naas_lab_ext.database.engine`).

Each run stores who runs it (host, pid and the process's start time, to tell a reused pid
apart) and a heartbeat. :meth:`RunStore.recover_interrupted` marks INTERRUPTED the runs left
PENDING/RUNNING by a process that is gone; a run whose process is alive is never touched.

The tables and the row <-> result conversions live in :mod:`.orm`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from ...core.clock import utc_now
from ...core.errors import InvalidInput, NotFound
from ...database.engine import Database
from ...database.processes import ProcessIdentity, owner_alive
from ...events.orm import TABLES as EVENT_TABLES
from ...events.store import record_store_created
from ..results import RunResult, RunStatus, StepResult, StepStatus
from .events import record_run_event, record_step_failed
from .orm import RunRow, StepRow, run_result, step_values
from .query import RUNS, SEARCHED, RunCursor, RunPage, RunQuery
from .search import RunSearchRow, SearchIndex

ACTIVE_RUN = (RunStatus.PENDING.value, RunStatus.RUNNING.value)
ACTIVE_STEP = (StepStatus.PENDING.value, StepStatus.RUNNING.value)


class RunStore:
    """Runs and steps in a database; safe to use from several threads and processes."""

    def __init__(self, url: str | None = None) -> None:
        #: The database (engine, sessions, schema versions) every store of the server shares.
        self.db = Database(url, what="run store")
        self.url = self.db.url
        self.engine = self.db.engine
        self._sessions = self.db.sessions
        self.db.create_tables(
            [RunRow.__table__, StepRow.__table__, RunSearchRow.__table__, *EVENT_TABLES]
        )
        #: The text search in the runs' errors (kept in step by every write below).
        self.search = SearchIndex(self.engine)
        self.search.open()
        record_store_created(self.db)  # a missing or empty store: the history is not here

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self.db.write() as session:
            yield session

    # -- runs ---------------------------------------------------------------------------------

    def create_run(
        self,
        run: RunResult,
        *,
        owner: ProcessIdentity | None = None,
        dag: dict[str, Any] | None = None,
    ) -> None:
        """Record a new run (and its steps, if it has them already)."""
        self.create_runs([run], owner=owner, dag=dag)

    def create_runs(
        self,
        runs: Sequence[RunResult],
        *,
        owner: ProcessIdentity | None = None,
        dag: dict[str, Any] | None = None,
    ) -> None:
        """Record new runs (and their steps, if they have them already) in one transaction."""
        if not runs:
            return
        owner = owner or ProcessIdentity.current()
        now = utc_now()
        rows = [
            {
                "id": run.run_id,
                "pipeline": run.pipeline,
                "product_root": str(run.product_root),
                "pipeline_path": run.pipeline_path,
                "status": run.status.value,
                "source": run.source,
                "parameters": run.parameters,
                "dag": dag,
                "error": run.error,
                "output_dir": str(run.output_dir) if run.output_dir else None,
                "created_at": run.created_at or now,
                "started_at": run.started_at,
                "ended_at": run.ended_at,
                "heartbeat_at": now,
                "host": owner.host,
                "pid": owner.pid,
                "pid_started": owner.started,
                "cancel_requested": False,
                "deployment_id": run.deployment_id,
                "notify": run.notify,
            }
            for run in runs
        ]
        with self._write() as session:
            # One executemany (a scheduler records a thousand runs due together at once).
            session.execute(insert(RunRow), rows)
            for run in runs:
                self._add_steps(session, run.run_id, run.steps)
                if run.status == RunStatus.RUNNING:
                    self._run_event(session, run)
            session.flush()
            self.search.refresh(session, [run.run_id for run in runs if _has_error(run)])

    @staticmethod
    def _add_steps(session: Session, run_id: str, steps: Sequence[StepResult]) -> None:
        for position, step in enumerate(steps):
            session.add(
                StepRow(
                    run_id=run_id,
                    position=position,
                    name=step.name,
                    kind=step.kind,
                    role=step.role,
                    status=step.status.value,
                    notebook_path=step.notebook_path,
                    output_path=str(step.output_path) if step.output_path else None,
                    started_at=step.started_at,
                    ended_at=step.ended_at,
                    attempts=step.attempts,
                    error=step.error.to_json() if step.error else None,
                    detail=step.detail,
                    upstream=step.upstream,
                    on_error=step.on_error,
                    worker=step.worker,
                )
            )

    def start_run(
        self,
        run: RunResult,
        *,
        dag: dict[str, Any] | None,
        owner: ProcessIdentity | None = None,
    ) -> None:
        """Mark a recorded run RUNNING with its steps (the plan is known now)."""
        owner = owner or ProcessIdentity.current()
        with self._write() as session:
            row = session.get(RunRow, run.run_id)
            if row is None:
                raise NotFound(f"No run '{run.run_id}' in the run store.")
            session.execute(delete(StepRow).where(StepRow.run_id == run.run_id))
            row.pipeline = run.pipeline
            row.product_root = str(run.product_root)
            row.pipeline_path = run.pipeline_path
            row.status = run.status.value
            row.parameters = run.parameters
            row.dag = dag
            row.output_dir = str(run.output_dir) if run.output_dir else None
            row.started_at = run.started_at
            row.heartbeat_at = utc_now()
            row.host, row.pid, row.pid_started = owner.host, owner.pid, owner.started
            self._add_steps(session, run.run_id, run.steps)
            session.flush()
            self.search.refresh(session, [run.run_id])  # the status it copies changed
            self._run_event(session, run)

    def update_step(self, run_id: str, step: StepResult) -> None:
        with self._write() as session:
            session.execute(
                update(StepRow)
                .where(StepRow.run_id == run_id, StepRow.name == step.name)
                .values(**step_values(step))
            )
            if step.error is not None:
                self.search.refresh(session, [run_id])
            if step.status == StepStatus.FAILED:
                row = session.get(RunRow, run_id)
                if row is not None:
                    record_step_failed(
                        session,
                        run_id=run_id,
                        pipeline=row.pipeline,
                        product_root=row.product_root,
                        step=step,
                    )

    def finish_run(self, run: RunResult) -> None:
        """Store the final state of a run and of its steps in one transaction."""
        with self._write() as session:
            session.execute(
                update(RunRow)
                .where(RunRow.id == run.run_id)
                .values(
                    status=run.status.value,
                    ended_at=run.ended_at,
                    error=run.error,
                    heartbeat_at=utc_now(),
                )
            )
            for step in run.steps:
                session.execute(
                    update(StepRow)
                    .where(StepRow.run_id == run.run_id, StepRow.name == step.name)
                    .values(**step_values(step))
                )
            # Always: the search row (a run with an error) copies the run's status.
            self.search.refresh(session, [run.run_id])
            self._run_event(session, run)

    @staticmethod
    def _run_event(session: Session, run: RunResult) -> None:
        record_run_event(
            session,
            run_id=run.run_id,
            pipeline=run.pipeline,
            product_root=run.product_root,
            status=run.status,
            source=run.source,
            deployment_id=run.deployment_id,
            error=run.error,
            failed_steps=run.failed_steps,
            started_at=run.started_at,
            ended_at=run.ended_at,
        )

    def heartbeat(self, run_id: str) -> bool:
        """Say the run's process is alive; return whether someone asked to cancel the run."""
        with self._write() as session:
            session.execute(
                update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=utc_now())
            )
            return bool(session.scalar(select(RunRow.cancel_requested).where(RunRow.id == run_id)))

    def request_cancel(self, run_id: str) -> RunResult:
        """Ask the process running ``run_id`` to cancel it (it checks at each heartbeat)."""
        with self._write() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise NotFound(f"No run '{run_id}': check the id (GET /runs lists them).")
            if row.status in ACTIVE_RUN:
                row.cancel_requested = True
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunResult:
        with self._sessions() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise NotFound(f"No run '{run_id}': check the id (GET /runs lists them).")
            return run_result(row, row.steps)

    def list_runs(
        self,
        *,
        product_root: Path | None = None,
        under: Path | None = None,
        pipeline: str | None = None,
        statuses: Sequence[RunStatus] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[RunResult], int]:
        """Runs newest first, filtered (``under``: products inside that folder); returns
        (page, total matching). :meth:`page_runs` has every filter and the keyset cursor."""
        query = RunQuery(product_root, under, pipeline, tuple(statuses))
        page = self.page_runs(query, limit=limit, offset=offset)
        return page.runs, page.total

    def page_runs(
        self,
        query: RunQuery,
        *,
        limit: int = 50,
        before: str | None = None,
        offset: int = 0,
        count: bool = True,
    ) -> RunPage:
        """One page of the runs ``query`` selects, newest first: after the cursor ``before``
        (the ``next_before`` of the previous page: keyset paging, as fast on the last page as
        on the first), or after ``offset`` runs. ``count``: also count every matching run.

        A text search filters the search table (its FTS5 index on SQLite) and reads ``runs``
        for the page's runs only."""
        if before and offset:
            raise InvalidInput(
                "Give 'before' (the next_before of the previous page) or 'offset', not both.",
                field="offset",
            )
        query = query.checked()
        columns, table = (SEARCHED, RunSearchRow) if query.words else (RUNS, RunRow)
        where = query.conditions(columns)
        if query.words:
            where.append(self.search.matching(query.words))
        listed = select(columns.id, columns.created_at).where(*where)
        if before:
            listed = listed.where(RunCursor.decode(before).condition(columns))
        listed = (
            listed.order_by(columns.created_at.desc(), columns.id.desc())
            .limit(limit + 1)
            .offset(offset)
        )
        with self._sessions() as session:
            total = -1
            if count:
                total = self._count(session, query, table, where)
            found = session.execute(listed).all()
            more = len(found) > limit
            found = found[:limit]
            ids = [run_id for run_id, _ in found]
            rows = {
                row.id: row for row in session.scalars(select(RunRow).where(RunRow.id.in_(ids)))
            }
            steps: dict[str, list[StepRow]] = {run_id: [] for run_id in rows}
            if rows:
                for step in session.scalars(
                    select(StepRow)
                    .where(StepRow.run_id.in_(list(rows)))
                    .order_by(StepRow.run_id, StepRow.position)
                ):
                    steps[step.run_id].append(step)
            runs = [run_result(rows[i], steps[i]) for i in ids if i in rows]
        cursor = RunCursor(found[-1][1], found[-1][0]).encode() if more and found else None
        return RunPage(runs, total, cursor)

    def _count(self, session: Session, query: RunQuery, table: Any, where: list[Any]) -> int:
        """How many runs match. The list of every run under a folder (the Manager's first
        view) is counted on SQLite as all the runs less those outside the folder: SQLite
        counts a whole table without reading its rows, and the runs outside are a few index
        ranges (its text order is byte order, so a folder's runs are one range)."""
        q = query
        others = (q.product_root, q.pipeline, q.statuses, q.sources, q.since, q.until, q.words)
        if q.under is not None and not any(others) and self.engine.dialect.name == "sqlite":
            folder = str(q.under).rstrip("/") or "/"
            inside = f"{folder.rstrip('/')}/"
            root = RunRow.product_root
            outside = (
                (root < folder)
                | ((root > folder) & (root < inside))
                | (root >= inside[:-1] + "0")  # "0" follows "/"
            )
            everything = session.scalar(select(func.count()).select_from(RunRow))
            elsewhere = session.scalar(select(func.count()).select_from(RunRow).where(outside))
            return int(everything or 0) - int(elsewhere or 0)
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    # -- recovery and retention ---------------------------------------------------------------

    def recover_interrupted(self, *, stale_after: float = 120.0) -> list[str]:
        """Mark INTERRUPTED the active runs whose process is gone; return their ids.

        On this host the stored pid (and its start time) decides; for a run of another host,
        a heartbeat older than ``stale_after`` seconds does.

        Several processes may recover at once while the runs' owners write (a run that ends
        meanwhile): a run is changed only by a conditional update (still active, still the
        same owner and heartbeat as read) in the transaction that records its event, so a run
        that just finished is left as it is, and each run is reported by one process only.
        Its end is its last sign of life (None when it was not seen alive after it started:
        no made-up duration).
        """
        now = utc_now()
        seen = (RunRow.id, RunRow.host, RunRow.pid, RunRow.pid_started, RunRow.heartbeat_at)
        with self._sessions() as session:
            active = session.execute(
                select(*seen, RunRow.created_at).where(RunRow.status.in_(ACTIVE_RUN))
            ).all()
        gone = [
            found
            for found in active
            if not owner_alive(
                found.host,
                found.pid,
                found.pid_started,
                found.heartbeat_at or found.created_at,
                now=now,
                stale_after=stale_after,
            )
        ]
        recovered: list[str] = []
        if not gone:
            return recovered
        with self._write() as session:
            for found in gone:
                if self._interrupt(session, found, now):
                    recovered.append(found.id)
            session.flush()
            self.search.refresh(session, recovered)
        return recovered

    @staticmethod
    def _interrupt(session: Session, found: Any, now: datetime) -> bool:
        """Mark the run ``found`` (its id and owner as read) INTERRUPTED if it is still active
        with that owner and heartbeat; return whether it was (the row stays locked until the
        transaction ends)."""
        same = [
            RunRow.id == found.id,
            RunRow.status.in_(ACTIVE_RUN),
            *(
                column.is_(None) if value is None else column == value
                for column, value in (
                    (RunRow.host, found.host),
                    (RunRow.pid, found.pid),
                    (RunRow.pid_started, found.pid_started),
                    (RunRow.heartbeat_at, found.heartbeat_at),
                )
            ),
        ]
        error = (
            f"The process running this run (pid {found.pid} on {found.host}) stopped before "
            "the run ended."
        )
        changed = session.execute(
            update(RunRow)
            .where(*same)
            .values(status=RunStatus.INTERRUPTED.value, error=error)
            .execution_options(synchronize_session=False)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return False  # it ended, or another process recovered it, meanwhile
        row = session.get(RunRow, found.id, populate_existing=True)
        assert row is not None  # updated just now, in this transaction
        started, beat = row.started_at, row.heartbeat_at
        if started is None:
            row.ended_at = beat or now
        else:  # its last sign of life after its start, if it gave one
            row.ended_at = beat if beat is not None and beat > started else None
        session.execute(
            update(StepRow)
            .where(StepRow.run_id == row.id, StepRow.status.in_(ACTIVE_STEP))
            .values(status=StepStatus.INTERRUPTED.value, ended_at=row.ended_at)
        )
        record_run_event(
            session,
            run_id=row.id,
            pipeline=row.pipeline,
            product_root=row.product_root,
            status=RunStatus.INTERRUPTED,
            source=row.source,
            deployment_id=row.deployment_id,
            error=row.error,
            started_at=row.started_at,
            ended_at=row.ended_at,
        )
        return True

    def prunable_runs(
        self,
        *,
        product_root: Path,
        pipeline: str,
        keep_last: int | None,
        keep_days: float | None,
    ) -> list[RunResult]:
        """Finished runs of a pipeline beyond the last ``keep_last`` or older than
        ``keep_days`` days (each limit applies when set)."""
        cutoff = utc_now() - timedelta(days=keep_days) if keep_days else None
        query = (
            select(RunRow)
            .where(
                RunRow.product_root == str(product_root),
                RunRow.pipeline == pipeline,
                RunRow.status.not_in(ACTIVE_RUN),
            )
            .order_by(RunRow.created_at.desc(), RunRow.id.desc())
        )
        with self._sessions() as session:
            rows = list(session.scalars(query))
            doomed = [
                row
                for index, row in enumerate(rows)
                if (keep_last is not None and index >= keep_last)
                or (cutoff is not None and row.created_at < cutoff)
            ]
            return [run_result(row, []) for row in doomed]

    def delete_runs(self, run_ids: Sequence[str]) -> None:
        if not run_ids:
            return
        with self._write() as session:
            session.execute(delete(StepRow).where(StepRow.run_id.in_(list(run_ids))))
            session.execute(delete(RunRow).where(RunRow.id.in_(list(run_ids))))
            self.search.forget(session, run_ids)


def _has_error(run: RunResult) -> bool:
    return bool(run.error) or any(step.error is not None for step in run.steps)


def wait_for_status(
    store: RunStore, run_id: str, *, finished: bool = True, timeout: float = 60.0
) -> RunResult:
    """Poll until the run has finished (tests and the CLI use it); raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        run = store.get_run(run_id)
        if run.status.finished == finished:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} still {run.status.value} after {timeout} s")
        time.sleep(0.05)
