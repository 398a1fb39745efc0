"""The templates in memory, as search needs them: summaries, title order, and sets of
templates as bitmasks (bit ``rowid`` set), per tool, tag and metadata word.

A filter is an ``&`` and a facet count a ``bit_count()``: a few microseconds each, whatever
the number of matches.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import json
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .metadata import TemplateHeader, TemplateMeta, source_of

#: A word as FTS5's unicode61 tokenizer sees it (letters and digits; "_" separates).
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SUMMARY_COLUMNS = (
    "rowid, id, source, title, tool, action, tags, author, description, cells, has_parameters"
)
SUMMARY_BY_ID_SQL = f"SELECT {SUMMARY_COLUMNS} FROM templates WHERE id = ?"  # noqa: S608


@dataclass(frozen=True)
class TemplateSummary(TemplateHeader):
    """A template as a search result lists it."""

    id: str
    """Path of the notebook inside the templates folder, e.g. ``default/Pandas/Read_CSV.ipynb``."""
    cells: int
    has_parameters: bool
    source: str
    """The source the template comes from (first folder of its id)."""

    @classmethod
    def of(cls, template_id: str, meta: TemplateMeta) -> TemplateSummary:
        """The summary of a template read from its file (as the index would list it)."""
        return cls(
            id=template_id,
            title=meta.title,
            tool=meta.tool,
            action=meta.action,
            tags=meta.tags,
            author=meta.author,
            description=meta.description,
            cells=len(meta.cells),
            has_parameters=meta.has_parameters,
            source=source_of(template_id),
        )

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


def summary_from_row(row: Sequence[Any]) -> TemplateSummary:
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


def fold(text: str) -> list[str]:
    """The words of ``text`` as the index compares them: lower case, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return WORD.findall(bare)


#: A stem shorter than this is not searched as a prefix: the word is, as typed ("news" stems
#: to "new", which would find "newsletter" and "new" alike).
MIN_STEM = 4
_STEMMER_LOCK = threading.Lock()
_STEMMER: list[sqlite3.Connection] = []


def _stemmer() -> sqlite3.Connection:
    """An in-memory FTS5 table with the porter tokenizer: SQLite's own stemmer, the one
    FTS5 offers, with its vocabulary table giving each word's stem."""
    if not _STEMMER:
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        conn.executescript(
            "CREATE VIRTUAL TABLE words USING fts5(word, "
            "tokenize = 'porter unicode61 remove_diacritics 2');"
            "CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'instance');"
        )
        _STEMMER.append(conn)
    return _STEMMER[0]


def stems_of(words: Iterable[str]) -> dict[str, str]:
    """The porter stem of each folded word (``"scraping"`` → ``"scrape"``, ``"emails"`` →
    ``"email"``); a word the tokenizer does not see as one word is its own stem."""
    unique = list(dict.fromkeys(words))
    found: dict[str, str] = {word: word for word in unique}
    if not unique:
        return found
    tokens: dict[int, list[str]] = defaultdict(list)
    with _STEMMER_LOCK:
        conn = _stemmer()
        conn.execute("DELETE FROM words")
        conn.executemany(
            "INSERT INTO words (rowid, word) VALUES (?, ?)", enumerate(unique, start=1)
        )
        for doc, term in conn.execute("SELECT doc, term FROM stems ORDER BY doc, offset"):
            tokens[doc].append(term)
    for doc, terms in tokens.items():
        if len(terms) == 1:
            found[unique[doc - 1]] = terms[0]
    return found


