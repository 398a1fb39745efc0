"""The events of template syncs: ``templates.synced`` when every source was synchronised,
``templates.sync_failed`` when a source failed (its previous templates were kept) or the sync
failed as a whole (nothing changed). Template events belong to no product (they show in every
Events log of the store); source locations are redacted (no password of a git URL)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the events store loads SQLAlchemy: a search needs neither
    from ..events.store import EventStore


__all__ = ["record_sync"]

log = logging.getLogger(__name__)


def _summary(report: dict[str, Any]) -> str:
    index = report.get("index") or {}
    changes = ", ".join(
        f"{index.get(key, 0)} {key}" for key in ("added", "updated", "removed") if index
    )
    return f"{report.get('templates', 0)} templates" + (f" ({changes})" if changes else "")


def record_sync(
    events: EventStore | None,
    root: Path,
    report: dict[str, Any] | None,
    *,
    error: str | None = None,
    index_error: str | None = None,
) -> None:
    """Record how a sync of ``root``'s templates went: its ``report``, or the ``error`` that
    stopped it, or the ``index_error`` that kept the index from taking in the synchronised
    folder. Never raises: the sync's outcome does not depend on its event."""
    if events is None:
        return
    try:
        sources = [
            {key: source.get(key) for key in ("name", "location", "ok", "error", "notebooks")}
            for source in (report or {}).get("sources", [])
        ]
        failed = [s for s in sources if not s.get("ok")]
        details: dict[str, Any] = {
            "root": str(root),
            "templates": (report or {}).get("templates"),
            "index": (report or {}).get("index"),
            "sources": sources,
            "duration_ms": (report or {}).get("duration_ms"),
        }
        if error is not None:
            kind = "templates.sync_failed"
            message = f"Template sync failed, nothing was changed: {error}"
            details["error"] = error
        elif index_error is not None:
            kind = "templates.sync_failed"
            message = (
                "Templates were synchronised but the search index could not be refreshed "
                f"(searches show the previous templates): {index_error}"
            )
            details["error"] = index_error
        elif failed:
            kind = "templates.sync_failed"
            names = "; ".join(f"{s['name']}: {s.get('error') or 'failed'}" for s in failed)
            message = (
                f"Template sync: {len(failed)} source(s) failed, their previous templates "
                f"were kept ({names}); {_summary(report or {})}"
            )
        else:
            kind = "templates.synced"
            message = f"Templates synchronised: {_summary(report or {})}"
        events.record(kind, message, subject_type="templates", details=details)
    except Exception:
        log.warning("Recording the template sync event failed", exc_info=True)
