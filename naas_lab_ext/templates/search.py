"""Searching the template index: what a user typed, ranked, filtered and counted.

Searching ranks with ``bm25`` and per-column weights (title and tool above tags, description
and body text); each word of the query matches as a prefix, so results follow typing, and
every form of it (the prefix it shares with its porter stem: "scrape" finds "scraping"). A
code token (``pd.read_csv``, ``gpt-4``) matches as a phrase of its words, so it is found
whole, and each of its words alone finds it too.
SQLite returns the matching rowids as one text, read into a bitmask; filters (tool, tags),
facet counts and the ranking groups are ``&``, ``|`` and ``bit_count()`` against bitmasks
of an in-memory :class:`Table` (per tool, tag and metadata word) that the index reloads when
its generation changes. Only the rows one page needs are ranked by bm25.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from ..core.errors import InvalidInput
from .table import (
    Table,
    TemplateSummary,
    bit_string,
    exact_key,
    fold,
    mask_of,
    rowids_of,
    search_prefix,
    stem,
)

#: bm25 weights of the FTS columns, in order: title, tool, tags, description, body.
COLUMN_WEIGHTS = (10.0, 8.0, 4.0, 2.0, 1.0)
MAX_QUERY = 200
MAX_TERMS = 12
#: Words shorter than this match the title, tool and tags only (see :func:`fts_query`).
SHORT_PREFIX = 3
#: A ranking group whose query matches more templates than this is ordered by title, not
#: bm25 (see :func:`rank`): bm25 costs 1-2 µs per matching template.
RANK_LIMIT = 200
MAX_LIMIT = 200
MAX_TAG_FACETS = 100


# Built from the constants above only (never from input), hence the noqa.
#: bm25 over some columns of an FTS table, best first (bm25 is negative: lower is better).
_BM25_SQL = "SELECT rowid, bm25({0}, {1}) AS score FROM {0} WHERE {0} MATCH ? ORDER BY score"
#: The rowids matching a query as one text ("3,8,21"): one row to fetch, not thousands.
_MASK_SQL = "SELECT group_concat(rowid) FROM {0} WHERE {0} MATCH ?"
MASK_SQL = _MASK_SQL.format("templates_fts")
#: For a query that only looks at metadata (the first keystrokes): the small table.
META_MASK_SQL = _MASK_SQL.format("templates_meta_fts")
METADATA_COLUMNS = "title tool tags description"
#: bm25 over the title and tool, and over the metadata: the ranking groups query the
#: metadata table, whose term lists are short.
TITLE_TOOL_BM25_SQL = _BM25_SQL.format("templates_meta_fts", "{}, {}, 0, 0".format(*COLUMN_WEIGHTS))
METADATA_BM25_SQL = _BM25_SQL.format("templates_meta_fts", "{}, {}, {}, {}".format(*COLUMN_WEIGHTS))
#: bm25 over every column, cell text included: for the last group, when matches are few.
FULL_BM25_SQL = _BM25_SQL.format("templates_fts", ", ".join(map(str, COLUMN_WEIGHTS)))


#: A filter value and how many results have it: ``(name, count)``.
Facet = tuple[str, int]


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


def terms(text: str) -> list[list[str]]:
    """What a user typed, split at spaces, each part as its folded words: ``"pd.read_csv
    gmail"`` → ``[["pd", "read", "csv"], ["gmail"]]``."""
    found = [words for chunk in text.split() if (words := fold(chunk))]
    return found[:MAX_TERMS]


def prefixes(text: str) -> list[str]:
    """The prefixes the in-memory word bitmasks look for: each word as :func:`fts_query`
    searches it (the words of a code token each, not as a phrase: close enough to order)."""
    found: list[str] = []
    for words in terms(text):
        if len(words) > 1:
            found += words
        else:
            found.append(words[0] if len(words[0]) < SHORT_PREFIX else search_prefix(words[0]))
    return found


def fts_query(text: str, columns: str = "", *, any_word: bool = False) -> str:
    """The FTS5 query of what a user typed: every word must match, each as a prefix.

    Words are quoted, so FTS5 operators (``AND``, ``NEAR``, ``*``, ``:``) typed by the user
    are plain words and can never be a syntax error. A word is searched as the prefix it
    shares with its stem (:func:`.table.search_prefix`). A code token of several words
    (``pd.read_csv``) is a phrase, its last word a prefix: FTS5 holds it as those words
    side by side, and a phrase stays precise even when its words are short. A lone word
    shorter than :data:`SHORT_PREFIX` letters (the first keystrokes of type-ahead) matches
    the title, tool and tags only: as a prefix of body text it would match nearly every
    template. ``columns`` (e.g. ``"title tool"``) limits every word to those columns;
    ``any_word`` matches templates with any of the words instead of all.
    """
    found = []
    for words in terms(text):
        if len(words) > 1:
            term = '"{}"*'.format(" ".join(words))
        elif len(words[0]) < SHORT_PREFIX:
            term = f'"{words[0]}"*'
            columns_of_word = columns or "title tool tags"
            found.append(f"({{{columns_of_word}}} : {term})")
            continue
        else:
            term = f'"{search_prefix(words[0])}"*'
        found.append(f"({{{columns}}} : {term})" if columns else term)
    return (" OR " if any_word else " AND ").join(found)


