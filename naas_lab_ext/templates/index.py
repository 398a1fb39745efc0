"""Full-text index of the template library: SQLite FTS5, refreshed incrementally.

The database is a cache of what ``__templates__`` holds: deleting it only costs a rebuild.
It lives outside the Jupyter root (the Jupyter data dir by default), so the file browser
never shows it and a sync never copies it.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`; another version is rebuilt)::

    meta(key PRIMARY KEY, value)                  generation counter, last sync report (JSON)
    templates(rowid, id UNIQUE, source, title, tool, tool_key, action, tags JSON, author,
              description, cells, has_parameters, size, mtime_ns, sha1)
    template_tags(tag, template_rowid)            one row per tag, for filters
    broken(id PRIMARY KEY, size, mtime_ns, sha1, error)   notebooks skipped, and why
    templates_fts(title, tool, tags, description, body)   FTS5, rowid = templates.rowid
    templates_meta_fts(title, tool, tags, description)    the same without the cell text

A refresh compares each file's size and mtime with what is stored; only when they differ is
the file read, and only when its SHA-1 differs is it parsed again. Searching is
:mod:`.search`'s.

A file damaged while the server reads it (a disk fault, another program writing into it) is
discarded and rebuilt from the folder on the first read that finds it so; the read is then
answered from the rebuilt index (or, if that fails too, with
:class:`TemplateIndexUnavailable`, a 503 that says what to do).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..core.errors import StoreUnavailable
from . import search as searching
from .metadata import BrokenTemplate, TemplateMeta, parse_template, source_of
from .names import readable
from .search import SearchPage
from .table import SUMMARY_BY_ID_SQL, Table, TemplateSummary, load_table, summary_from_row

log = logging.getLogger(__name__)
R = TypeVar("R")


class TemplateIndexUnavailable(StoreUnavailable):
    """The template index cannot be read, even rebuilt (answered 503)."""


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    """A lock held too long by another writer: not damage, nothing to rebuild."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


