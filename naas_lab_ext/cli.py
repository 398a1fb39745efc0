"""``naas-lab``: the headless commands, over the same domain code as the REST API.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (including bad arguments and a
pipeline that cannot be read), 3 not found, 4 conflict (something already exists),
5 forbidden. ``naas-lab run``: 6 the run FAILED, 7 it was CANCELLED (Ctrl-C, or
``naas-lab runs cancel`` from elsewhere), 8 it was INTERRUPTED.
``naas-lab templates sync``: 6 the sync finished but a source failed (its previous
templates were kept).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from . import __version__
from .product.errors import Conflict, Forbidden, InvalidInput, NaasError, NotFound
from .product.layout import ProductSpec, create_product
from .product.manifest import list_products
from .product.outputs_listing import list_datasets, list_versions
from .product.results import RunResult, RunStatus, StepResult, StepStatus
from .template_cli import add_templates_parser

EXIT_CODES: dict[type[NaasError], int] = {InvalidInput: 2, NotFound: 3, Conflict: 4, Forbidden: 5}
RUN_EXIT_CODES: dict[RunStatus, int] = {
    RunStatus.SUCCEEDED: 0,
    RunStatus.FAILED: 6,
    RunStatus.CANCELLED: 7,
    RunStatus.INTERRUPTED: 8,
}


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


def _api_path(root: Path, given: str) -> str:
    """Let users give a path as their shell completes it: absolute inside the root is fine."""
    if Path(given).is_absolute():
        try:
            return Path(given).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass  # resolve_inside explains what is wrong
    return given


def _parameters(pairs: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"'{pair}' is not name=value (e.g. -p days=7).", field="parameters")
        try:
            values[name.strip()] = json.loads(text)
        except json.JSONDecodeError:
            values[name.strip()] = text
    return values


def _service(args: argparse.Namespace) -> Any:
    from .product.runner import RunOptions
    from .product.runs import RunService
    from .product.store import RunStore

    def options() -> RunOptions:
        opts = RunOptions()
        if getattr(args, "max_parallel", None):
            opts.max_parallel = args.max_parallel
        return opts

    store = RunStore(args.db_url) if args.db_url else RunStore()
    return RunService(
        Path(args.root),
        store,
        options=options,
        describe_timeout=getattr(args, "describe_timeout", 60.0),
    )


def _print_step(result: RunResult, step: StepResult | None, *, stream: Any) -> None:
    if step is None:
        if not result.status.finished:
            print(f"Run {result.run_id} of '{result.pipeline}' started", file=stream)
        return
    line = f"  {step.status.value:<9} {step.name}"
    if step.status.finished and step.duration is not None:
        line += f" ({step.duration:.1f} s)"
    if step.error is not None and step.status == StepStatus.FAILED:
        line += f": {step.error}"
    elif step.detail:
        line += f": {step.detail}"
    print(line, file=stream, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    service = _service(args)
    cancel = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        print("\nCancelling the run (its kernels are stopped)...", file=sys.stderr, flush=True)
        cancel.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, on_signal)
    stream = sys.stderr if args.json else sys.stdout
    try:
        result: RunResult = service.run(
            _api_path(Path(args.root), args.pipeline),
            _parameters(args.parameter or []),
            source="cli",
            cancel=cancel,
            on_event=None if args.quiet else (lambda r, s: _print_step(r, s, stream=stream)),
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        service.store.close()
    if args.json:
        print(json.dumps(result.to_json(relative_to=service.root), indent=2))
    else:
        took = f" in {result.duration:.1f} s" if result.duration is not None else ""
        print(f"Run {result.run_id}: {result.status.value}{took}")
        if result.output_dir is not None:
            print(f"  executed notebooks: {result.output_dir}")
    return RUN_EXIT_CODES.get(result.status, 1)


def _statuses(texts: Sequence[str]) -> tuple[RunStatus, ...]:
    found = []
    for text in texts:
        for item in filter(None, (p.strip().upper() for p in text.split(","))):
            try:
                found.append(RunStatus(item))
            except ValueError:
                allowed = ", ".join(s.value for s in RunStatus)
                raise InvalidInput(f"Unknown status '{item}'. Use one of: {allowed}.") from None
    return tuple(found)


def _cmd_runs_list(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        service.store.recover_interrupted()
        runs, total = service.list_runs(
            product=_api_path(Path(args.root), args.product) if args.product else None,
            pipeline=args.pipeline,
            statuses=_statuses(args.status or []),
            limit=args.limit,
            offset=args.offset,
        )
    finally:
        service.store.close()
    if args.json:
        page = [r.to_json(relative_to=service.root) for r in runs]
        print(json.dumps({"runs": page, "total": total}, indent=2))
        return 0
    if not runs:
        print("No run yet. Start one with: naas-lab run <pipeline notebook>")
    for run in runs:
        took = f"{run.duration:.1f} s" if run.duration is not None else ""
        product = run.to_json(relative_to=service.root)["product"] or str(run.product_root)
        print(f"{run.run_id}\t{run.status.value:<11}\t{product}\t{run.pipeline}\t{took}")
    if total > len(runs) + args.offset:
        print(f"({total} runs in all; see more with --offset {args.offset + len(runs)})")
    return 0


def _cmd_runs_show(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        run = service.get_run(args.run_id)
    finally:
        service.store.close()
    if args.json:
        print(json.dumps(run.to_json(relative_to=service.root), indent=2))
    else:
        print(run.summary())
    return 0


def _cmd_runs_cancel(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        run = service.cancel(args.run_id)
    finally:
        service.store.close()
    print(f"Cancel requested for run {run.run_id} ({run.status.value}); it stops within seconds.")
    return 0


def _cmd_pipelines(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        pipelines = service.list_pipelines(_api_path(Path(args.root), args.product))
    finally:
        service.store.close()
    if args.json:
        print(json.dumps([p.to_json() for p in pipelines], indent=2))
        return 0
    if not pipelines:
        print("No pipeline notebook in this product (a notebook that creates a Pipeline()).")
    for info in pipelines:
        if info.error:
            print(f"{info.path}\t(cannot be read: {info.error['message']})")
            continue
        print(f"{info.path}\tpipeline '{info.name}'")
        for step in (info.dag or {}).get("steps", []):
            after = f" after {', '.join(step['upstream'])}" if step["upstream"] else ""
            handlers = f"; on error: {', '.join(step['on_error'])}" if step["on_error"] else ""
            role = " (error handler)" if step["role"] == "on_error" else ""
            print(f"  - {step['name']} [{step['kind']}]{role}{after}{handlers}")
    return 0


def _add_db_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db-url",
        help="SQLAlchemy URL of the run store (default: $NAAS_LAB_DB_URL, else the Jupyter "
        "data dir)",
    )


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
    run = sub.add_parser(
        "run",
        help="run a pipeline notebook headless, printing live step status",
        description="Read the pipeline a notebook defines (no step runs while reading), then "
        "run it. Exit code: 0 SUCCEEDED, 6 FAILED, 7 CANCELLED (Ctrl-C cancels), 2 bad input.",
    )
    run.add_argument("pipeline", help="the pipeline notebook, e.g. sales/models/__pipeline__.ipynb")
    run.add_argument(
        "-p",
        "--parameter",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter for the pipeline and its notebooks (VALUE is JSON, else text); repeat",
    )
    run.add_argument("--max-parallel", type=int, help="steps running at once (default: CPUs)")
    run.add_argument("--quiet", action="store_true", help="no live step status")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument(
        "--describe-timeout",
        type=float,
        default=60.0,
        help="seconds the notebook may take to define its pipeline (default 60)",
    )
    _add_db_url(run)
    run.set_defaults(func=_cmd_run)

    runs = sub.add_parser("runs", help="list, show or cancel pipeline runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    runs_list = runs_sub.add_parser("list", help="runs under the root, newest first")
    runs_list.add_argument("--product", help="only runs of this product folder")
    runs_list.add_argument("--pipeline", help="only runs of the pipeline with this name")
    runs_list.add_argument(
        "--status", action="append", help="only runs with this status (repeat, or comma-separate)"
    )
    runs_list.add_argument("--limit", type=int, default=20, help="runs per page (default 20)")
    runs_list.add_argument("--offset", type=int, default=0, help="runs to skip")
    runs_list.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_db_url(runs_list)
    runs_list.set_defaults(func=_cmd_runs_list)
    runs_show = runs_sub.add_parser("show", help="one run and its steps")
    runs_show.add_argument("run_id")
    runs_show.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_db_url(runs_show)
    runs_show.set_defaults(func=_cmd_runs_show)
    runs_cancel = runs_sub.add_parser(
        "cancel", help="cancel a run, whichever process runs it (it ends CANCELLED)"
    )
    runs_cancel.add_argument("run_id")
    _add_db_url(runs_cancel)
    runs_cancel.set_defaults(func=_cmd_runs_cancel)

    pipelines = sub.add_parser(
        "pipelines", help="the pipeline notebooks of a product and their DAG (no step runs)"
    )
    pipelines.add_argument("product", help="the product folder, e.g. sales-report")
    pipelines.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_db_url(pipelines)
    pipelines.set_defaults(func=_cmd_pipelines)
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
