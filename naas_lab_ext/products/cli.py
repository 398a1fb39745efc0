"""``naas-lab new`` and ``naas-lab list``: data products from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.version import __version__

# The catalog and the scaffold (nbformat) load in the commands: `naas-lab --help` stays fast.


def _cmd_new(args: argparse.Namespace) -> int:
    from .catalog import ProductCatalog
    from .scaffold import ProductSpec

    spec = ProductSpec(
        name=args.name,
        title=args.title or "",
        description=args.description or "",
        contact_name=args.contact_name or "",
        contact_email=args.contact_email or "",
        parent=args.parent or "",
    )
    catalog = ProductCatalog(Path(args.root), framework_version=__version__, git=not args.no_git)
    created = catalog.create(spec)
    if args.json:
        print(json.dumps(created.to_json(), indent=2))
    else:
        print(f"Created data product '{spec.name}' in {Path(args.root) / created.product.path}")
        if created.git_commit:
            print(f"  git repository initialised (commit {created.git_commit[:8]})")
        for warning in created.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
        print(f"  next: open {created.readme} and fill in the Installation and Usage sections")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from .catalog import ProductCatalog

    catalog = ProductCatalog(
        Path(args.root), framework_version=__version__, max_depth=args.max_depth
    )
    products = catalog.list()
    if args.json:
        print(json.dumps([p.to_json() for p in products], indent=2))
        return 0
    if not products:
        print("No data product here. Create one with: naas-lab new <name>")
    for product in products:
        if product.manifest is None:
            print(f"{product.path}\t(broken: {product.error})")
        else:
            print(f"{product.path}\t{product.manifest.title}")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``new`` and ``list`` to the ``naas-lab`` parser."""
    new = sub.add_parser("new", help="scaffold a new data product")
    new.add_argument("name", help="folder name of the product, e.g. sales-report")
    new.add_argument("--title", help="human title (default: from the name)")
    new.add_argument("--description", help="what the product delivers and to whom")
    new.add_argument("--contact-name", help="who to contact about the product")
    new.add_argument("--contact-email", help="their email address")
    new.add_argument("--parent", help="folder (under the root) to create the product in")
    new.add_argument("--no-git", action="store_true", help="do not make it a git repository")
    new.add_argument("--json", action="store_true", help="print the result as JSON")
    new.set_defaults(func=_cmd_new)

    lst = sub.add_parser("list", help="list the data products under the root")
    lst.add_argument("--max-depth", type=int, default=4, help="folder levels searched (default 4)")
    lst.add_argument("--json", action="store_true", help="print the result as JSON")
    lst.set_defaults(func=_cmd_list)