#: 3: header fields read from every leading markdown cell (descriptions of awesome-notebooks)
SCHEMA_VERSION = 3
#: Notebooks larger than this are not indexed (reported as broken).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    tool TEXT NOT NULL,
    tool_key TEXT NOT NULL,
    action TEXT NOT NULL,
    tags TEXT NOT NULL,
    author TEXT NOT NULL,
    description TEXT NOT NULL,
    cells INTEGER NOT NULL,
    has_parameters INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha1 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS template_tags (
    tag TEXT NOT NULL,
    template_rowid INTEGER NOT NULL,
    PRIMARY KEY (tag, template_rowid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS template_tags_by_template ON template_tags (template_rowid);
CREATE TABLE IF NOT EXISTS broken (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha1 TEXT NOT NULL,
    error TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS templates_fts USING fts5(
    title, tool, tags, description, body,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2 3'
);
-- The metadata columns again, without the cell text: the ranking groups and the first
-- keystrokes of type-ahead only look at metadata, and this table's term lists are short.
CREATE VIRTUAL TABLE IF NOT EXISTS templates_meta_fts USING fts5(
    title, tool, tags, description,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2 3'
);
PRAGMA user_version = {SCHEMA_VERSION};
"""


@dataclass(frozen=True)
class BrokenFile:
    """A notebook the index skipped, and why."""

    id: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "error": self.error}


@dataclass
class RefreshReport:
    """What one refresh changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    broken: list[BrokenFile] = field(default_factory=list)
    """Files that became broken in this refresh (all broken files: :meth:`TemplateIndex.broken`)."""
    duration_ms: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.broken)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "broken": [b.to_json() for b in self.broken],
            "duration_ms": round(self.duration_ms, 1),
        }


@contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """A nested transaction: what fails inside it is undone, the rest of the transaction
    stays."""
    conn.execute("SAVEPOINT one_template")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO one_template")
        conn.execute("RELEASE one_template")
        raise
    conn.execute("RELEASE one_template")


def scan(folder: Path) -> Iterator[tuple[str, str, int, int]]:
    """Yield ``(id, path, size, mtime_ns)`` of each notebook under ``folder``.

    Hidden entries and ``__pycache__`` are skipped and symbolic links are not followed, so
    the index only ever names regular files inside ``folder``. This runs at every refresh:
    it stats each notebook once and builds no Path objects.
    """
    if not folder.is_dir() or folder.is_symlink():
        return
    pending = [(str(folder), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            log.warning("Cannot list template folder %s: %s", directory, exc)
            continue
        for entry in entries:
            name = entry.name
            if name[0] == "." or name == "__pycache__" or entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{prefix}{name}/"))
            elif name.endswith(".ipynb") and entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                yield f"{prefix}{name}", entry.path, stat.st_size, stat.st_mtime_ns


class TemplateIndex:
    """The search index of one templates folder, stored in one SQLite file."""

    def __init__(self, db_path: Path | str, *, folder: Path | None = None) -> None:
        self.db_path = Path(db_path)
        #: The templates folder, to rebuild a damaged index from (None: rebuilt empty, filled
        #: by the next refresh).
        self.folder = folder
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._repair_lock = threading.RLock()
        #: How many times a damaged file was discarded (tests and the log read it).
        self.repairs = 0
        #: Bumped when the file is replaced: each thread then reopens its connection.
        self._epoch = 0
        self._table: Table | None = None
        self._table_generation = -1

    # -- connections --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared across threads)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            if getattr(self._local, "epoch", 0) == self._epoch:
                return conn
            # The file was replaced (a repair): only this thread may close its connection.
            self._local.conn = None
            with self._lock:
                if conn in self._connections:
                    self._connections.remove(conn)
            conn.close()
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._repair_lock:  # never open the file while a repair replaces it
            conn = self._open()
            self._local.conn, self._local.epoch = conn, self._epoch
        with self._lock:
            self._connections.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            conn = sqlite3.connect(
                self.db_path, timeout=10, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA_VERSION):
                    self._drop_all(conn)
                conn.executescript(SCHEMA)
                return conn
            except sqlite3.DatabaseError as exc:
                conn.close()
                if attempt == 2:
                    raise
                # The file is a cache: a corrupt one is removed and rebuilt from the folder.
                log.warning(
                    "Template index %s is unreadable (%s): rebuilding it", self.db_path, exc
                )
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _drop_all(conn: sqlite3.Connection) -> None:
        log.info("Template index schema changed: rebuilding it")
        for table in (
            "templates_fts",
            "templates_meta_fts",
            "templates",
            "template_tags",
            "broken",
            "meta",
        ):
            conn.execute(f"DROP TABLE IF EXISTS {table}")

    def close(self) -> None:
        """Close every connection this index opened (in any thread)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    # -- damage -------------------------------------------------------------------------
    def _guarded(self, read: Callable[[sqlite3.Connection], R]) -> R:
        """``read(connection)``; if the file turns out damaged, rebuild it and read again."""
        seen = self.repairs
        try:
            return read(self._connect())
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise
            self._repair(seen, exc)
        try:
            return read(self._connect())
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise
            raise TemplateIndexUnavailable(
                f"The template index {self.db_path} cannot be read even after rebuilding it "
                f"({exc}): check the disk and the folder's permissions, then run a templates "
                "sync (palette: Sync templates) or restart the server.",
                field="templates_index_dir",
            ) from None

    def _repair(self, seen: int, exc: sqlite3.DatabaseError) -> None:
        """Discard the damaged file (unless another thread already did since ``seen``) and
        rebuild it from :attr:`folder`."""
        with self._repair_lock:
            if self.repairs != seen:
                return  # repaired meanwhile: just read again
            log.warning(
                "Template index %s is damaged (%s): rebuilding it from the templates folder",
                self.db_path,
                exc,
            )
            # Other threads may be reading with their connections: never close those here
            # (that crashes SQLite); each reopens at its next read (see the epoch).
            self._epoch += 1
            for suffix in ("-wal", "-shm", ""):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            with self._lock:
                self._table, self._table_generation = None, -1
            self.repairs += 1
            if self.folder is not None:
                try:
                    self.refresh(self.folder)
                except sqlite3.DatabaseError:
                    log.warning("Rebuilding the template index failed", exc_info=True)

    # -- metadata -----------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self._guarded(
            lambda conn: conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        )
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        self._guarded(
            lambda conn: conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )
        )

    def generation(self) -> int:
        """A number that changes whenever the indexed content changes."""
        return int(self.get_meta("generation") or 0)

    def count(self) -> int:
        return int(
            self._guarded(lambda conn: conn.execute("SELECT COUNT(*) FROM templates").fetchone())[0]
        )

    def broken(self) -> list[BrokenFile]:
        rows = self._guarded(
            lambda conn: conn.execute("SELECT id, error FROM broken ORDER BY id").fetchall()
        )
        return [BrokenFile(row[0], row[1]) for row in rows]

    # -- refresh ------------------------------------------------------------------------
    def refresh(self, folder: Path) -> RefreshReport:
        """Bring the index in line with the notebooks under ``folder``; return what changed."""
        started = time.perf_counter()
        conn = self._connect()
        report = RefreshReport()
        # (size, mtime_ns, in templates?) of everything indexed; SHA-1s only when needed.
        known: dict[str, tuple[int, int, bool]] = {
            row[0]: (row[1], row[2], bool(row[3]))
            for row in conn.execute(
                "SELECT id, size, mtime_ns, 1 FROM templates "
                "UNION ALL SELECT id, size, mtime_ns, 0 FROM broken"
            )
        }
        parsed: list[tuple[str, TemplateMeta, int, int, str]] = []
        touched: list[tuple[str, int, int, bool]] = []
        newly_broken: list[tuple[str, int, int, str, str]] = []
        seen: set[str] = set()
        for found_id, path, size, mtime_ns in scan(folder):
            # A name that is not UTF-8 is indexed as broken, under a readable id.
            template_id = readable(found_id)
            if template_id in seen:
                continue  # two names that read the same: the first one stands
            seen.add(template_id)
            before = known.get(template_id)
            if before is not None and before[0] == size and before[1] == mtime_ns:
                report.unchanged += 1
                continue
            if template_id != found_id:
                error = "its file name is not UTF-8 text: rename it in its source"
                log.warning("Template %s skipped: %s", template_id, error)
                newly_broken.append((template_id, size, mtime_ns, "", error))
                continue
            sha1, meta, error = self._read(template_id, path, size)
            if before is not None and sha1 and sha1 == self._stored_sha1(conn, template_id):
                touched.append((template_id, size, mtime_ns, before[2]))
                report.unchanged += 1
            elif meta is not None:
                parsed.append((template_id, meta, size, mtime_ns, sha1))
            else:
                newly_broken.append((template_id, size, mtime_ns, sha1, error))
        removed = [i for i in known if i not in seen]
        if not (touched or removed or parsed or newly_broken):
            report.duration_ms = (time.perf_counter() - started) * 1000
            return report

        conn.execute("BEGIN IMMEDIATE")
        try:
            for template_id, size, mtime_ns, ok in touched:
                conn.execute(
                    "UPDATE templates SET size = ?, mtime_ns = ? WHERE id = ?"
                    if ok
                    else "UPDATE broken SET size = ?, mtime_ns = ? WHERE id = ?",
                    (size, mtime_ns, template_id),
                )
            for template_id in removed:
                self._delete(conn, template_id)
                report.removed += 1
            for template_id, meta, size, mtime_ns, sha1 in parsed:
                existed = template_id in known and known[template_id][2]
                try:
                    with _savepoint(conn):
                        self._upsert(conn, template_id, meta, size, mtime_ns, sha1)
                except (sqlite3.Error, ValueError) as exc:
                    # One notebook the index cannot hold never costs the others their refresh.
                    error = readable(f"cannot be indexed ({type(exc).__name__}: {exc})")
                    log.warning("Template %s skipped: %s", template_id, error)
                    newly_broken.append((template_id, size, mtime_ns, sha1, error))
                    continue
                if existed:
                    report.updated += 1
                else:
                    report.added += 1
            for template_id, size, mtime_ns, sha1, error in newly_broken:
                self._delete(conn, template_id)
                conn.execute(
                    "INSERT OR REPLACE INTO broken (id, size, mtime_ns, sha1, error) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (template_id, size, mtime_ns, sha1, error),
                )
                report.broken.append(BrokenFile(template_id, error))
            if report.changed:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('generation', '1') "
                    "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        report.duration_ms = (time.perf_counter() - started) * 1000
        return report

    @staticmethod
    def _stored_sha1(conn: sqlite3.Connection, template_id: str) -> str | None:
        row = conn.execute(
            "SELECT sha1 FROM templates WHERE id = ? "
            "UNION ALL SELECT sha1 FROM broken WHERE id = ?",
            (template_id, template_id),
        ).fetchone()
        return str(row[0]) if row else None

    @staticmethod
    def _read(template_id: str, path: str, size: int) -> tuple[str, TemplateMeta | None, str]:
        """(sha1, metadata or None, error) of one file; a broken one is logged, not raised."""
        if size > MAX_NOTEBOOK_BYTES:
            error = f"larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB"
            log.warning("Template %s skipped: %s", template_id, error)
            return "", None, error
        try:
            with open(path, "rb") as handle:  # noqa: PTH123 - a str path from scan()
                data = handle.read()
        except OSError as exc:
            log.warning("Template %s skipped: cannot read it (%s)", template_id, exc)
            return "", None, f"cannot read it ({exc.strerror or exc})"
        sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        try:
            return sha1, parse_template(data.decode("utf-8"), template_id), ""
        except UnicodeDecodeError:
            error = "not UTF-8 text"
        except BrokenTemplate as exc:
            error = readable(str(exc))
        except Exception as exc:  # whatever a notebook holds, the others are still indexed
            error = readable(f"cannot be read ({type(exc).__name__}: {exc})")
        log.warning("Template %s skipped: %s", template_id, error)
        return sha1, None, error

    @staticmethod
    def _delete(conn: sqlite3.Connection, template_id: str) -> None:
        row = conn.execute("SELECT rowid FROM templates WHERE id = ?", (template_id,)).fetchone()
        if row:
            conn.execute("DELETE FROM templates_fts WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM templates_meta_fts WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM template_tags WHERE template_rowid = ?", (row[0],))
            conn.execute("DELETE FROM templates WHERE rowid = ?", (row[0],))
        conn.execute("DELETE FROM broken WHERE id = ?", (template_id,))

    @staticmethod
    def _upsert(
        conn: sqlite3.Connection,
        template_id: str,
        meta: TemplateMeta,
        size: int,
        mtime_ns: int,
        sha1: str,
    ) -> None:
        conn.execute("DELETE FROM broken WHERE id = ?", (template_id,))
        values = (
            source_of(template_id),
            meta.title,
            meta.tool,
            meta.tool.casefold(),
            meta.action,
            json.dumps(list(meta.tags)),
            meta.author,
            meta.description,
            len(meta.cells),
            int(meta.has_parameters),
            size,
            mtime_ns,
            sha1,
        )
        row = conn.execute("SELECT rowid FROM templates WHERE id = ?", (template_id,)).fetchone()
        if row:
            rowid = int(row[0])
            conn.execute(
                "UPDATE templates SET source = ?, title = ?, tool = ?, tool_key = ?, action = ?, "
                "tags = ?, author = ?, description = ?, cells = ?, has_parameters = ?, size = ?, "
                "mtime_ns = ?, sha1 = ? WHERE rowid = ?",
                (*values, rowid),
            )
            conn.execute("DELETE FROM templates_fts WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM templates_meta_fts WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM template_tags WHERE template_rowid = ?", (rowid,))
        else:
            cursor = conn.execute(
                "INSERT INTO templates (id, source, title, tool, tool_key, action, tags, author, "
                "description, cells, has_parameters, size, mtime_ns, sha1) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (template_id, *values),
            )
            rowid = int(cursor.lastrowid or 0)
        conn.execute(
            "INSERT INTO templates_fts (rowid, title, tool, tags, description, body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (rowid, meta.title, meta.tool, " ".join(meta.tags), meta.description, meta.body),
        )
        conn.execute(
            "INSERT INTO templates_meta_fts (rowid, title, tool, tags, description) "
            "VALUES (?, ?, ?, ?, ?)",
            (rowid, meta.title, meta.tool, " ".join(meta.tags), meta.description),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO template_tags (tag, template_rowid) VALUES (?, ?)",
            [(tag, rowid) for tag in meta.tags],
        )

    # -- search -------------------------------------------------------------------------
    def table(self, conn: sqlite3.Connection) -> Table:
        """The in-memory table of templates, reloaded when the index changed (in any
        process: the generation is stored in the database)."""
        generation = self.generation()
        with self._lock:
            if generation == self._table_generation and self._table is not None:
                return self._table
        table = load_table(conn)
        with self._lock:
            self._table, self._table_generation = table, generation
        return table

    def search(
        self,
        query: str = "",
        *,
        tools: Sequence[str] = (),
        tags: Sequence[str] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Templates matching ``query`` (best first) with any of ``tools`` and all ``tags``
        (see :func:`.search.search`). An empty query lists every template by title."""
        return self._guarded(
            lambda conn: searching.search(conn, self.table(conn), query, tools, tags, limit, offset)
        )

    def matching_ids(self, query: str) -> list[str]:
        """The id of every template matching ``query``, unranked, without facets: the answer
        ``grep -ril`` gives, for scripts (and the benchmark's like-for-like comparison)."""
        return self._guarded(lambda conn: searching.matching_ids(conn, self.table(conn), query))

    def get(self, template_id: str) -> TemplateSummary | None:
        """The indexed summary of one template, or None if it is not indexed."""
        row = self._guarded(lambda conn: conn.execute(SUMMARY_BY_ID_SQL, (template_id,)).fetchone())
        return summary_from_row(row) if row else None
