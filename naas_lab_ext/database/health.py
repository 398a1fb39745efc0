"""Whether the store can be used, as ``GET /status`` tells it: where it is, why it could not
be opened (and what to do), whether this start created it because the history was not found.
A server whose store cannot be opened keeps running without it (:class:`StoreHealth` holds
the error the routes that need it answer with)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.exc import DatabaseError, OperationalError

from ..core.errors import StoreUnavailable
from .engine import Database, location_of

__all__ = ["StoreHealth"]


class StoreHealth:
    """The store ``db`` a server opened, or the ``error`` that kept it from opening one."""

    def __init__(
        self, db: Database | None, error: StoreUnavailable | None = None, *, url: str = ""
    ) -> None:
        if db is None and error is None:
            raise ValueError("a store or the error that kept it from opening")
        self.db = db
        #: Where the store is (the SQLite file, or the URL without its password).
        self.location = db.location if db is not None else location_of(url)
        self._error = error
        self._lock = threading.Lock()

    @property
    def error(self) -> StoreUnavailable | None:
        """Why the store cannot be used (at start, or since a request found it damaged)."""
        with self._lock:
            return self._error

    def failed(self, exc: DatabaseError) -> StoreUnavailable:
        """The error to answer for ``exc``, raised by the driver while serving a request. A
        busy or unreachable database is worth a retry; any other fault (a damaged file) is
        remembered, so the status tells it."""
        cause = getattr(exc, "orig", None) or exc
        where = self.location
        if isinstance(exc, OperationalError):
            return StoreUnavailable(
                f"The store at {where} did not answer ({cause}): try again in a moment; if it "
                "lasts, check that the database is reachable and its disk is not full.",
                field="db_url",
            )
        if self.db is None:
            return StoreUnavailable(f"The store cannot be read ({cause}).", field="db_url")
        error = StoreUnavailable(self.db.unreadable_message(cause), field="db_url")
        with self._lock:
            self._error = error
        return error

    def to_json(self) -> dict[str, Any]:
        """``{ok, location, error, warning}``: ``error`` says what is wrong and what to do;
        ``warning`` that this start created the store because its history was not found."""
        error = self.error
        db = self.db
        return {
            "ok": error is None,
            "location": self.location,
            "error": error.message if error is not None else None,
            "warning": db.created_message() if db is not None and db.created else None,
        }
