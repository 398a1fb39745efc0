"""The events as the REST API and the CLI see them: those of the products under a Jupyter
root (and those of no product, such as template syncs), a product named by its path under
the root, filters checked with messages that say what is allowed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.errors import InvalidInput
from ..core.paths import resolve_inside
from .store import MAX_PAGE, EventFilter, EventPage, EventStore, EventTail

__all__ = ["EventService", "split_values"]

MAX_ID = 2**63 - 1


def split_values(texts: Iterable[str]) -> tuple[str, ...]:
    """Repeated and comma-separated values (``?level=error&level=warning``,
    ``--level error,warning``) as one tuple, blanks left out."""
    return tuple(part.strip() for text in texts for part in text.split(",") if part.strip())


class EventService:
    """The events of ``store`` that belong under ``root``."""

    def __init__(self, root: Path, store: EventStore) -> None:
        self.root = Path(root).resolve()
        self.store = store

    def filters(
        self,
        *,
        product: str | None = None,
        levels: Sequence[str] = (),
        kinds: Sequence[str] = (),
        subject_type: str | None = None,
        subject_id: str | None = None,
    ) -> EventFilter:
        """The filter of a request: ``product`` is a folder under the root (e.g. ``sales``),
        checked like every path of the API; without it, every product under the root."""
        product_root = None
        if product is not None and product.strip().strip("/"):
            folder = resolve_inside(self.root, product.strip().strip("/"), field="product")
            product_root = folder.resolve()
        return EventFilter(
            product_root=product_root,
            under=self.root,
            levels=tuple(levels),
            kinds=tuple(kinds),
            subject_type=subject_type or None,
            subject_id=subject_id or None,
        )

    @staticmethod
    def _cursor(value: int | None, name: str, low: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_ID:
            raise InvalidInput(
                f"{name} must be an event id (a whole number from {low}).", field=name
            )
        return value

    def page(
        self, filters: EventFilter, *, before: int | None = None, limit: int = 50
    ) -> EventPage:
        """Events newest first, older than the event ``before`` (the ``next_before`` of the
        previous page)."""
        return self.store.page(
            before=self._cursor(before, "before", 1), limit=limit, filters=filters
        )

    def tail(self, filters: EventFilter, *, after: int, limit: int = MAX_PAGE) -> EventTail:
        """Events after the event ``after``, oldest first, and the cursor of the next call
        (``after=0``: from the first; ``after=-1``: only the cursor)."""
        cursor = self._cursor(after, "after", -1)
        assert cursor is not None
        return self.store.tail(cursor, limit=limit, filters=filters)
