"""``naas-lab run``, ``naas-lab runs list|show|cancel`` and ``naas-lab pipelines``.

``naas-lab run`` exits with the run's status: 0 SUCCEEDED, 6 FAILED, 7 CANCELLED (Ctrl-C, or
``naas-lab runs cancel`` from elsewhere), 8 INTERRUPTED.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..core.cli import api_path, store_options
from ..core.errors import InvalidInput
from ..core.notify import notify_from_options
from .executors.choice import EXECUTORS, executor_factory
from .options import RunOptions
from .results import RunResult, RunStatus, StepResult, parse_statuses

if TYPE_CHECKING:  # the store (SQLAlchemy) and the service load in the commands that use them
    from .service import RunService

RUN_EXIT_CODES: dict[RunStatus, int] = {
    RunStatus.SUCCEEDED: 0,
    RunStatus.FAILED: 6,
    RunStatus.CANCELLED: 7,
    RunStatus.INTERRUPTED: 8,
}


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


@contextmanager
def run_service(args: argparse.Namespace) -> Iterator[RunService]:
    """The runs of the root the options name, over the store they name; closed when done."""
    from .service import RunService
    from .store.repository import RunStore

    def options() -> RunOptions:
        opts = RunOptions()
        if getattr(args, "max_parallel", None):
            opts.max_parallel = args.max_parallel
        return opts

    executors = executor_factory(
        getattr(args, "executor", None)
        or ("dask" if getattr(args, "dask_address", None) else "local"),
        dask_address=getattr(args, "dask_address", None) or "",
        dask_workers=getattr(args, "dask_workers", None),
    )
    store = RunStore(args.db_url or None)
    try:
        yield RunService(
            Path(args.root),
            store,
            options=options,
            executor=executors,
            describe_timeout=getattr(args, "describe_timeout", 60.0),
        )
    finally:
        store.close()
        executors.close()


def _print_step(result: RunResult, step: StepResult | None, *, stream: Any) -> None:
    if step is None:
        if not result.status.finished:
            print(f"Run {result.run_id} of '{result.pipeline}' started", file=stream)
        return
    print(f"  {step.progress_line()}", file=stream, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
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
    notify = notify_from_options(args.notify_to, args.notify_webhook, args.notify_on)
    with run_service(args) as service:
        try:
            result: RunResult = service.run(
                api_path(Path(args.root), args.pipeline),
                _parameters(args.parameter or []),
                source="cli",
                cancel=cancel,
                on_event=None if args.quiet else (lambda r, s: _print_step(r, s, stream=stream)),
                notify=notify,
            )
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if args.json:
        print(json.dumps(result.to_json(relative_to=service.root), indent=2))
    else:
        took = f" in {result.duration:.1f} s" if result.duration is not None else ""
        print(f"Run {result.run_id}: {result.status.value}{took}")
        if result.output_dir is not None:
            print(f"  executed notebooks: {result.output_dir}")
    return RUN_EXIT_CODES.get(result.status, 1)


def _cmd_runs_list(args: argparse.Namespace) -> int:
    from .store.query import parse_sources

    with run_service(args) as service:
        service.store.recover_interrupted()
        page = service.list_runs(
            product=api_path(Path(args.root), args.product) if args.product else None,
            pipeline=args.pipeline,
            statuses=parse_statuses(args.status or []),
            sources=parse_sources(args.source or []),
            since=args.since,
            until=args.until,
            text=args.search,
            limit=args.limit,
            offset=args.offset,
            before=args.before,
        )
    runs, total = page.runs, page.total
    if args.json:
        found = [r.to_json(relative_to=service.root) for r in runs]
        print(
            json.dumps({"runs": found, "total": total, "next_before": page.next_before}, indent=2)
        )
        return 0
    filtered = any(
        (args.product, args.pipeline, args.status, args.source, args.since, args.until, args.search)
    )
    if not runs:
        print(
            "No run matches."
            if filtered
            else "No run yet. Start one with: naas-lab run <pipeline notebook>"
        )
    for run in runs:
        took = f"{run.duration:.1f} s" if run.duration is not None else ""
        product = run.to_json(relative_to=service.root)["product"] or str(run.product_root)
        print(f"{run.run_id}\t{run.status.value:<11}\t{product}\t{run.pipeline}\t{took}")
    if page.next_before:
        print(f"({total} runs in all; see more with --before {page.next_before})")
    return 0


def _cmd_runs_show(args: argparse.Namespace) -> int:
    with run_service(args) as service:
        service.store.recover_interrupted()  # as runs list: a dead process's run is not RUNNING
        run = service.get_run(args.run_id)
    if args.json:
        print(json.dumps(run.to_json(relative_to=service.root), indent=2))
    else:
        print(run.summary())
    return 0


def _cmd_runs_cancel(args: argparse.Namespace) -> int:
    with run_service(args) as service:
        run = service.cancel(args.run_id)
    print(f"Cancel requested for run {run.run_id} ({run.status.value}); it stops within seconds.")
    return 0


def _cmd_pipelines(args: argparse.Namespace) -> int:
    with run_service(args) as service:
        pipelines = service.list_pipelines(api_path(Path(args.root), args.product))
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


def add_commands(sub: Any) -> None:
    """Add ``run``, ``runs`` and ``pipelines`` to the ``naas-lab`` parser."""
    store = store_options()
    run = sub.add_parser(
        "run",
        parents=[store],
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
    run.add_argument(
        "--notify-to",
        action="append",
        metavar="EMAIL",
        help="also mail this address about the run (repeat; see --notify-on)",
    )
    run.add_argument(
        "--notify-webhook",
        action="append",
        metavar="URL",
        help="also POST the run's events to this webhook (repeat; see --notify-on)",
    )
    run.add_argument(
        "--notify-on",
        action="append",
        metavar="EVENTS",
        help="failure, success, start (comma-separated; default failure): when to notify. "
        "Sent by the Lab server or `naas-lab scheduler` running on the same store",
    )
    run.add_argument("--max-parallel", type=int, help="steps running at once (default: CPUs)")
    run.add_argument(
        "--executor",
        choices=EXECUTORS,
        help="where the steps run: local (default; a fresh kernel per step) or dask (each step "
        'a task on a Dask cluster; pip install "naas_lab_ext[dask]")',
    )
    run.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://host:8786 (implies --executor dask; default: a "
        "LocalCluster started for this run)",
    )
    run.add_argument(
        "--dask-workers",
        type=int,
        metavar="N",
        help="worker processes of that LocalCluster (default 2)",
    )
    run.add_argument("--quiet", action="store_true", help="no live step status")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument(
        "--describe-timeout",
        type=float,
        default=60.0,
        help="seconds the notebook may take to define its pipeline (default 60)",
    )
    run.set_defaults(func=_cmd_run)

    runs = sub.add_parser("runs", help="list, show or cancel pipeline runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    runs_list = runs_sub.add_parser(
        "list", parents=[store], help="runs under the root, newest first"
    )
    runs_list.add_argument("--product", help="only runs of this product folder")
    runs_list.add_argument("--pipeline", help="only runs of the pipeline with this name")
    runs_list.add_argument(
        "--status", action="append", help="only runs with this status (repeat, or comma-separate)"
    )
    runs_list.add_argument(
        "--source",
        action="append",
        help="only runs started from: api, cli, notebook, python, scheduler (repeat, or "
        "comma-separate)",
    )
    runs_list.add_argument(
        "--since", help="only runs created at or after this time (ISO, e.g. 2026-11-23T08:00Z)"
    )
    runs_list.add_argument("--until", help="only runs created before this time (ISO)")
    runs_list.add_argument(
        "--search", metavar="TEXT", help="only runs with TEXT in their error or a step's error"
    )
    runs_list.add_argument("--limit", type=int, default=20, help="runs per page (default 20)")
    runs_list.add_argument("--offset", type=int, default=0, help="runs to skip")
    runs_list.add_argument(
        "--before",
        metavar="CURSOR",
        help="the page after this cursor (the next_before of the previous --json page)",
    )
    runs_list.add_argument("--json", action="store_true", help="print the result as JSON")
    runs_list.set_defaults(func=_cmd_runs_list)
    runs_show = runs_sub.add_parser("show", parents=[store], help="one run and its steps")
    runs_show.add_argument("run_id")
    runs_show.add_argument("--json", action="store_true", help="print the result as JSON")
    runs_show.set_defaults(func=_cmd_runs_show)
    runs_cancel = runs_sub.add_parser(
        "cancel",
        parents=[store],
        help="cancel a run, whichever process runs it (it ends CANCELLED)",
    )
    runs_cancel.add_argument("run_id")
    runs_cancel.set_defaults(func=_cmd_runs_cancel)

    pipelines = sub.add_parser(
        "pipelines",
        parents=[store],
        help="the pipeline notebooks of a product and their DAG (no step runs)",
    )
    pipelines.add_argument("product", help="the product folder, e.g. sales-report")
    pipelines.add_argument("--json", action="store_true", help="print the result as JSON")
    pipelines.set_defaults(func=_cmd_pipelines)
