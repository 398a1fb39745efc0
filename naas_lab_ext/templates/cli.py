"""``naas-lab templates ...``: the template library from the command line.

The options mirror the server's traits (``--source`` for ``template_sources``,
``--no-default``, ``--folder``, ``--index-dir``); give the same values as the server so both
share one folder and one index.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cli import store_options
from ..core.errors import NaasError
from .sources import DEFAULT_FOLDER

if TYPE_CHECKING:  # the library and the events store (SQLAlchemy) load in the commands
    from ..events.store import EventStore
    from .copies import CopiedTemplate
    from .library import TemplateLibrary

#: Exit code of a sync in which a source failed (its previous templates were kept).
EXIT_SOURCE_FAILED = 6


@contextmanager
def library(args: argparse.Namespace) -> Iterator[TemplateLibrary]:
    """The template library the options name, closed when the command is done."""
    from .library import open_library

    lib = open_library(
        Path(args.root),
        sources=args.source or [],
        include_default=not args.no_default,
        folder=args.folder,
        index_dir=args.index_dir or "",
        label="--source",
        warn=lambda message: print(f"naas-lab: warning: {message}", file=sys.stderr),
    )
    try:
        yield lib
    finally:
        lib.close()


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def _print_copy(args: argparse.Namespace, copy: CopiedTemplate) -> int:
    """A copied template: its path (to open), or the JSON answer with --json."""
    if args.json:
        _print_json(copy.to_json())
    else:
        print(copy.path)
    return 0


@contextmanager
def event_store(args: argparse.Namespace) -> Iterator[EventStore | None]:
    """The events log of the run store ``--db-url`` names (where the sync is recorded, as a
    server's is); None, with a warning, when it cannot be opened: the sync goes on."""
    from ..database.engine import Database
    from ..events.store import EventStore

    try:
        db = Database(args.db_url or None, what="run store")
    except NaasError as exc:
        print(f"naas-lab: warning: the sync is not recorded: {exc.message}", file=sys.stderr)
        yield None
        return
    try:
        yield EventStore(db)
    finally:
        db.close()


def _cmd_sync(args: argparse.Namespace) -> int:
    with event_store(args) as events, library(args) as lib:
        lib.events = events
        report = lib.sync()
    if args.json:
        _print_json(report)
    else:
        for source in report["sources"]:
            state = "ok" if source["ok"] else f"FAILED: {source['error']}"
            kept = " (previous templates kept)" if source["kept_previous"] else ""
            print(f"{source['name']:<20} {source['notebooks']:>5} notebooks  {state}{kept}")
        for warning in report["warnings"]:
            print(f"warning: {warning}", file=sys.stderr)
        index = report["index"]
        print(
            f"{report['templates']} templates in {args.folder}/ ({index['added']} added, "
            f"{index['updated']} updated, {index['removed']} removed, "
            f"{len(index['broken'])} broken) in {report['duration_ms'] / 1000:.1f} s"
        )
    return 0 if report["ok"] else EXIT_SOURCE_FAILED


def _cmd_search(args: argparse.Namespace) -> int:
    with library(args) as lib:
        lib.refresh_index()  # what the folder holds now, even if another process synced it
        page = lib.index.search(
            args.query,
            tools=args.tool or (),
            tags=args.tag or (),
            limit=args.limit,
            offset=args.offset,
        )
        empty = lib.index.count() == 0
    if args.json:
        _print_json(page.to_json())
        return 0
    if empty:
        print("No template yet: run 'naas-lab templates sync' first.", file=sys.stderr)
    for item in page.items:
        tags = " ".join(f"#{t}" for t in item.tags)
        print(f"{item.id}\t{item.title}\t{tags}")
    shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "0"
    print(f"({shown} of {page.total})", file=sys.stderr)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    with library(args) as lib:
        detail = lib.get(args.id)
    if args.json:
        _print_json(detail.to_json())
        return 0
    summary = detail.summary
    print(summary.title)
    print(f"  path:        {detail.path}")
    print(f"  tool:        {summary.tool}")
    print(f"  tags:        {' '.join('#' + t for t in summary.tags)}")
    print(f"  author:      {summary.author}")
    print(f"  description: {summary.description}")
    print(f"  cells:       {len(detail.cells)}")
    for parameter in detail.parameters:
        note = f"  # {parameter['help']}" if parameter["help"] else ""
        print(f"  parameter:   {parameter['name']} = {parameter['default']}{note}")
    return 0


def _cmd_open(args: argparse.Namespace) -> int:
    with library(args) as lib:
        copy = lib.open_in_lab(args.id, name=args.name)
    return _print_copy(args, copy)


def _cmd_add(args: argparse.Namespace) -> int:
    with library(args) as lib:
        copy = lib.add_to_models(args.id, args.product, name=args.name)
    return _print_copy(args, copy)


def _cmd_status(args: argparse.Namespace) -> int:
    with library(args) as lib:
        status = lib.status().to_json()
    if args.json:
        _print_json(status)
        return 0
    last = status["last"]
    if last is None:
        print("Never synchronised: run 'naas-lab templates sync'.")
    else:
        state = "ok" if last["ok"] else "with errors"
        print(f"Last sync {last['started_at']} ({state}), {last['duration_ms'] / 1000:.1f} s")
        for source in last["sources"]:
            print(f"  {source['name']}: {'ok' if source['ok'] else source['error']}")
    print(f"{status['templates']} templates, {len(status['broken'])} broken")
    for broken in status["broken"]:
        print(f"  broken: {broken['id']}: {broken['error']}")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``templates`` and its subcommands to the ``naas-lab`` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--source",
        action="append",
        metavar="FOLDER_OR_GIT_URL",
        help="a template source besides the default set (repeat for several)",
    )
    common.add_argument(
        "--no-default",
        action="store_true",
        help="leave out the templates shipped with naas_lab_ext",
    )
    common.add_argument(
        "--folder",
        default=DEFAULT_FOLDER,
        help=f"templates folder in the root (default {DEFAULT_FOLDER})",
    )
    common.add_argument(
        "--index-dir",
        help="folder of the search index (default: <Jupyter data dir>/naas_lab_ext)",
    )
    common.add_argument("--json", action="store_true", help="print the result as JSON")

    templates = sub.add_parser(
        "templates", help="the template library: sync, search, show, open, add, status"
    )
    commands = templates.add_subparsers(dest="templates_command", required=True)

    sync = commands.add_parser(
        "sync",
        parents=[common, store_options()],
        help="fill the templates folder from the sources and index it",
    )
    sync.set_defaults(func=_cmd_sync)

    search = commands.add_parser("search", parents=[common], help="search the templates")
    search.add_argument("query", nargs="?", default="", help="words (each matches as a prefix)")
    search.add_argument("--tool", action="append", help="only this tool (repeat for several)")
    search.add_argument("--tag", action="append", help="only templates with this tag (repeatable)")
    search.add_argument("--limit", type=int, default=20, help="results per page (default 20)")
    search.add_argument("--offset", type=int, default=0, help="results to skip (default 0)")
    search.set_defaults(func=_cmd_search)

    show = commands.add_parser("show", parents=[common], help="show one template")
    show.add_argument("id", help="template id, e.g. default/Pandas/Pandas_Read_CSV.ipynb")
    show.set_defaults(func=_cmd_show)

    open_ = commands.add_parser(
        "open", parents=[common], help="copy a template to the root (Open in Lab)"
    )
    open_.add_argument("id", help="template id")
    open_.add_argument("--name", help="name of the copy (default: the template's)")
    open_.set_defaults(func=_cmd_open)

    add = commands.add_parser(
        "add", parents=[common], help="copy a template into a product's models/ folder"
    )
    add.add_argument("id", help="template id")
    add.add_argument("product", help="path of the data product, e.g. sales-report")
    add.add_argument("--name", help="name of the copy (default: the template's)")
    add.set_defaults(func=_cmd_add)

    status = commands.add_parser("status", parents=[common], help="last sync and template count")
    status.set_defaults(func=_cmd_status)
