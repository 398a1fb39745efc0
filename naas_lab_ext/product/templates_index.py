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
the file read, and only when its SHA-1 differs is it parsed again.

Searching ranks with ``bm25`` and per-column weights (title and tool above tags, description
and body text); each word of the query matches as a prefix, so results follow typing.
SQLite returns the matching rowids as one text, read into a bitmask; filters (tool, tags),
facet counts and the ranking groups are ``&``, ``|`` and ``bit_count()`` against bitmasks
of an in-memory table (per tool, tag and metadata word) that is reloaded when the
generation changes. Only the rows one page needs are ranked by bm25.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import logging
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput
from .templates_meta import BrokenTemplate, TemplateMeta, parse_template

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
#: bm25 weights of the FTS columns, in order: title, tool, tags, description, body.
COLUMN_WEIGHTS = (10.0, 8.0, 4.0, 2.0, 1.0)
MAX_QUERY = 200
MAX_TERMS = 12
#: Words shorter than this match the title, tool and tags only (see :func:`fts_query`).
SHORT_PREFIX = 3
#: A ranking group whose query matches more templates than this is ordered by title, not
#: bm25 (see TemplateIndex._rank): bm25 costs 1-2 µs per matching template.
RANK_LIMIT = 200
MAX_LIMIT = 200
MAX_TAG_FACETS = 100
#: Notebooks larger than this are not indexed (reported as broken).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: A word as FTS5's unicode61 tokenizer sees it (letters and digits; "_" separates).
WORD = re.compile(r"[^\W_]+", re.UNICODE)

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
SUMMARY_COLUMNS = (
    "rowid, id, source, title, tool, action, tags, author, description, cells, has_parameters"
)
# Built from the constants above only (never from input), hence the noqa.
#: bm25 over some columns of an FTS table, best first (bm25 is negative: lower is better).
_BM25_SQL = "SELECT rowid, bm25({0}, {1}) AS score FROM {0} WHERE {0} MATCH ? ORDER BY score"
#: The rowids matching a query as one text ("3,8,21"): one row to fetch, not thousands.
_MASK_SQL = "SELECT group_concat(rowid) FROM {0} WHERE {0} MATCH ?"
MASK_SQL = _MASK_SQL.format("templates_fts")
#: For a query that only looks at metadata (the first keystrokes): the small table.
META_MASK_SQL = _MASK_SQL.format("templates_meta_fts")
METADATA_COLUMNS = "title tool tags description"
#: The metadata ranking groups, best first: (bm25 query over the group's columns, those
#: columns). They query the metadata table, whose term lists are short.
RANKING_GROUPS = (
    (
        _BM25_SQL.format("templates_meta_fts", "{}, {}, 0, 0".format(*COLUMN_WEIGHTS)),
        "title tool",
    ),
    (
        _BM25_SQL.format("templates_meta_fts", "{}, {}, {}, {}".format(*COLUMN_WEIGHTS)),
        METADATA_COLUMNS,
    ),
)
#: bm25 over every column, cell text included: for the last group, when matches are few.
FULL_BM25_SQL = _BM25_SQL.format("templates_fts", ", ".join(map(str, COLUMN_WEIGHTS)))
SUMMARY_BY_ID_SQL = f"SELECT {SUMMARY_COLUMNS} FROM templates WHERE id = ?"  # noqa: S608


#: A filter value and how many results have it: ``(name, count)``.
Facet = tuple[str, int]