@functools.lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The porter stem of one folded word (see :func:`stems_of`)."""
    return stems_of([word])[word]


@functools.lru_cache(maxsize=4096)
def search_prefix(word: str) -> str:
    """What a typed word is searched as, as a prefix: the part it shares with its stem
    (``"scraping"`` and ``"scrape"`` → ``"scrap"``, ``"websites"`` → ``"websit"``), so every
    form of the word matches; the word itself when that part would be too short. It is a
    prefix of the word: whatever the word finds as a prefix, it finds too."""
    stemmed = stem(word)
    shared = 0
    while shared < min(len(word), len(stemmed)) and word[shared] == stemmed[shared]:
        shared += 1
    prefix = word[:shared]
    if prefix == stemmed and prefix.endswith("e"):
        prefix = prefix[:-1]  # porter keeps a final e ("scrape"): "scraping" has none
    return prefix if len(prefix) >= MIN_STEM else word


def exact_key(words: Iterable[str]) -> str:
    """Words compared as a whole title or tool: their stems, in order."""
    return " ".join(stem(word) for word in words)


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
class Words:
    """The templates each metadata word appears in, as bitmasks, with the words sorted so
    that every word starting with a prefix is one contiguous range."""

    masks: dict[str, int]
    sorted_words: list[str]
    stem_masks: dict[str, int] = field(default_factory=dict)
    """The templates with a word of each stem (``"email"``: "email", "emails", "emailing")."""

    @classmethod
    def build(cls, rows: dict[str, list[int]], stems: dict[str, str] | None = None) -> Words:
        masks = {word: mask_of(ids) for word, ids in rows.items()}
        stem_masks: dict[str, int] = defaultdict(int)
        for word, mask in masks.items():
            stem_masks[(stems or {}).get(word, word)] |= mask
        return cls(masks, sorted(rows), dict(stem_masks))

    def whole(self, word: str) -> int:
        """The templates with ``word`` as a whole word, or a word of the same stem."""
        return self.masks.get(word, 0) | self.stem_masks.get(stem(word), 0)

    def every_whole(self, words: Sequence[str]) -> int:
        """The templates with each of ``words`` as a whole word (or of the same stem)."""
        found = -1
        for word in words:
            found &= self.whole(word)
            if not found:
                break
        return max(found, 0)

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
class Table:
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
    title_tool_words: Words
    """The words of the titles and tools (ranking group 0, without an FTS5 query)."""
    metadata_words: Words
    """The words of the titles, tools, tags and descriptions (ranking group 1)."""
    exact: dict[str, int] = field(default_factory=dict)
    """The templates whose whole title or tool is these words (:func:`exact_key`)."""
    title_stems: dict[int, frozenset[str]] = field(default_factory=dict)
    """The stems of the words of each template's title and tool."""

    def closeness(self, mask: int, stems: frozenset[str]) -> list[tuple[int, float]]:
        """(rowid, how many words of its title and tool are not in ``stems``) of each
        template of ``mask``: fewer is a closer match ("Gmail - Send email" before
        "LinkedIn - Send profile followers by email" for "send email")."""
        empty: frozenset[str] = frozenset()
        return [
            (rowid, float(len(self.title_stems.get(rowid, empty) - stems)))
            for rowid in rowids_of(mask)
        ]

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


def load_table(conn: sqlite3.Connection) -> Table:
    """What search needs of every template, read from the index into memory."""
    summaries: dict[int, TemplateSummary] = {}
    titles: list[tuple[str, int]] = []
    tool_names: dict[str, str] = {}
    tool_rows: dict[str, list[int]] = defaultdict(list)
    tag_rows: dict[str, list[int]] = defaultdict(list)
    title_tool_rows: dict[str, list[int]] = defaultdict(list)
    metadata_rows: dict[str, list[int]] = defaultdict(list)
    for row in conn.execute(f"SELECT {SUMMARY_COLUMNS}, tool_key FROM templates"):  # noqa: S608
        rowid, summary, tool_key = row[0], summary_from_row(row), row[-1]
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
    stems = stems_of(metadata_rows)
    exact_rows: dict[str, list[int]] = defaultdict(list)
    title_stems: dict[int, frozenset[str]] = {}
    for rowid, summary in summaries.items():
        for name in {summary.title, summary.tool}:
            key = " ".join(stems.get(word, word) for word in fold(name))
            if key:
                exact_rows[key].append(rowid)
        title_stems[rowid] = frozenset(
            stems.get(word, word) for word in fold(f"{summary.title} {summary.tool}")
        )
    return Table(
        summary=summaries,
        title_order=title_order,
        title_rank={rowid: n for n, rowid in enumerate(title_order)},
        tool_names=tool_names,
        tool_masks={key: mask_of(rows) for key, rows in tool_rows.items()},
        tag_masks={tag: mask_of(rows) for tag, rows in tag_rows.items()},
        all_mask=mask_of(title_order),
        title_tool_words=Words.build(title_tool_rows, stems),
        metadata_words=Words.build(metadata_rows, stems),
        exact={key: mask_of(rows) for key, rows in exact_rows.items()},
        title_stems=title_stems,
    )
