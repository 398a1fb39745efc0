"""``naas-lab events``: the events log (runs, steps, deploys, schedules, template syncs,
notifications), newest first."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cli import api_path, store_options
from .kinds import MAX_PAGE

if TYPE_CHECKING:  # the store (SQLAlchemy) loads in the command
    from .store import Event

LEVEL_WIDTH = 7


def _line(event: Event, root: Path) -> str:
    data = event.to_json(relative_to=root)
    product = data["product"] if data["product"] is not None else "-"
    return (
        f"{data['at']}  {event.level.value.upper():<{LEVEL_WIDTH}} {product or '.'}  "
        f"{event.kind}  {event.message}"
    )


def _cmd_events(args: argparse.Namespace) -> int:
    from ..database.engine import Database
    from .service import EventService, split_values
    from .store import EventStore

    root = Path(args.root)
    db = Database(args.db_url or None, what="run store")
    try:
        service = EventService(root, EventStore(db))
        filters = service.filters(
            product=api_path(root, args.product) if args.product else None,
            levels=split_values(args.level or []),
            kinds=split_values(args.kind or []),
            subject_type=args.subject_type,
            subject_id=args.subject_id,
        )
        page = service.page(filters, before=args.before, limit=args.limit)
    finally:
        db.close()
    if args.json:
        events = [e.to_json(relative_to=service.root) for e in page.events]
        print(json.dumps({"events": events, "next_before": page.next_before}, indent=2))
        return 0
    if not page.events:
        print("No event matches." if args.product or args.level or args.kind else "No event yet.")
    for event in page.events:
        print(_line(event, service.root))
    if page.next_before is not None:
        print(f"(older events: add --before {page.next_before})")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``events`` to the ``naas-lab`` parser."""
    events = sub.add_parser(
        "events",
        parents=[store_options()],
        help="the events log (runs, deploys, schedules, template syncs...), newest first",
        description="What happened to the products under the root, newest first: runs that "
        "started or ended, failed steps, deploys, schedule changes and firings, template syncs, "
        "notifications. Filters combine (AND); --level and --kind repeat (OR).",
    )
    events.add_argument("--product", help="only this product's events (its folder)")
    events.add_argument(
        "--level",
        action="append",
        help="only events of this level: info, warning, error (repeat, or comma-separate)",
    )
    events.add_argument(
        "--kind",
        action="append",
        help="only events of this kind, e.g. run.failed (repeat, or comma-separate)",
    )
    events.add_argument("--subject-type", help="run, deployment, schedule, templates...")
    events.add_argument("--subject-id", help="e.g. a run id")
    events.add_argument(
        "--limit", type=int, default=50, help=f"events to show, 1 to {MAX_PAGE} (default 50)"
    )
    events.add_argument("--before", type=int, help="only events older than this event id")
    events.add_argument("--json", action="store_true", help="print the page as JSON")
    events.set_defaults(func=_cmd_events)
