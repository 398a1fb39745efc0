"""``naas-lab``: the headless commands, over the same domain code as the REST API.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (including bad arguments),
3 not found, 4 conflict (something already exists), 5 forbidden,
6 a template sync finished but a source failed (its previous templates were kept).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .product.errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound
from .product.layout import ProductSpec, create_product
from .product.manifest import list_products
from .product.outputs_listing import list_datasets, list_versions
from .template_cli import add_templates_parser

EXIT_CODES: dict[type[NaasError], int] = {InvalidInput: 2, NotFound: 3, Conflict: 4, Forbidden: 5}


def exit_code(error: NaasError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 2


def _cmd_new(args: argparse.Namespace) -> int:
    spec = ProductSpec(
        name=args.name,
        title=args.title or "",
        description=args.description or "",
        contact_name=args.contact_name or "",
        contact_email=args.contact_email or "",
        parent=args.parent or "",
    )
    created = create_product(
        Path(args.root), spec, framework_version=__version__, git=not args.no_git
    )
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
    products = list_products(Path(args.root), max_depth=args.max_depth)
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


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _cmd_outputs(args: argparse.Namespace) -> int:
    root = Path(args.root)
    if args.dataset:
        page = list_versions(root, args.product, args.dataset, offset=args.offset, limit=args.limit)
        if args.json:
            print(json.dumps(page.to_json("versions"), indent=2))
            return 0
        for info in page.items:
            names = ", ".join(f.name for f in info.files)
            mark = "  (latest)" if info.is_latest else ""
            print(f"{info.version}\t{human_size(info.size)}\t{names}{mark}")
        if not page.items:
            print(f"No version of {args.dataset}.")
        return 0
    datasets, keep = list_datasets(
        root, args.product, offset=args.offset, limit=args.limit, versions=args.versions
    )
    if args.json:
        print(json.dumps(datasets.to_json("datasets", keep_versions=keep), indent=2))
        return 0
    if not datasets.total:
        print("No outputs yet. In a notebook: from naas_data_product import save")
    for dataset in datasets.items:
        print(
            f"{dataset.name}\t{dataset.version_count} version(s)\t{human_size(dataset.size)}"
            f"\tlatest {dataset.latest_version or '-'}"
        )
        for info in dataset.versions:
            names = ", ".join(f.name for f in info.files)
            print(f"  {info.version}\t{human_size(info.size)}\t{names}")
    shown = datasets.offset + len(datasets.items)
    if shown < datasets.total:
        print(f"({datasets.total - shown} more: --offset {shown})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="naas-lab", description="Data products from the command line (naas_lab_ext)."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--root", default=".", help="the Jupyter root folder paths are relative to (default: .)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

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

    out = sub.add_parser(
        "outputs", help="list a product's output datasets and their versions, or one dataset's"
    )
    out.add_argument("product", help="folder of the product under the root, e.g. sales-report")
    out.add_argument("dataset", nargs="?", help="layer/dataset: list its versions and files")
    out.add_argument("--offset", type=int, default=0, help="skip this many entries (paging)")
    out.add_argument("--limit", type=int, default=50, help="show at most this many (1-500)")
    out.add_argument(
        "--versions", type=int, default=3, help="newest versions shown per dataset (default 3)"
    )
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.set_defaults(func=_cmd_outputs)
    add_templates_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NaasError as error:
        where = f" ({error.field})" if error.field else ""
        print(f"naas-lab: error{where}: {error.message}", file=sys.stderr)
        return exit_code(error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
