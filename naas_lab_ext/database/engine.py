"""The database every store of naas_lab_ext shares: runs, schedules, deployments, events.

By default a SQLite file under the Jupyter data dir (``$NAAS_LAB_DB_URL`` or the server's
``NaasLabExtApp.db_url`` choose another, e.g. ``postgresql://...`` for a team). Several
processes write to it at once (the server, ``naas-lab run``, notebooks, a headless scheduler):
SQLite runs in WAL mode with a busy timeout, and every transaction takes the write lock up
front (``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing.

Each store creates its tables when it opens (:meth:`Database.create_tables`); the schema
version is brought up to date first (:mod:`.migrations`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from ..core import env
from ..core.errors import InvalidInput
from . import migrations
from .base import Base, MetaRow

__all__ = ["Database", "default_db_url"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_db_url() -> str:
    """``$NAAS_LAB_DB_URL``, else a SQLite file in the Jupyter data dir."""
    url = os.environ.get(env.DB_URL, "").strip()
    if url:
        return url
    from jupyter_core.paths import jupyter_data_dir

    return f"sqlite:///{Path(jupyter_data_dir()) / 'naas_lab_ext' / 'runs.sqlite'}"


class Database:
    """An engine and its sessions, on the URL given (default: :func:`default_db_url`).

    ``what`` names the store in error messages ("run store")."""

    def __init__(self, url: str | None = None, *, what: str = "store") -> None:
        self.url = url or default_db_url()
        self.what = what
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(
                f"The database URL '{self.url}' cannot be used: {exc}", field="db_url"
            ) from None
        if self.engine.dialect.name == "sqlite":
            self._prepare_sqlite()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._opening():
            self.create_tables([MetaRow.__table__])
            with self.engine.begin() as conn:
                migrations.upgrade(conn)

    @contextmanager
    def _opening(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise InvalidInput(
                f"The {self.what} at '{self.url}' cannot be opened ({exc.orig}); check the path "
                "and its permissions, or set NaasLabExtApp.db_url / $NAAS_LAB_DB_URL.",
                field="db_url",
            ) from None

    def create_tables(self, tables: Sequence[Table | Any]) -> None:
        """Create what is missing of ``tables`` (of :class:`~.base.Base`'s metadata)."""
        with self._opening():
            for attempt in (1, 2):
                try:
                    Base.metadata.create_all(self.engine, tables=list(tables))
                    return
                except (IntegrityError, ProgrammingError):
                    # Another process created them at the same moment (PostgreSQL; SQLite
                    # takes the write lock first): what it made is what we wanted.
                    if attempt == 2:
                        raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a transaction (committed on success)."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def _prepare_sqlite(self) -> None:
        database = self.engine.url.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InvalidInput(
                    f"The {self.what} at '{self.url}' cannot be opened: its folder {folder} "
                    f"cannot be created ({exc.strerror}).",
                    field="db_url",
                ) from None

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite would defer it).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Take the write lock at once: a deferred transaction that later writes can fail
            # with "database is locked" without waiting for the busy timeout.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
