"""``naas-lab schedules list|pause|resume|run|delete`` and ``naas-lab scheduler``.

``naas-lab schedules run ID`` starts the schedule's production run and follows it to its end
(exit 0 SUCCEEDED, 6 FAILED, 7 CANCELLED: Ctrl-C cancels it, 8 INTERRUPTED).
``naas-lab scheduler`` fires every schedule of the store until Ctrl-C or SIGTERM, one line per
firing; it shares the store with any Lab server (each due time fires once in all). The layers
above may run work beside it (a :class:`~.companion.Companion`: the notifications'
dispatcher).
``naas-lab schedules notify ID`` edits who is told of a schedule's runs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..core.cli import api_path, store_options
from ..core.clock import utc_now
from ..core.errors import InvalidInput
from ..core.notify import EVENTS, notify_from_options, redact_url
from ..pipelines.results import RunResult, RunStatus
from .companion import Companion

if TYPE_CHECKING:  # the store (SQLAlchemy) and the services load in the commands
    from ..pipelines.service import RunService
    from .loop import FiringEvent
    from .service import ScheduleService

#: ``naas-lab schedules run``'s exit code by the run's final status (as ``naas-lab run``).
RUN_EXIT_CODES: dict[RunStatus, int] = {
    RunStatus.SUCCEEDED: 0,
    RunStatus.FAILED: 6,
    RunStatus.CANCELLED: 7,
    RunStatus.INTERRUPTED: 8,
}


@dataclass
class _Opened:
    runs: RunService
    schedules: ScheduleService


@contextmanager
def schedule_service(args: argparse.Namespace) -> Iterator[_Opened]:
    """The schedules under the root the options name, over the store they name."""
    from ..pipelines.service import RunService
    from ..pipelines.store.repository import RunStore
    from .repository import ScheduleStore
    from .service import ScheduleService

    store = RunStore(args.db_url or None)
    try:
        runs = RunService(Path(args.root), store)
        yield _Opened(runs, ScheduleService(runs.root, ScheduleStore(store), runs))
    finally:
        store.close()


def _when(text: str | None) -> str:
    return text.replace("T", " ").replace("Z", " UTC") if text else "-"


def _cmd_list(args: argparse.Namespace) -> int:
    with schedule_service(args) as opened:
        service = opened.schedules
        product = api_path(service.root, args.product) if args.product else None
        found = service.list_schedules(product)
        answers = service.to_json(found)
    if args.json:
        print(json.dumps({"schedules": answers}, indent=2))
        return 0
    if not answers:
        print(
            "No schedule. A product's setup.ipynb declares them; `naas-lab deploy PRODUCT` "
            "applies them."
        )
    for item in answers:
        state = "paused" if item["paused"] else f"next {_when(item['next_run'])}"
        last = item["last_run"]
        ran = f"last {last['status']} {_when(last['started_at'])}" if last else "never ran"
        print(
            f"{item['id']}\t{item['product']}/{item['pipeline']}\t{item['description']}\t"
            f"{state}\t{ran}"
        )
    return 0


def _cmd_pause(args: argparse.Namespace) -> int:
    with schedule_service(args) as opened:
        schedule = opened.schedules.pause(args.schedule_id)
    print(f"Paused schedule {schedule.label()}: it does not fire until resumed.")
    return 0


def _cmd_resume(args: argparse.Namespace) -> int:
    from .schedule import iso

    with schedule_service(args) as opened:
        schedule = opened.schedules.resume(args.schedule_id)
        next_run = opened.schedules.next_run(schedule)
    print(f"Resumed schedule {schedule.label()}: next run {_when(iso(next_run))}.")
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    with schedule_service(args) as opened:
        schedule = opened.schedules.get(args.schedule_id)
        opened.schedules.delete(args.schedule_id)
    print(
        f"Deleted schedule {schedule.label()} (its runs are kept; the next deploy of the "
        "product declares its schedules again)."
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    cancelled = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if cancelled.is_set():
            raise KeyboardInterrupt
        print("\nCancelling the run (its kernels are stopped)...", file=sys.stderr, flush=True)
        cancelled.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with schedule_service(args) as opened:
            run = opened.schedules.run_now(args.schedule_id)
            print(f"Run {run.run_id} of schedule {args.schedule_id} started", flush=True)
            result = _follow(opened.runs, run, cancelled)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if args.json:
        print(json.dumps(result.to_json(relative_to=opened.runs.root), indent=2))
    else:
        took = f" in {result.duration:.1f} s" if result.duration is not None else ""
        print(f"Run {result.run_id}: {result.status.value}{took}")
        if result.error:
            print(f"  {result.error}")
    return RUN_EXIT_CODES.get(result.status, 1)


def _cmd_notify(args: argparse.Namespace) -> int:
    targets = bool(args.to or args.webhook or args.on)
    if sum((args.default, args.off, targets)) > 1:
        raise InvalidInput("Give --default, --off or --to/--webhook/--on, not two.", field="on")
    with schedule_service(args) as opened:
        service = opened.schedules
        if args.default or args.off or targets:
            notify: dict[str, Any] | None = None
            if args.off:
                notify = {"on_failure": False}
            elif targets:
                notify = notify_from_options(args.to, args.webhook, args.on)
            schedule = service.set_notify(args.schedule_id, notify)
        else:
            schedule = service.get(args.schedule_id)
        [answer] = service.to_json([schedule])
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    print(f"Notifications of schedule {schedule.label()}: {describe_rules(schedule.notify)}.")
    if args.default or args.off or targets:
        print(
            "Kept until the product's next deploy, which sets what its setup.ipynb declares "
            "(schedule(..., notify=...))."
        )
    return 0


def describe_rules(notify: Any) -> str:
    """Who is told of what, in words (webhook URLs shortened: they hold tokens)."""
    rules = dict(notify or {})
    words = []
    for key, word in EVENTS.items():
        rule = rules.get(key, key == "on_failure")
        if rule is False:
            continue
        targets = ["the default recipients"] if rule is True or key == "on_failure" else []
        if isinstance(rule, dict):
            targets += [*rule.get("to", []), *(redact_url(u) for u in rule.get("webhooks", []))]
        words.append(f"on {word}: {', '.join(targets)}")
    return "; ".join(words) or "none"


def _follow(runs: RunService, run: RunResult, cancelled: threading.Event) -> RunResult:
    """Wait for the run this process started to end (it runs in a thread of this process)."""
    asked = False
    while True:
        run = runs.get_run(run.run_id)
        if run.status.finished:
            return run
        if cancelled.is_set() and not asked:
            asked = True
            runs.cancel(run.run_id)
        time.sleep(0.2)


def _cmd_scheduler(args: argparse.Namespace) -> int:
    from ..pipelines.service import RunService
    from ..pipelines.store.repository import RunStore
    from .kernels import keep_schedule_kernels_warm
    from .loop import Scheduler
    from .repository import ScheduleStore
    from .schedule import iso

    def line(event: FiringEvent) -> None:
        print(f"{iso(utc_now())}  {event.line()}", flush=True)

    store = RunStore(args.db_url or None)
    runs = RunService(Path(args.root), store)
    scheduler = Scheduler(
        ScheduleStore(store), runs, on_firing=line, on_schedules=keep_schedule_kernels_warm
    )

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        scheduler.stop()

    def say(text: str) -> None:
        print(text, flush=True)

    held: list[str] = []
    started = False

    def companion_says(text: str) -> None:
        # Held until the scheduler's own first line (what a reader of its output expects).
        if started:
            say(text)
        else:
            held.append(text)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        # The companions start first (the runs recovered below are news too) and stop last
        # (the runs stopped at the end are news too).
        with ExitStack() as companions:
            for companion in getattr(args, "companions", ()):
                companions.enter_context(companion.running(args, store, companion_says))
            interrupted = store.recover_interrupted()
            if interrupted:
                say(f"Runs marked INTERRUPTED (their process is gone): {', '.join(interrupted)}")
            scheduler.load()
            schedules = scheduler.schedules
            paused = sum(1 for s in schedules if s.paused)
            next_due = scheduler.next_due()
            say(
                f"Scheduler started on {store.engine.url.render_as_string(hide_password=True)}: "
                f"{len(schedules)} schedule(s), {paused} paused; next due "
                f"{_when(iso(next_due)) if next_due else '-'}. Ctrl-C stops it."
            )
            for text in held:
                say(text)
            started = True
            scheduler.run()
            say("Scheduler stopped; stopping the runs it started...")
            runs.shutdown()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        store.close()
    return 0


def add_commands(sub: Any, *, companions: Sequence[Companion] = ()) -> None:
    """Add ``schedules`` and ``scheduler`` to the ``naas-lab`` parser; ``companions`` run
    beside ``naas-lab scheduler``."""
    store = store_options()
    schedules = sub.add_parser(
        "schedules", help="list, pause, resume, run or delete the products' schedules"
    )
    schedules_sub = schedules.add_subparsers(dest="schedules_command", required=True)
    listing = schedules_sub.add_parser(
        "list", parents=[store], help="schedules of the products under the root"
    )
    listing.add_argument("--product", help="only the schedules of this product folder")
    listing.add_argument("--json", action="store_true", help="print the result as JSON")
    listing.set_defaults(func=_cmd_list)
    for name, func, help_text in (
        ("pause", _cmd_pause, "stop firing a schedule until it is resumed"),
        ("resume", _cmd_resume, "fire a paused schedule again (from its next due time)"),
        ("delete", _cmd_delete, "delete a schedule (until the product's next deploy)"),
    ):
        command = schedules_sub.add_parser(name, parents=[store], help=help_text)
        command.add_argument("schedule_id", help="the schedule's id (see `schedules list`)")
        command.set_defaults(func=func)
    run = schedules_sub.add_parser(
        "run",
        parents=[store],
        help="run a schedule's pipeline now and follow the run",
        description="Start the schedule's production run now and wait for its end. Exit "
        "code: 0 SUCCEEDED, 6 FAILED, 7 CANCELLED (Ctrl-C cancels), 8 INTERRUPTED.",
    )
    run.add_argument("schedule_id", help="the schedule's id (see `schedules list`)")
    run.add_argument("--json", action="store_true", help="print the run as JSON")
    run.set_defaults(func=_cmd_run)
    notify = schedules_sub.add_parser(
        "notify",
        parents=[store],
        help="show or edit who is told of a schedule's runs",
        description="Without options, show the schedule's notifications. --to/--webhook/--on "
        "set them (on failure: these besides the default recipients; on success or start: "
        "these only), --default goes back to the defaults (failure mail to the server's "
        "recipients), --off turns them off. Kept until the product's next deploy, which "
        "sets what its setup.ipynb declares.",
    )
    notify.add_argument("schedule_id", help="the schedule's id (see `schedules list`)")
    notify.add_argument("--to", action="append", metavar="EMAIL", help="an address (repeat)")
    notify.add_argument("--webhook", action="append", metavar="URL", help="a webhook (repeat)")
    notify.add_argument(
        "--on",
        action="append",
        metavar="EVENTS",
        help="failure, success, start (comma-separated; default failure)",
    )
    notify.add_argument("--default", action="store_true", help="back to the defaults")
    notify.add_argument("--off", action="store_true", help="no notification at all")
    notify.add_argument("--json", action="store_true", help="print the schedule as JSON")
    notify.set_defaults(func=_cmd_notify)

    scheduler = sub.add_parser(
        "scheduler",
        parents=[store],
        help="fire the schedules headless, until Ctrl-C",
        description="Fire every schedule of the store on time, printing a line per firing, "
        "until Ctrl-C or SIGTERM. Safe beside Lab servers on the same store: each due time "
        "fires once.",
    )
    for companion in companions:
        companion.add_options(scheduler)
    scheduler.set_defaults(func=_cmd_scheduler, companions=tuple(companions))
