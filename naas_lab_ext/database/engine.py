"""The database every store of naas_lab_ext shares: runs, schedules, deployments, events.

By default a SQLite file under the Jupyter data dir (``$NAAS_LAB_DB_URL`` or the server's
``NaasLabExtApp.db_url`` choose another, e.g. ``postgresql://...`` for a team). Several
processes write to it at once (the server, ``naas-lab run``, notebooks, a headless scheduler):
SQLite runs in WAL mode with a busy timeout, and every transaction takes the write lock up
front (``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing.

Each store creates its tables when it opens (:meth:`Database.create_tables`); the schema
version is brought up to date first (:mod:`.migrations`). Many processes may open an empty or
old database at the same moment (the servers of a team, a scheduler, ``naas-lab run``): the
tables are created and the migrations applied under one lock, in one transaction
(:meth:`Database.schema_change`): on PostgreSQL a transaction-level advisory lock
(``pg_advisory_xact_lock``, one per schema), on SQLite the write lock (``BEGIN IMMEDIATE``).

A database server's connections are checked before each use (``pool_pre_ping``): after the
server restarts, the next call connects again instead of failing.

Faults: an SQLite file that is missing or empty (0 bytes) is created, with a warning that the
history was not found there (:attr:`Database.created`; the events layer records it as a
``store.created`` event). One that cannot be read (garbage bytes, a malformed image, no
permission) raises :class:`~naas_lab_ext.core.errors.StoreUnavailable` saying what to do;
so does a database server that cannot be reached, refuses the user, or does not let it create
the tables (PostgreSQL 15 no longer lets every user create in the schema ``public``). No message
shows the URL's password (:func:`location_of`, :func:`without_password`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, Table, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..core import env
from ..core.errors import InvalidInput, StoreUnavailable
from . import migrations
from .base import Base, MetaRow

__all__ = ["Database", "default_db_url", "location_of", "without_password"]

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: The advisory lock under which tables are created and migrations run on PostgreSQL: this
#: key and the hash of the schema (two teams' schemas in one database do not wait on each
#: other).
PG_SCHEMA_LOCK = 0x6E414153
PG_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))")
#: SQLSTATE of PostgreSQL's "permission denied" (insufficient_privilege).
PG_NO_PRIVILEGE = "42501"
#: SQLSTATE of "no schema has been selected to create in" (the search_path's schema is missing).
PG_NO_SCHEMA = "3F000"
log = logging.getLogger(__name__)


def location_of(url: str) -> str:
    """Where the store of ``url`` is, to show a person: the SQLite file, or the URL without
    its password."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # a URL that does not parse (a port "abc")
        if "@" not in url:
            return url
        scheme = url.split("://", 1)[0] + "://" if "://" in url else ""
        return f"{scheme}***@{url.rsplit('@', 1)[-1]}"  # never its password
    if parsed.host and "@" in parsed.host:
        # "user:p@ss@host": the password's "@" was not encoded; the host holds its end
        host = parsed.host.split("@")[-1]
        hidden = URL.create(
            parsed.drivername, host=host, port=parsed.port, database=parsed.database
        )
        return hidden.render_as_string().replace("://", "://***@", 1)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and _is_file(database):
        return str(Path(database).expanduser().absolute())
    if "password" in parsed.query:  # ?password=... is the driver's too
        shown = parsed.update_query_dict({"password": "***"}).render_as_string(hide_password=True)
        return shown.replace("password=%2A%2A%2A", "password=***")
    return parsed.render_as_string(hide_password=True)