def metadata_only(text: str) -> bool:
    """True when :func:`fts_query` only looks at metadata columns (every word is short)."""
    found = terms(text)
    return bool(found) and all(len(w) == 1 and len(w[0]) < SHORT_PREFIX for w in found)


def match_mask(conn: sqlite3.Connection, sql: str, match: str) -> int:
    """The bitmask of the rowids an FTS query (:data:`MASK_SQL`) matches."""
    (text,) = conn.execute(sql, (match,)).fetchone()
    # digits and commas only: json reads them twice as fast as split() and int()
    return mask_of(json.loads(f"[{text}]")) if text else 0


def matched(conn: sqlite3.Connection, table: Table, query: str) -> int:
    """The bitmask of the templates matching ``query`` (not empty)."""
    sql = META_MASK_SQL if metadata_only(query) else MASK_SQL
    # (a row the in-memory table does not know yet was indexed a moment ago)
    return match_mask(conn, sql, fts_query(query)) & table.all_mask


def search(
    conn: sqlite3.Connection,
    table: Table,
    query: str,
    tools: Sequence[str],
    tags: Sequence[str],
    limit: int,
    offset: int,
) -> SearchPage:
    """Templates matching ``query`` (best first) with any of ``tools`` and all ``tags``.

    An empty query lists every template by title.
    """
    query = check_search(query, limit, offset)
    match = fts_query(query)
    found = matched(conn, table, query) if match else table.all_mask
    filtered = found
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
        page = rank(conn, table, query, found, filtered, offset + limit)
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


def rank(
    conn: sqlite3.Connection,
    table: Table,
    query: str,
    matched: int,
    filtered: int,
    count: int,
) -> list[int]:
    """The first ``count`` templates of ``filtered`` (a bitmask), best first.

    Results come in groups: the whole title or tool is the query (its words, or words of
    the same stems); every word is a whole word of the title or tool ("send" is a word of
    "SMTP - Send Email", only a prefix of "Sendinblue"); every word in the title or tool as
    a prefix; every word in the title, tool, tags or description (the metadata); the rest
    (some words only in cell text). Within the first two groups: the fewest title and tool
    words beyond the query first (:meth:`.Table.closeness`), then the title. Within the
    others: bm25 over the group's columns with :data:`COLUMN_WEIGHTS`, then the title.
    bm25 alone saturates term frequency, so a long body repeating a word could outrank a
    title naming it: the groups prevent that.

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
    words = prefixes(query)
    whole_words = [word for term in terms(query) for word in term]
    stems = frozenset(stem(word) for word in whole_words)
    # (the first two groups are ordered by closeness, no sql: see Table.closeness)
    groups: tuple[tuple[Callable[[], int], str, str], ...] = (
        (lambda: table.exact.get(exact_key(whole_words), 0), "", ""),
        (lambda: table.title_tool_words.every_whole(whole_words), "", ""),
        (lambda: table.title_tool_words.every(words), TITLE_TOOL_BM25_SQL, "title tool"),
        (lambda: table.metadata_words.every(words), METADATA_BM25_SQL, METADATA_COLUMNS),
    )
    for group, (members_of, sql, columns) in enumerate(groups):
        if len(keys) >= count or not remaining:
            return _best(keys, count)
        members = members_of()
        wanted = members & remaining
        if not wanted:
            continue
        if wanted.bit_count() == 1:  # nothing to order
            taken = [(wanted.bit_length() - 1, 0.0)]
            remaining &= ~wanted
        elif not sql and wanted.bit_count() <= RANK_LIMIT:
            taken = table.closeness(wanted, stems)
            remaining &= ~wanted
        elif sql and members.bit_count() <= RANK_LIMIT:
            taken = _take(conn, sql, fts_query(query, columns), wanted, count - len(keys))
            # (a row FTS5 did not return stays for the next group)
            remaining &= ~mask_of([rowid for rowid, _score in taken])
        else:
            taken = [(rowid, 0.0) for rowid in table.by_title(wanted, count - len(keys))]
            remaining &= ~wanted
        keys += [(group, score, title_rank[rowid], rowid) for rowid, score in taken]
    last = len(groups)
    if len(keys) >= count or not remaining:
        return _best(keys, count)
    if matched.bit_count() <= RANK_LIMIT:
        taken = _take(conn, FULL_BM25_SQL, fts_query(query), remaining, count - len(keys))
        keys += [(last, score, title_rank[rowid], rowid) for rowid, score in taken]
        return _best(keys, count)
    layers = [remaining]
    if len(words) > 1:
        first = table.metadata_words.some(words) & remaining
        layers = [first, remaining & ~first]
    for layer, part in enumerate(layers):
        keys += [
            (last, float(layer), title_rank[rowid], rowid)
            for rowid in table.by_title(part, count - len(keys))
        ]
    return _best(keys, count)


def _best(keys: list[tuple[int, float, int, int]], count: int) -> list[int]:
    return [key[-1] for key in heapq.nsmallest(count, keys)]


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


def matching_ids(conn: sqlite3.Connection, table: Table, query: str) -> list[str]:
    """The id of every template matching ``query``, unranked, without facets: the answer
    ``grep -ril`` gives, for scripts (and the benchmark's like-for-like comparison)."""
    query = check_search(query, 1, 0)
    if not fts_query(query):
        return []
    return [table.summary[rowid].id for rowid in rowids_of(matched(conn, table, query))]


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