@dataclass(frozen=True)
class TemplateSummary:
    """A template as a search result lists it."""

    id: str
    """Path of the notebook inside the templates folder, e.g. ``default/Pandas/Read_CSV.ipynb``."""
    title: str
    tool: str
    action: str
    tags: tuple[str, ...]
    author: str
    description: str
    cells: int
    has_parameters: bool
    source: str
    """The source the template comes from (first folder of its id)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "tool": self.tool,
            "action": self.action,
            "tags": list(self.tags),
            "author": self.author,
            "description": self.description,
            "cell_count": self.cells,
            "has_parameters": self.has_parameters,
            "source": self.source,
        }


@dataclass
class SearchPage:
    """One page of search results, with the facet counts of the whole result set."""

    query: str
    total: int
    limit: int
    offset: int
    items: list[TemplateSummary]
    tools: list[Facet]
    """Tools of the results matching the query and tags (the tool filter is not applied, so
    the UI can offer switching tool)."""
    tags: list[Facet]
    """Tags of the results matching every filter (drilling down), most frequent first."""

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "items": [item.to_json() for item in self.items],
            "facets": {
                "tools": [{"name": name, "count": count} for name, count in self.tools],
                "tags": [{"name": name, "count": count} for name, count in self.tags],
            },
        }


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


#: The positions of the set bits of each byte value, to turn a bitmask back into rowids.
_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))


def mask_of(rowids: Sequence[int]) -> int:
    """The bitmask of ``rowids`` (bit ``rowid`` set).

    Built as a text of "0" and "1" read by ``int(…, 2)``: one byte store per rowid, the rest
    in C, several times faster than or-ing bits one by one.
    """
    if not rowids:
        return 0
    bits = bytearray(b"0") * (max(rowids) + 1)
    for rowid in rowids:
        bits[rowid] = 49  # "1"
    bits.reverse()
    return int(bits, 2)


def rowids_of(mask: int) -> list[int]:
    """The rowids of the set bits of ``mask``, in increasing order."""
    found: list[int] = []
    for index, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) // 8, "little")):
        if byte:
            base = index * 8
            found.extend(base + bit for bit in _BITS[byte])
    return found


def bit_string(mask: int) -> str:
    """``mask`` as "0"/"1" characters, lowest bit first: ``bits[rowid] == "1"`` tests a
    rowid in tens of nanoseconds (shifting a bitmask of thousands of bits costs more)."""
    return bin(mask)[:1:-1]


@dataclass(frozen=True)
class _Words:
    """The templates each metadata word appears in, as bitmasks, with the words sorted so
    that every word starting with a prefix is one contiguous range."""

    masks: dict[str, int]
    sorted_words: list[str]

    @classmethod
    def build(cls, rows: dict[str, list[int]]) -> _Words:
        return cls({word: mask_of(ids) for word, ids in rows.items()}, sorted(rows))

    def starting_with(self, prefix: str) -> int:
        """The templates with a word starting with ``prefix`` (as FTS5's ``"prefix"*``)."""
        words, found = self.sorted_words, 0
        index = bisect.bisect_left(words, prefix)
        while index < len(words) and words[index].startswith(prefix):
            found |= self.masks[words[index]]
            index += 1
        return found

    def every(self, prefixes: Sequence[str]) -> int:
        """The templates with a word starting with each of ``prefixes``."""
        found = -1
        for prefix in prefixes:
            found &= self.starting_with(prefix)
            if not found:
                break
        return max(found, 0)

    def some(self, prefixes: Sequence[str]) -> int:
        """The templates with a word starting with any of ``prefixes``."""
        found = 0
        for prefix in prefixes:
            found |= self.starting_with(prefix)
        return found


@dataclass(frozen=True)
class _Table:
    """What search needs of every template, in memory.

    Sets of templates are kept as bitmasks (bit ``rowid`` set): a filter is an ``&`` and a
    facet count a ``bit_count()``, a few microseconds each whatever the number of matches.
    """

    summary: dict[int, TemplateSummary]
    title_order: list[int]
    """Every rowid, by title (case-folded), then rowid."""
    title_rank: dict[int, int]
    """Position of each rowid in :attr:`title_order`."""
    tool_names: dict[str, str]
    """Display name of each tool key."""
    tool_masks: dict[str, int]
    tag_masks: dict[str, int]
    all_mask: int
    title_tool_words: _Words
    """The words of the titles and tools (ranking group 0, without an FTS5 query)."""
    metadata_words: _Words
    """The words of the titles, tools, tags and descriptions (ranking group 1)."""

    def by_title(self, mask: int, count: int) -> list[int]:
        """The first ``count`` rowids of ``mask`` in title order."""
        found = mask.bit_count()
        if not found or count <= 0:
            return []
        if found * 8 < len(self.title_order):  # few: sort them
            return heapq.nsmallest(count, rowids_of(mask), key=self.title_rank.__getitem__)
        # many: walk the title order, about count * len / found steps
        bits, taken = bit_string(mask), []
        size = len(bits)
        for rowid in self.title_order:
            if rowid < size and bits[rowid] == "1":
                taken.append(rowid)
                if len(taken) == count:
                    break
        return taken


def fold(text: str) -> list[str]:
    """The words of ``text`` as the index compares them: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return WORD.findall(bare)


def fts_query(text: str, columns: str = "", *, any_word: bool = False) -> str:
    """The FTS5 query of what a user typed: every word must match, each as a prefix.

    Words are quoted, so FTS5 operators (``AND``, ``NEAR``, ``*``, ``:``) typed by the user
    are plain words and can never be a syntax error. A word shorter than
    :data:`SHORT_PREFIX` letters (the first keystrokes of type-ahead) matches the title, tool
    and tags only: as a prefix of body text it would match nearly every template.
    ``columns`` (e.g. ``"title tool"``) limits every word to those columns; ``any_word``
    matches templates with any of the words instead of all.
    """
    terms = []
    for word in fold(text)[:MAX_TERMS]:
        if columns:
            terms.append(f'({{{columns}}} : "{word}"*)')
        elif len(word) < SHORT_PREFIX:
            terms.append(f'({{title tool tags}} : "{word}"*)')
        else:
            terms.append(f'"{word}"*')
    return (" OR " if any_word else " AND ").join(terms)


def metadata_only(text: str) -> bool:
    """True when :func:`fts_query` only looks at metadata columns (every word is short)."""
    words = fold(text)[:MAX_TERMS]
    return bool(words) and all(len(word) < SHORT_PREFIX for word in words)


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

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._table: _Table | None = None
        self._table_generation = -1

    # -- connections --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must not be shared across threads)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._open()
        self._local.conn = conn
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

    # -- metadata -----------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self._connect().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        self._connect().execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def generation(self) -> int:
        """A number that changes whenever the indexed content changes."""
        return int(self.get_meta("generation") or 0)

    def count(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM templates").fetchone()[0])

    def broken(self) -> list[BrokenFile]:
        rows = self._connect().execute("SELECT id, error FROM broken ORDER BY id").fetchall()
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
        for template_id, path, size, mtime_ns in scan(folder):
            seen.add(template_id)
            before = known.get(template_id)
            if before is not None and before[0] == size and before[1] == mtime_ns:
                report.unchanged += 1
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
                self._upsert(conn, template_id, meta, size, mtime_ns, sha1)
                if existed:
                    report.updated += 1
                else:
                    report.added += 1
            for template_id, size, mtime_ns, sha1, error in newly_broken:
                self._delete(conn, template_id)
                conn.execute(
                    "INSERT INTO broken (id, size, mtime_ns, sha1, error) VALUES (?, ?, ?, ?, ?)",
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
            error = str(exc)
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
            template_id.split("/", 1)[0] if "/" in template_id else "",
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
    def _load_table(self, conn: sqlite3.Connection) -> _Table:
        """The in-memory table of templates, reloaded when the index changed (in any
        process: the generation is stored in the database)."""
        generation = self.generation()
        with self._lock:
            if generation == self._table_generation and self._table is not None:
                return self._table
        summaries: dict[int, TemplateSummary] = {}
        titles: list[tuple[str, int]] = []
        tool_names: dict[str, str] = {}
        tool_rows: dict[str, list[int]] = defaultdict(list)
        tag_rows: dict[str, list[int]] = defaultdict(list)
        title_tool_rows: dict[str, list[int]] = defaultdict(list)
        metadata_rows: dict[str, list[int]] = defaultdict(list)
        for row in conn.execute(f"SELECT {SUMMARY_COLUMNS}, tool_key FROM templates"):  # noqa: S608
            rowid, summary, tool_key = row[0], _summary(row), row[-1]
            summaries[rowid] = summary
            titles.append((summary.title.casefold(), rowid))
            tool_names.setdefault(tool_key, summary.tool)
            tool_rows[tool_key].append(rowid)
            for tag in summary.tags:
                tag_rows[tag].append(rowid)
            # the words as the metadata FTS columns hold them (see _upsert)
            title_tool = set(fold(f"{summary.title} {summary.tool}"))
            for word in title_tool:
                title_tool_rows[word].append(rowid)
            other = " ".join((*summary.tags, summary.description))
            for word in title_tool.union(fold(other)):
                metadata_rows[word].append(rowid)
        title_order = [rowid for _title, rowid in sorted(titles)]
        table = _Table(
            summary=summaries,
            title_order=title_order,
            title_rank={rowid: n for n, rowid in enumerate(title_order)},
            tool_names=tool_names,
            tool_masks={key: mask_of(rows) for key, rows in tool_rows.items()},
            tag_masks={tag: mask_of(rows) for tag, rows in tag_rows.items()},
            all_mask=mask_of(title_order),
            title_tool_words=_Words.build(title_tool_rows),
            metadata_words=_Words.build(metadata_rows),
        )
        with self._lock:
            self._table, self._table_generation = table, generation
        return table

    @staticmethod
    def _mask(conn: sqlite3.Connection, sql: str, match: str) -> int:
        """The bitmask of the rowids an FTS query (:data:`MASK_SQL`) matches."""
        (text,) = conn.execute(sql, (match,)).fetchone()
        # digits and commas only: json reads them twice as fast as split() and int()
        return mask_of(json.loads(f"[{text}]")) if text else 0

    def _matched(self, conn: sqlite3.Connection, table: _Table, query: str) -> int:
        """The bitmask of the templates matching ``query`` (not empty)."""
        sql = META_MASK_SQL if metadata_only(query) else MASK_SQL
        # (a row the in-memory table does not know yet was indexed a moment ago)
        return self._mask(conn, sql, fts_query(query)) & table.all_mask

    def search(
        self,
        query: str = "",
        *,
        tools: Sequence[str] = (),
        tags: Sequence[str] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Templates matching ``query`` (best first) with any of ``tools`` and all ``tags``.

        An empty query lists every template by title.
        """
        query = check_search(query, limit, offset)
        conn = self._connect()
        table = self._load_table(conn)
        match = fts_query(query)
        matched = self._matched(conn, table, query) if match else table.all_mask
        filtered = matched
        for tag in {t.strip().lower().lstrip("#") for t in tags if t.strip()}:
            filtered &= table.tag_masks.get(tag, 0)
        # The tool facet counts ignore the tool filter, so other tools can be picked.
        # (count negated: sorting puts the most frequent first, then by name)
        tool_counts = sorted(
            [(-n, k) for k, m in table.tool_masks.items() if (n := (filtered & m).bit_count())]
        )
        wanted_tools = {t.strip().casefold() for t in tools if t.strip()}
        if wanted_tools:
            tools_mask = 0
            for key in wanted_tools:
                tools_mask |= table.tool_masks.get(key, 0)
            filtered &= tools_mask
        tag_counts = sorted(
            [(-n, k) for k, m in table.tag_masks.items() if (n := (filtered & m).bit_count())]
        )
        if match:
            page = self._rank(conn, table, query, matched, filtered, offset + limit)
        else:
            page = table.by_title(filtered, offset + limit)
        return SearchPage(
            query=query,
            total=filtered.bit_count(),
            limit=limit,
            offset=offset,
            items=[table.summary[rowid] for rowid in page[offset:]],
            tools=[(table.tool_names[key], -minus) for minus, key in tool_counts if key],
            tags=[(tag, -minus) for minus, tag in tag_counts[:MAX_TAG_FACETS]],
        )

    @classmethod
    def _rank(
        cls,
        conn: sqlite3.Connection,
        table: _Table,
        query: str,
        matched: int,
        filtered: int,
        count: int,
    ) -> list[int]:
        """The first ``count`` templates of ``filtered`` (a bitmask), best first.

        Results come in three groups: every word in the title or tool; else every word in
        the title, tool, tags or description (the metadata); else the rest (some words only
        in cell text). Within a group: bm25 over the group's columns with
        :data:`COLUMN_WEIGHTS`, then the title. bm25 alone saturates term frequency, so a
        long body repeating a word could outrank a title naming it: the groups prevent that.

        bm25 costs one to two microseconds per template the group's query matches (whether
        or not the filters keep it), so a group is only ranked when the groups before it do
        not fill the page, only the rows the page needs are read from SQLite, and a group
        matching more than :data:`RANK_LIMIT` templates (the first letter or two of a word,
        or a word found in most notebooks' code) is ordered by title instead: the next
        keystroke narrows it. For the last group, those with some query word in their
        metadata then come first.

        Who belongs to a group comes from the in-memory word bitmasks of the metadata (the
        same words FTS5 holds in those columns), so SQLite only runs the bm25 queries.
        """
        keys: list[tuple[int, float, int, int]] = []
        remaining = filtered
        title_rank = table.title_rank
        words = fold(query)[:MAX_TERMS]
        for group, (sql, columns) in enumerate(RANKING_GROUPS):
            if len(keys) >= count or not remaining:
                return cls._best(keys, count)
            # Who is in the group: from the in-memory word bitmasks (no FTS5 query).
            group_words = table.title_tool_words if group == 0 else table.metadata_words
            members = group_words.every(words)
            wanted = members & remaining
            if not wanted:
                continue
            if wanted.bit_count() == 1:  # nothing to order
                taken = [(wanted.bit_length() - 1, 0.0)]
                remaining &= ~wanted
            elif members.bit_count() <= RANK_LIMIT:
                taken = cls._take(conn, sql, fts_query(query, columns), wanted, count - len(keys))
                # (a row FTS5 did not return stays for the next group)
                remaining &= ~mask_of([rowid for rowid, _score in taken])
            else:
                taken = [(rowid, 0.0) for rowid in table.by_title(wanted, count - len(keys))]
                remaining &= ~wanted
            keys += [(group, score, title_rank[rowid], rowid) for rowid, score in taken]
        last = len(RANKING_GROUPS)
        if len(keys) >= count or not remaining:
            return cls._best(keys, count)
        if matched.bit_count() <= RANK_LIMIT:
            taken = cls._take(conn, FULL_BM25_SQL, fts_query(query), remaining, count - len(keys))
            keys += [(last, score, title_rank[rowid], rowid) for rowid, score in taken]
            return cls._best(keys, count)
        layers = [remaining]
        if len(words) > 1:
            first = table.metadata_words.some(words) & remaining
            layers = [first, remaining & ~first]
        for layer, part in enumerate(layers):
            keys += [
                (last, float(layer), title_rank[rowid], rowid)
                for rowid in table.by_title(part, count - len(keys))
            ]
        return cls._best(keys, count)

    @staticmethod
    def _best(keys: list[tuple[int, float, int, int]], count: int) -> list[int]:
        return [key[-1] for key in heapq.nsmallest(count, keys)]

    @staticmethod
    def _take(
        conn: sqlite3.Connection, sql: str, match: str, wanted: int, count: int
    ) -> list[tuple[int, float]]:
        """(rowid, score) of the rows of ``wanted`` a ranking query returns, best first:
        all of them, or the first ``count`` and those tied with the last (the title
        decides between ties)."""
        bits = bit_string(wanted)
        size = len(bits)
        taken: list[tuple[int, float]] = []
        cutoff = None
        with closing(conn.execute(sql, (match,))) as rows:
            for rowid, score in rows:
                if rowid < size and bits[rowid] == "1":
                    if cutoff is not None and score != cutoff:
                        break
                    taken.append((rowid, score))
                    if len(taken) == count:
                        cutoff = score
        return taken

    def matching_ids(self, query: str) -> list[str]:
        """The id of every template matching ``query``, unranked, without facets: the answer
        ``grep -ril`` gives, for scripts (and the benchmark's like-for-like comparison)."""
        query = check_search(query, 1, 0)
        if not fts_query(query):
            return []
        conn = self._connect()
        table = self._load_table(conn)
        return [table.summary[rowid].id for rowid in rowids_of(self._matched(conn, table, query))]

    def get(self, template_id: str) -> TemplateSummary | None:
        """The indexed summary of one template, or None if it is not indexed."""
        row = self._connect().execute(SUMMARY_BY_ID_SQL, (template_id,)).fetchone()
        return _summary(row) if row else None


def _summary(row: Sequence[Any]) -> TemplateSummary:
    return TemplateSummary(
        id=row[1],
        source=row[2],
        title=row[3],
        tool=row[4],
        action=row[5],
        tags=tuple(json.loads(row[6])),
        author=row[7],
        description=row[8],
        cells=int(row[9]),
        has_parameters=bool(row[10]),
    )


def check_search(query: Any, limit: Any, offset: Any) -> str:
    """Validate search inputs (REST and CLI give them as they come); return the query."""
    if query is None:
        query = ""
    if not isinstance(query, str):
        raise InvalidInput("The query must be text.", field="q")
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"The query is longer than {MAX_QUERY} characters.", field="q")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}.", field="limit")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInput("offset must be a whole number, 0 or more.", field="offset")
    return query.strip()
