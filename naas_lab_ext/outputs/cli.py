"""``naas-lab outputs``: a product's output datasets and their versions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the listing loads in the command: `naas-lab --help` stays fast
    from .listing import Skipped


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _cmd_outputs(args: argparse.Namespace) -> int:
    from .listing import list_datasets, list_versions

    root = Path(args.root)
    if args.dataset:
        page = list_versions(root, args.product, args.dataset, offset=args.offset, limit=args.limit)
        if args.json:
            print(json.dumps(page.to_json("versions"), indent=2))
            return 0
        for info in page.items:
            names = ", ".join(f.name for f in info.files)
            mark = "  (newest)" if info.is_newest else ""
            print(f"{info.version}\t{human_size(info.size)}\t{names}{mark}")
        if not page.items:
            print(f"No version of {args.dataset}.")
        _print_skipped(page.skipped)
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
    _print_skipped(datasets.skipped)
    return 0


def _print_skipped(skipped: list[Skipped]) -> None:
    for entry in skipped:
        print(f"skipped {entry.path}: {entry.reason}", file=sys.stderr)


def add_commands(sub: Any) -> None:
    """Add ``outputs`` to the ``naas-lab`` parser."""
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
