"""The database every store of naas_lab_ext shares: runs, schedules, deployments, events.

By default a SQLite file under the Jupyter data dir (``$NAAS_LAB_DB_URL`` or the server's
``NaasLabExtApp.db_url`` choose another, e.g. ``postgresql://...`` for a team). Several
processes write to it at once (the server, ``naas-lab run``, notebooks, a headless scheduler):
SQLite runs in WAL mode with a busy timeout, and every transaction takes the write lock up
front (``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing.

Each store creates its tables when it opens (:meth:`Database.create_tables`); the schema
version is brought up to date first (:mod:`.migrations`).

Faults: an SQLite file that is missing or empty (0 bytes) is created, with a warning that the
history was not found there (:attr:`Database.created`; the events layer records it as a
``store.created`` event). One that cannot be read (garbage bytes, a malformed image, no
permission) raises :class:`~naas_lab_ext.core.errors.StoreUnavailable` saying what to do.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from ..core import env
from ..core.errors import InvalidInput, StoreUnavailable
from . import migrations
from .base import Base, MetaRow

__all__ = ["Database", "default_db_url", "location_of"]

SQLITE_BUSY_TIMEOUT_MS = 30_000
log = logging.getLogger(__name__)


def location_of(url: str) -> str:
    """Where the store of ``url`` is, to show a person: the SQLite file, or the URL without
    its password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("@")[-1]  # never the password of a URL that does not parse
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and _is_file(database):
        return str(Path(database).expanduser().absolute())
    return parsed.render_as_string(hide_password=True)


def _is_file(database: str) -> bool:
    """Whether an SQLite URL's database is a plain file (not in memory, not a URI)."""
    return database not in ("", ":memory:") and not database.startswith("file:")


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
        #: Why this open created the store, when it is an SQLite file that was missing or
        #: empty ("missing", "empty"); None otherwise (see :meth:`take_created_notice`).
        self.created: str | None = None
        self._notice_lock = threading.Lock()
        self._notice_taken = False
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(
                f"The database URL '{self.url}' cannot be used: {exc}", field="db_url"
            ) from None
        #: The SQLite file, or None for a database server.
        self.path: Path | None = None
        if self.engine.dialect.name == "sqlite":
            self._prepare_sqlite()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._opening():
            self.create_tables([MetaRow.__table__])
            with self.engine.begin() as conn:
                migrations.upgrade(conn)
        if self.created:
            log.warning("%s", self.created_message())

    @property
    def location(self) -> str:
        """Where the store is, to show a person: the SQLite file, or the URL (no password)."""
        return str(self.path) if self.path is not None else location_of(self.url)

    def created_message(self) -> str:
        """The warning that the history was not found (when :attr:`created` is set)."""
        why = "an empty file, 0 bytes" if self.created == "empty" else "no such file"
        return (
            f"The history was not found at {self.location} ({why}): a new, empty {self.what} "
            "was created there. This is expected on a first start; otherwise the runs, "
            "schedules, deployments and events recorded before are not in it (restore the "
            "file from a backup, with the server stopped)."
        )

    def take_created_notice(self) -> str | None:
        """:meth:`created_message` the first time it is asked for (to record it once), then
        None; None too when the store was found."""
        with self._notice_lock:
            if not self.created or self._notice_taken:
                return None
            self._notice_taken = True
            return self.created_message()

    @contextmanager
    def _opening(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StoreUnavailable(
                f"The {self.what} at '{self.location}' cannot be opened ({exc.orig}); check "
                "the path and its permissions, or set NaasLabExtApp.db_url / $NAAS_LAB_DB_URL.",
                field="db_url",
            ) from None
        except DatabaseError as exc:
            raise StoreUnavailable(self.unreadable_message(exc.orig), field="db_url") from None

    def unreadable_message(self, cause: object) -> str:
        """What to do with a store that cannot be read (corrupt), ``cause`` the driver's word."""
        if self.path is None:
            return (
                f"The {self.what} at {self.location} cannot be read ({cause}): repair the "
                "database, or set NaasLabExtApp.db_url / $NAAS_LAB_DB_URL to another one, and "
                "restart the server."
            )
        aside = f"{self.path}.broken"
        return (
            f"The {self.what} at {self.path} cannot be read ({cause}): it is damaged. Stop the "
            f"server, move the file aside (mv '{self.path}' '{aside}'; its -wal and -shm "
            "files too) and start it again: a new, empty store is created (the runs, "
            "schedules, deployments and events it held stay in the moved file). Or set "
            "NaasLabExtApp.db_url / $NAAS_LAB_DB_URL to another store."
        )

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
        if database and _is_file(database):
            self.path = Path(database).expanduser().absolute()
            self.created = _sqlite_missing(self.path)
            folder = self.path.parent
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


def _sqlite_missing(path: Path) -> str | None:
    """ "missing" when the SQLite file does not exist, "empty" when it holds nothing (0 bytes
    and no write-ahead log to recover), None when it holds something."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    except OSError:
        return None  # opening it says what is wrong
    if size:
        return None
    wal = path.with_name(path.name + "-wal")
    try:
        return None if wal.stat().st_size else "empty"
    except OSError:
        return "empty"
