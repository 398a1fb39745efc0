"""Text search in the errors of runs: what ``GET runs?q=`` and ``naas-lab runs list --search``
look in.

``run_search`` holds, for each run that has an error, one text (the run's error and each
failed step's name, exception and message) and the columns a list filters and orders on
(product, pipeline, status, source, creation time), so a search is answered from it alone and
reads ``runs`` only for the runs of its page. The run store rewrites a run's row in the
transaction that records an error or changes the run's status (a step that fails, a run that
starts, ends or is found interrupted) and deletes it with the run, so it is always in step
with ``runs``. Only runs with an error have a row: a fraction of the runs.

On SQLite an FTS5 index with the trigram tokenizer (SQLite 3.34+) sits on it (an external
content table kept by triggers), so a search for a piece of text (3 characters or more, any
case) is an index lookup instead of a scan: the same matches as ``LIKE '%text%'``, which stays
the portable way (PostgreSQL, older SQLite, shorter text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Index,
    Integer,
    Select,
    String,
    Text,
    delete,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ...database.base import Base, MetaRow, UTCDateTime
from .orm import RunRow, StepRow

__all__ = ["RunSearchRow", "SearchIndex", "search_text"]

log = logging.getLogger(__name__)

#: The ``naas_meta`` key saying the search table was filled from the runs recorded before it.
BUILT_KEY = "run_search_built"
#: Text kept per error (a search finds what a person reads first: the name and the message).
MAX_PART = 2000
#: The shortest text the trigram index finds; shorter ones are searched with LIKE.
MIN_TRIGRAM = 3
FTS_TABLE = "run_search_fts"
FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS run_search_fts USING fts5(body, content='run_search', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS run_search_ai AFTER INSERT ON run_search BEGIN "
    "INSERT INTO run_search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS run_search_ad AFTER DELETE ON run_search BEGIN "
    "INSERT INTO run_search_fts(run_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS run_search_au AFTER UPDATE ON run_search BEGIN "
    "INSERT INTO run_search_fts(run_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO run_search_fts(rowid, body) VALUES (new.id, new.body); END",
)
FTS_REBUILD = "INSERT INTO run_search_fts(run_search_fts) VALUES ('rebuild')"
FTS_MATCH = "SELECT rowid FROM run_search_fts WHERE run_search_fts MATCH :phrase"


class RunSearchRow(Base):
    __tablename__ = "run_search"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """A stable integer key: the FTS index's rowid (a run's id is text)."""
    run_id: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    # the run's columns a list filters on (see query.SEARCHED)
    product_root: Mapped[str] = mapped_column(Text)
    pipeline: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_run_search_created", "created_at", "run_id"),)


#: The columns of ``runs`` a search row copies.
COPIED = ("product_root", "pipeline", "status", "source", "created_at")


def search_text(error: str | None, steps: Iterable[tuple[str, Any]]) -> str:
    """The searchable text of a run: its error, then ``<step>: <exception>: <message>`` for
    each step with an error (``steps``: name and the stored error JSON)."""
    parts = [error[:MAX_PART]] if error else []
    for name, failure in steps:
        if not isinstance(failure, dict):
            continue
        exception = str(failure.get("name") or "")
        message = str(failure.get("message") or "")[:MAX_PART]
        parts.append(": ".join(p for p in (name, exception, message) if p))
    return "\n".join(parts)


_RUN_COLUMNS = (RunRow.id, RunRow.error, *(getattr(RunRow, name) for name in COPIED))


def _write(conn: Connection, runs: Select[Any], ids: Sequence[str] | None) -> None:
    """Insert the search rows of the ``runs`` selected that have an error (``ids``: only
    their steps are read; None: every step with an error)."""
    found = conn.execute(runs).all()
    if not found:
        return
    steps_query = (
        select(StepRow.run_id, StepRow.name, StepRow.error)
        .where(StepRow.error.is_not(None))
        .order_by(StepRow.run_id, StepRow.position)
    )
    if ids is not None:
        steps_query = steps_query.where(StepRow.run_id.in_(list(ids)))
    steps: dict[str, list[tuple[str, Any]]] = {}
    for run_id, name, failure in conn.execute(steps_query):
        steps.setdefault(run_id, []).append((name, failure))
    rows = []
    for run_id, error, *copied in found:
        body = search_text(error, steps.get(run_id, []))
        if body:
            rows.append({"run_id": run_id, "body": body, **dict(zip(COPIED, copied, strict=True))})
    if rows:
        conn.execute(insert(RunSearchRow), rows)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SearchIndex:
    """The search table of a run store's database (and its FTS5 index on SQLite)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fts = False
        """Whether the FTS5 trigram index is there (else every search uses LIKE)."""

    def open(self) -> None:
        """Create what is missing (the FTS index on SQLite, when SQLite has FTS5 with the
        trigram tokenizer) and fill the table from the runs recorded before it existed."""
        if self.engine.dialect.name == "sqlite":
            try:
                with self.engine.begin() as conn:
                    created = not inspect(conn).has_table(FTS_TABLE)
                    for statement in FTS_DDL:
                        conn.exec_driver_sql(statement)
                    if created:  # rows written while there was no index (another SQLite)
                        conn.exec_driver_sql(FTS_REBUILD)
                self.fts = True
            except Exception as exc:  # no FTS5 or no trigram tokenizer in this SQLite
                log.info("Run search uses LIKE (no FTS5 trigram index in SQLite: %s)", exc)
        try:
            with self.engine.begin() as conn:
                built = select(MetaRow.key).where(MetaRow.key == BUILT_KEY)
                if conn.execute(built).first() is None:
                    self._fill(conn)
                    conn.execute(insert(MetaRow).values(key=BUILT_KEY, value="1"))
        except IntegrityError:
            # Another process filled it at the same moment (PostgreSQL; SQLite takes the
            # write lock first): its rows are the same.
            log.info("The run search table was filled by another process")

    @staticmethod
    def _fill(conn: Connection) -> None:
        """Write the rows of every run with an error (a store from before the search)."""
        failed = select(StepRow.run_id).where(StepRow.error.is_not(None))
        with_error = RunRow.error.is_not(None) | RunRow.id.in_(failed)
        _write(conn, select(*_RUN_COLUMNS).where(with_error), None)

    @staticmethod
    def refresh(session: Session, run_ids: Sequence[str]) -> None:
        """Rewrite the rows of ``run_ids`` from what the session's transaction holds now."""
        if not run_ids:
            return
        ids = list(dict.fromkeys(run_ids))
        session.execute(delete(RunSearchRow).where(RunSearchRow.run_id.in_(ids)))
        _write(session.connection(), select(*_RUN_COLUMNS).where(RunRow.id.in_(ids)), ids)

    @staticmethod
    def forget(session: Session, run_ids: Sequence[str]) -> None:
        """Delete the rows of deleted runs."""
        if run_ids:
            session.execute(delete(RunSearchRow).where(RunSearchRow.run_id.in_(list(run_ids))))

    def matching(self, words: str) -> ColumnElement[bool]:
        """A condition on ``run_search``: the run's errors contain ``words`` (any case)."""
        if self.fts and len(words) >= MIN_TRIGRAM:
            phrase = '"' + words.replace('"', '""') + '"'
            hits = text(FTS_MATCH).bindparams(phrase=phrase).columns(rowid=Integer).subquery()
            return RunSearchRow.id.in_(select(hits.c.rowid))
        return RunSearchRow.body.ilike(_like(words), escape="\\")
