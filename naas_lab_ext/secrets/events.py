"""The events a change of secret records: ``secret.set`` and ``secret.deleted``, naming the
secret, its scope and where the change came from; never the value."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ..events.store import EventStore
from .model import SecretInfo

__all__ = [
    "DELETED",
    "SET",
    "SOURCES",
    "event_fields",
    "record_change",
    "record_change_in_default_store",
]

SET = "secret.set"
DELETED = "secret.deleted"
#: Where a change came from (``details.source``), and how a message says it.
SOURCES = {"api": "the API", "cli": "the command line", "notebook": "a notebook"}


def event_fields(kind: str, info: SecretInfo, *, source: str) -> dict[str, Any]:
    """The event (kind, message and fields of :meth:`EventStore.record`) of a change."""
    if info.scope == "product" and info.product is not None:
        where = f"secret of the product {Path(info.product).name}"
    else:
        where = "user secret"
    done = "set" if kind == SET else "deleted"
    return {
        "kind": kind,
        "message": f"Secret '{info.name}' {done} ({where}, from {SOURCES.get(source, source)})",
        "subject_type": "secret",
        "subject_id": info.name,
        "product_root": info.product,
        "details": {"name": info.name, "scope": info.scope, "source": source},
    }


def record_change(store: EventStore, kind: str, info: SecretInfo, *, source: str) -> None:
    """Record the event of a change in ``store``."""
    fields = event_fields(kind, info, source=source)
    store.record(fields.pop("kind"), fields.pop("message"), **fields)


def record_change_in_default_store(kind: str, info: SecretInfo, *, source: str) -> None:
    """Record it in the run store of this process (``$NAAS_LAB_DB_URL``: a kernel's server's,
    else the Jupyter data dir's). A store that cannot be written is a warning: the secret
    itself changed."""
    from ..database.engine import Database

    try:
        db = Database(what="run store")
        try:
            record_change(EventStore(db), kind, info, source=source)
        finally:
            db.close()
    except Exception as exc:
        warnings.warn(
            f"The change of the secret '{info.name}' was made but not recorded in the events "
            f"log: {type(exc).__name__}",
            RuntimeWarning,
            stacklevel=4,
        )