def without_password(message: str, url: str) -> str:
    """``message`` with the password of ``url`` (and ``url`` itself) masked, whatever wrote
    it (a driver's error may quote the URL or a part of it)."""
    message = message.replace(url, location_of(url))
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return message
    in_query = parsed.query.get("password")
    secrets = [
        parsed.password or "",
        *([in_query] if isinstance(in_query, str) else in_query or []),
    ]
    if parsed.host and "@" in parsed.host:  # an unencoded "@" in the password
        secrets.append(parsed.host.rsplit("@", 1)[0])
    for secret in sorted((str(s) for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


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
            server = make_url(self.url).get_backend_name() != "sqlite"
            # A server's connections may be cut (a restart, a failover): check each one
            # before use and reconnect, rather than fail the next request.
            self.engine: Engine = create_engine(self.url, pool_pre_ping=server)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise InvalidInput(
                without_password(
                    f"The database URL '{location_of(self.url)}' cannot be used: {exc}. "
                    "Give an SQLAlchemy URL such as sqlite:////path/to/runs.sqlite or "
                    "postgresql+psycopg://user:password@host:5432/database (pip install "
                    "'psycopg[binary]'; a password with @, : or / is percent-encoded).",
                    self.url,
                ),
                field="db_url",
            ) from None
        if server and "@" in (self.engine.url.host or ""):
            raise InvalidInput(
                f"The database URL '{location_of(self.url)}' cannot be used: its host part "
                "holds an '@'. Percent-encode the @, : and / of the user name and password "
                "(@ is %40).",
                field="db_url",
            )
        #: The SQLite file, or None for a database server.
        self.path: Path | None = None
        if self.engine.dialect.name == "sqlite":
            self._prepare_sqlite()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self.schema_change() as conn:
            self._create(conn, [MetaRow.__table__])
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
        except DatabaseError as exc:
            raise self._open_error(exc) from None

    def _open_error(self, exc: DatabaseError) -> StoreUnavailable:
        """What to do about the driver's error ``exc`` while opening the store."""
        cause = without_password(str(exc.orig).strip(), self.url)
        where = self.location
        if self.path is None and _sqlstate(exc) == PG_NO_PRIVILEGE:
            user = self.engine.url.username or "the user of the URL"
            return StoreUnavailable(
                f"The {self.what} at '{where}' cannot create its tables ({cause}). The "
                f"database's owner grants it: GRANT CREATE ON SCHEMA public TO {user}; "
                "(PostgreSQL 15 and later no longer let every user create in public; or on the "
                "schema the URL's search_path names), or "
                "use a schema the user owns (CREATE SCHEMA naas AUTHORIZATION "
                f"{user};) by adding ?options=-csearch_path%3Dnaas to the URL.",
                field="db_url",
            )
        if self.path is None and _sqlstate(exc) == PG_NO_SCHEMA:
            user = self.engine.url.username or "the user of the URL"
            return StoreUnavailable(
                f"The {self.what} at '{where}' has no schema to create its tables in "
                f"({cause}): the schema of the URL's search_path does not exist. Create it "
                f"(CREATE SCHEMA naas AUTHORIZATION {user};) or fix the URL's "
                "?options=-csearch_path%3D<schema>.",
                field="db_url",
            )
        if isinstance(exc, OperationalError) and self.path is None:
            return StoreUnavailable(
                f"The {self.what} at '{where}' cannot be reached ({cause}): check that the "
                "database server runs and accepts connections from this host on that port, "
                "and the user name, password and database name of the URL; or set "
                "NaasLabExtApp.db_url / $NAAS_LAB_DB_URL to another store.",
                field="db_url",
            )
        if self.path is None:
            return StoreUnavailable(
                f"The {self.what} at '{where}' cannot be used ({cause}): check the URL's "
                "options and the database it names, or set NaasLabExtApp.db_url / "
                "$NAAS_LAB_DB_URL to another store.",
                field="db_url",
            )
        if isinstance(exc, OperationalError):
            return StoreUnavailable(
                f"The {self.what} at '{where}' cannot be opened ({cause}); check "
                "the path and its permissions, or set NaasLabExtApp.db_url / $NAAS_LAB_DB_URL.",
                field="db_url",
            )
        return StoreUnavailable(self.unreadable_message(cause), field="db_url")

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

    @contextmanager
    def schema_change(self) -> Iterator[Connection]:
        """A transaction in which to create tables or migrate them, one process at a time:
        it holds PostgreSQL's advisory lock of the schema (released when it ends), or
        SQLite's write lock. Another process opening the store meanwhile waits, then finds
        the tables made."""
        with self._opening(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(PG_LOCK_SQL, {"key": PG_SCHEMA_LOCK})
            yield conn

    def create_tables(self, tables: Sequence[Table | Any]) -> None:
        """Create what is missing of ``tables`` (of :class:`~.base.Base`'s metadata)."""
        with self.schema_change() as conn:
            self._create(conn, tables)

    @staticmethod
    def _create(conn: Connection, tables: Sequence[Table | Any]) -> None:
        Base.metadata.create_all(conn, tables=list(tables))

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
            _set_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Take the write lock at once: a deferred transaction that later writes can fail
            # with "database is locked" without waiting for the busy timeout.
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _set_wal(cursor: Any) -> None:
    """Put the SQLite file in WAL mode. Switching a new file's journal needs it alone, and
    SQLite answers "database is locked" at once (no busy wait) when other processes are
    opening it at the same moment: try again until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlstate(exc: DatabaseError) -> str | None:
    """The SQLSTATE code of a driver's error (psycopg 3: ``sqlstate``; psycopg2: ``pgcode``)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


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
