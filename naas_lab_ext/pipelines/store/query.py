"""Which runs a list asks for (:class:`RunQuery`), and the cursor of keyset paging.

Runs are listed newest first, by (created_at, id). A page's ``next_before`` cursor is the
position of its last run: the next page takes the runs strictly after it in that order, so a
run recorded meanwhile (it is newer) never shifts a page, and no run is read twice or missed,
however deep the page (OFFSET would read and drop every run before it).

The filters apply to the ``runs`` table (:data:`RUNS`), or, for a text search, to the search
table, which holds the same columns for the runs with an error (:data:`SEARCHED`): a search
reads the runs table only for the runs of its page.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from ...core.errors import InvalidInput
from ..results import RunResult, RunStatus
from .orm import RunRow
from .search import RunSearchRow

__all__ = [
    "RUNS",
    "SEARCHED",
    "Listed",
    "RunCursor",
    "RunPage",
    "RunQuery",
    "parse_sources",
    "parse_time",
]

SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_SEARCH = 200


def parse_sources(texts: Iterable[str]) -> tuple[str, ...]:
    """The run sources ``texts`` name (``?source=`` repeated, ``--source cli,api``), checked."""
    sources = tuple(
        part.strip().lower() for text in texts for part in text.split(",") if part.strip()
    )
    for source in sources:
        if not SOURCE.match(source):
            raise InvalidInput(
                f"'{source}' is not a run source: e.g. api, cli, notebook, python, scheduler.",
                field="source",
            )
    return sources


def parse_time(value: str | datetime | None, field: str) -> datetime | None:
    """An ISO 8601 time (``2026-11-23``, ``2026-11-23T08:00:00Z``...), UTC when it says no zone;
    :class:`InvalidInput` naming ``field`` otherwise."""
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"'{value}' is not a time: use ISO 8601, e.g. 2026-11-23 or 2026-11-23T08:00:00Z.",
                field=field,
            ) from None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Listed:
    """The columns a runs list filters and orders on, in one table."""

    id: Any
    product_root: Any
    pipeline: Any
    status: Any
    source: Any
    created_at: Any


RUNS = Listed(
    RunRow.id, RunRow.product_root, RunRow.pipeline, RunRow.status, RunRow.source, RunRow.created_at
)
SEARCHED = Listed(
    RunSearchRow.run_id,
    RunSearchRow.product_root,
    RunSearchRow.pipeline,
    RunSearchRow.status,
    RunSearchRow.source,
    RunSearchRow.created_at,
)


@dataclass(frozen=True)
class RunPage:
    """A page of runs, newest first."""

    runs: list[RunResult]
    total: int
    """Runs matching the filters, all pages."""
    next_before: str | None
    """The cursor of the next page (None: this is the last one)."""


@dataclass(frozen=True)
class RunCursor:
    """The position of a run in the list: where the next page starts (exclusive)."""

    created_at: datetime
    run_id: str

    def encode(self) -> str:
        """The opaque text the API hands out (``next_before``)."""
        raw = f"{self.created_at.astimezone(timezone.utc).isoformat()}|{self.run_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> RunCursor:
        """The cursor ``token`` encodes; :class:`InvalidInput` if it is not one we gave."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            moment, _, run_id = raw.partition("|")
            created = datetime.fromisoformat(moment)
            if not run_id or created.tzinfo is None:
                raise ValueError(raw)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise InvalidInput(
                "'before' is not a cursor of this list: give the next_before of the previous "
                "page (or leave it out for the first page).",
                field="before",
            ) from None
        return cls(created, run_id)

    def condition(self, columns: Listed = RUNS) -> ColumnElement[bool]:
        """Runs after this one in the list's order (older, or as old with a smaller id)."""
        # The first term is a plain range, which an index on (created_at, id) serves in any
        # database; the second keeps the runs of the same instant with a smaller id.
        created: Any = columns.created_at
        return and_(
            created <= self.created_at,
            or_(created < self.created_at, columns.id < self.run_id),
        )


@dataclass(frozen=True)
class RunQuery:
    """Filters of a runs list (all optional, combined with AND)."""

    product_root: Path | None = None
    under: Path | None = None
    """Only runs of products inside this folder (a store several roots share)."""
    pipeline: str | None = None
    statuses: Sequence[RunStatus] = ()
    sources: Sequence[str] = ()
    since: datetime | None = None
    """Created at or after."""
    until: datetime | None = None
    """Created before."""
    text: str | None = None
    """Found in the run's error or its steps' errors (any case)."""

    def checked(self) -> RunQuery:
        for source in self.sources:
            if not isinstance(source, str) or not SOURCE.match(source):
                raise InvalidInput(
                    f"'{source}' is not a run source: e.g. api, cli, notebook, python, scheduler.",
                    field="source",
                )
        if self.since and self.until and self.since >= self.until:
            raise InvalidInput("'since' must be before 'until'.", field="since")
        if self.text is not None and len(self.text) > MAX_SEARCH:
            raise InvalidInput(
                f"The search text is too long ({len(self.text)} characters, at most {MAX_SEARCH}).",
                field="q",
            )
        return self

    @property
    def words(self) -> str:
        """The text searched for ("" for none)."""
        return (self.text or "").strip()

    def conditions(self, columns: Listed = RUNS) -> list[ColumnElement[bool]]:
        """The filters (but the text) as conditions on ``columns``."""
        c: Any = columns
        where: list[ColumnElement[bool]] = []
        if self.product_root is not None:
            where.append(c.product_root == str(self.product_root))
        if self.under is not None:
            where.append(
                or_(
                    c.product_root == str(self.under),
                    c.product_root.startswith(str(self.under).rstrip("/") + "/", autoescape=True),
                )
            )
        if self.pipeline:
            where.append(c.pipeline == self.pipeline)
        if self.statuses:
            where.append(c.status.in_([RunStatus(s).value for s in self.statuses]))
        if self.sources:
            where.append(c.source.in_(list(self.sources)))
        if self.since is not None:
            where.append(c.created_at >= self.since)
        if self.until is not None:
            where.append(c.created_at < self.until)
        return where
