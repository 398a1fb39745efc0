"""``naas-lab deploy``, ``naas-lab rollback`` and ``naas-lab deployments``.

``naas-lab deploy`` prints each step as it goes and exits 0 when the deployment is active,
6 when it failed (the previous deployment stays active), 4 when a deploy of the product runs,
3 when there is no such product, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..core.cli import api_path, store_options
from ..core.errors import InvalidInput

if TYPE_CHECKING:  # the store (SQLAlchemy) and the services load in the commands
    from .records import Deployment, DeployStep
    from .service import DeployService

#: ``naas-lab deploy``: the deployment FAILED.
DEPLOY_FAILED = 6


@contextmanager
def deploy_service(args: argparse.Namespace) -> Iterator[DeployService]:
    """The deployments of the root the options name, over the store they name."""
    from ..pipelines.service import RunService
    from ..pipelines.store.repository import RunStore
    from ..scheduler.repository import ScheduleStore
    from .service import DeployService

    store = RunStore(args.db_url or None)
    try:
        root = Path(args.root)
        service = DeployService(
            root,
            RunService(root, store),
            ScheduleStore(store),
            deployments_dir=Path(args.deployments_dir) if args.deployments_dir else None,
            keep=args.keep,
            test_timeout=args.test_timeout,
            setup_timeout=args.setup_timeout,
        )
        service.recover_interrupted()
        yield service
    finally:
        store.close()


def _when(deployment: Deployment) -> str:
    return f"{deployment.created_at:%Y-%m-%d %H:%M} UTC"


def _cmd_deploy(args: argparse.Namespace) -> int:
    from .records import DeploymentStatus, StepStatus

    stream = sys.stderr if args.json else sys.stdout
    product = api_path(Path(args.root), args.product).rstrip("/")
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    started: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        print("\nStopping the deploy (the previous deployment stays active)...", file=stream)
        stop.set()

    def on_step(deployment: Deployment, step: DeployStep) -> None:
        if not started:
            started.append(deployment.id)
            print(f"Deploying {product} (deployment {deployment.id})", file=stream)
        print(f"  {step.progress_line()}", file=stream, flush=True)

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, on_signal)
    try:
        with deploy_service(args) as service:
            deployment = service.run(
                product,
                skip_tests=args.skip_tests,
                on_step=on_step,
                stop=stop,
            )
            shown = deployment.to_json(relative_to=service.root)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        took = f" in {deployment.duration:.1f} s" if deployment.duration is not None else ""
        print(f"Deployment {deployment.id}: {deployment.status.value}{took}")
        if deployment.error:
            print(f"  error: {deployment.error}")
            print("  the previous deployment (if any) stays active with its schedules")
        schedules = deployment.step("schedules")
        if schedules.status == StepStatus.SUCCEEDED and schedules.message:
            print(f"  schedules: {schedules.message}")
        if shown["setup_notebook"]:
            print(f"  executed setup notebook: {shown['setup_notebook']}")
        if shown["report"] and deployment.tests == "failed":
            print(f"  tests report: {shown['report']}")
    return 0 if deployment.status == DeploymentStatus.ACTIVE else DEPLOY_FAILED


def _cmd_rollback(args: argparse.Namespace) -> int:
    with deploy_service(args) as service:
        product = api_path(Path(args.root), args.product).rstrip("/")
        root = service.product_root(product)
        if args.deployment_id:
            target = service.get(args.deployment_id)
            if target.product_root != root:
                raise InvalidInput(
                    f"Deployment {target.id} is not a deployment of '{product}' "
                    f"(`naas-lab deployments {product}` lists them).",
                    field="deployment_id",
                )
        else:
            target = service.previous(product)
        deployment = service.activate(target.id)
    count = len(deployment.schedules)
    print(
        f"Deployment {deployment.id} of {product} (deployed {_when(deployment)}) is active "
        f"again, with its {count} schedule(s)."
    )
    return 0


def _cmd_deployments(args: argparse.Namespace) -> int:
    with deploy_service(args) as service:
        deployments, active = service.list(
            api_path(Path(args.root), args.product).rstrip("/"), limit=args.limit
        )
        shown = [d.to_json(relative_to=service.root) for d in deployments]
    if args.json:
        print(json.dumps({"deployments": shown, "active": active}, indent=2))
        return 0
    if not deployments:
        print(
            f"No deployment of {args.product} yet. Deploy it with: naas-lab deploy {args.product}"
        )
    for d in deployments:
        mark = "*" if d.id == active else " "
        commit = (d.commit or "")[:10] or "-"
        tests = d.tests or "-"
        note = f"\t{d.error}" if d.error else ""
        print(f"{mark} {d.id}\t{d.status.value:<8}\ttests {tests:<7}\tcommit {commit}{note}")
    if active:
        print("(* = active)")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"give a number of seconds above 0, not {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of 1 or more, not {text!r}")
    return int(text)


def _options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, parents=[store_options()])
    common.add_argument(
        "--deployments-dir",
        help="where production copies and environments go (default: <Jupyter data "
        "dir>/naas_lab_ext/deployments; give the server's NaasLabExtApp.deployments_dir if set)",
    )
    common.add_argument(
        "--keep", type=_count, default=5, help="deployments kept per product (default 5)"
    )
    common.add_argument(
        "--test-timeout",
        type=_seconds,
        default=600.0,
        help="seconds the product's tests may take (default 600)",
    )
    common.add_argument(
        "--setup-timeout",
        type=_seconds,
        default=1800.0,
        help="seconds pip install and setup.ipynb may each take (default 1800)",
    )
    return common


def add_commands(sub: Any) -> None:
    """Add ``deploy``, ``rollback`` and ``deployments`` to the ``naas-lab`` parser."""
    common = _options()
    deploy = sub.add_parser(
        "deploy",
        parents=[common],
        help="deploy a product: tests, production copy, requirements, setup.ipynb, schedules",
        description="Run the product's tests, freeze a production copy, install its "
        "requirements in an environment of its own, run its setup.ipynb and replace its "
        "schedules by the declared ones. Exit code: 0 active, 6 failed (the previous "
        "deployment stays active), 4 a deploy of the product runs, 3 no such product.",
    )
    deploy.add_argument("product", help="the product folder, e.g. sales-report")
    deploy.add_argument(
        "--skip-tests", action="store_true", help="do not run the product's tests (recorded)"
    )
    deploy.add_argument("--json", action="store_true", help="print the deployment as JSON")
    deploy.set_defaults(func=_cmd_deploy)

    rollback = sub.add_parser(
        "rollback",
        parents=[common],
        help="re-activate an earlier deployment of a product, with its schedules",
    )
    rollback.add_argument("product", help="the product folder, e.g. sales-report")
    rollback.add_argument(
        "deployment_id",
        nargs="?",
        help="the deployment to re-activate (default: the previous successful one)",
    )
    rollback.set_defaults(func=_cmd_rollback)

    deployments = sub.add_parser(
        "deployments", parents=[common], help="the deployments of a product, newest first"
    )
    deployments.add_argument("product", help="the product folder, e.g. sales-report")
    deployments.add_argument("--limit", type=_count, default=20, help="how many (default 20)")
    deployments.add_argument("--json", action="store_true", help="print them as JSON")
    deployments.set_defaults(func=_cmd_deployments)
