"""Benchmark of the Manager's lists: a page of runs among 100,000 and a page of events among
1,000,000, in SQLite, through the service layer the REST handlers call.

The store: ``--runs`` runs (3 steps each; 10% FAILED with an error on a step, a few CANCELLED
and INTERRUPTED; sources scheduler, api, cli, notebook; over 90 days; ``--products`` products
under the root and 10% of the runs of another root sharing the store) and ``--events`` events
(the kinds a server records, their levels; 10% of another root, 1% of no product). It is built
once with executemany and cached in ``tests/benchmarks/.corpus/`` under a name holding the
schema version and the sizes (``--rebuild`` builds it again).

Measured, each ``--repeat`` times after a warm-up (p50 / p95 ms):

- R1 one page of runs (50), no filter: ``RunService.list_runs()`` (with the total count);
- R2 filtered by product + status (a random product, FAILED);
- R3 with a text search in the errors (``text=``: a rare word, a common one, a word of a
  few hundred runs, two words, a 2-letter text that only LIKE answers);
- R4 a deep page: the 1,000th page of R1 through its ``next_before`` cursor (keyset), and,
  for information, the same page by OFFSET;
- E1 one page of events (50), no filter: ``EventService.page()`` as ``GET events`` calls it;
- E2 filtered by product + level (error);
- E3 what is new since a cursor (``GET events?after=``: the Manager's live view).

Baseline, same run: a primary-key lookup of a run (``RunStore.get_run``). Target: p95 <= 50 ms
each; printed as ratios (<= 1.0 meets it), never asserted.

Run:  python tests/benchmarks/bench_manager.py [--runs 100000] [--events 1000000] [--repeat 200]
      (or ``bash scripts/bench.sh manager``)
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from naas_lab_ext.database.migrations import SCHEMA_VERSION
from naas_lab_ext.events.kinds import KINDS
from naas_lab_ext.events.service import EventService
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.pipelines.store.search import search_text

CORPUS = Path(__file__).resolve().parent / ".corpus"
#: Bumped when the generator changes (a cached store of an older generator is not reused).
GENERATOR = 2
ROOT = Path("/bench/root")
OTHER_ROOT = Path("/bench/elsewhere")
TARGET_P95_MS = 50.0
PAGE = 50
START = datetime(2026, 8, 1, tzinfo=timezone.utc)
SPAN_S = 90 * 86_400
STEPS = ("Collect", "Transform", "Publish")
PIPELINES = ("pipeline", "daily", "weekly", "backfill")
SOURCES = ("scheduler",) * 6 + ("api", "api", "cli", "notebook")
#: Error messages of failed steps: a few common shapes, and rarer ones a search looks for.
ERRORS = (
    ("KeyError", "'region'"),
    ("ValueError", "{n} bad rows in orders.csv"),
    ("ConnectionError", "HTTPSConnectionPool(host='api.hubspot.com', port=443): Max retries"),
    ("TimeoutError", "the step ran longer than its timeout (600 s)"),
    ("FileNotFoundError", "[Errno 2] No such file or directory: 'inputs/customers_{n}.csv'"),
    ("ProgrammingError", 'relation "sales_{n}" does not exist'),
    ("RuntimeError", "Snowflake warehouse suspended"),
)
SEARCHES = ("snowflake", "Error", "hubspot", "bad rows", "no such file", "zz")
KIND_WEIGHTS = {
    "run.started": 33,
    "run.succeeded": 28,
    "run.failed": 4,
    "run.cancelled": 1,
    "run.interrupted": 1,
    "step.failed": 4,
    "schedule.fired": 20,
    "schedule.skipped": 2,
    "schedule.created": 1,
    "schedule.paused": 1,
    "deploy.started": 1,
    "deploy.succeeded": 1,
    "deploy.failed": 1,
    "templates.synced": 1,
    "notification.sent": 1,
}


def sql_time(moment: datetime) -> str:
    """A time as SQLAlchemy's SQLite DateTime stores it (naive UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def products(count: int) -> list[str]:
    return [str(ROOT / f"product-{n:03d}") for n in range(count)]


def run_rows(count: int, product_count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """The runs, oldest first (ids and times increase)."""
    mine = products(product_count)
    others = [str(OTHER_ROOT / f"product-{n:03d}") for n in range(5)]
    step_s = SPAN_S / max(count, 1)
    for n in range(count):
        created = START + timedelta(seconds=n * step_s + rng.random())
        roll = rng.random()
        status = (
            RunStatus.FAILED
            if roll < 0.10
            else RunStatus.CANCELLED
            if roll < 0.13
            else RunStatus.INTERRUPTED
            if roll < 0.15
            else RunStatus.SUCCEEDED
        )
        product = rng.choice(others) if rng.random() < 0.1 else rng.choice(mine)
        error = None
        failure = None
        if status == RunStatus.FAILED:
            name, text = rng.choice(ERRORS)
            failure = {"name": name, "message": text.format(n=rng.randint(1, 999))}
        elif status == RunStatus.INTERRUPTED:
            error = f"The process running this run (pid {rng.randint(100, 99999)}) stopped."
        yield {
            "id": f"{created:%Y-%m-%dT%H.%M.%S}.{created.microsecond // 1000:03d}Z-{n:06x}",
            "pipeline": rng.choice(PIPELINES),
            "product_root": product,
            "pipeline_path": "models/__pipeline__.ipynb",
            "status": status.value,
            "source": rng.choice(SOURCES),
            "parameters": json.dumps({"days": rng.randint(1, 30)}),
            "error": error,
            "created_at": sql_time(created),
            "started_at": sql_time(created + timedelta(seconds=1)),
            "ended_at": sql_time(created + timedelta(seconds=rng.randint(5, 600))),
            "cancel_requested": 0,
            "failure": failure,
        }


def step_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    failed_at = 1 if run["failure"] else None
    for position, name in enumerate(STEPS):
        status = "SUCCEEDED"
        if failed_at is not None:
            status = "FAILED" if position == failed_at else "SKIPPED" if position > 1 else status
        rows.append(
            {
                "run_id": run["id"],
                "position": position,
                "name": name,
                "kind": "notebook",
                "role": "step",
                "status": status,
                "notebook_path": f"models/{name.lower()}.ipynb",
                "started_at": run["started_at"],
                "ended_at": run["ended_at"],
                "attempts": 1,
                "error": json.dumps(run["failure"]) if status == "FAILED" else None,
                "detail": "",
                "upstream": json.dumps([STEPS[position - 1]] if position else []),
                "on_error": "[]",
            }
        )
    return rows


def event_rows(count: int, product_count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    mine = products(product_count)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    step_s = SPAN_S / max(count, 1)
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        roll = rng.random()
        product = None if kind.startswith("templates.") or roll < 0.01 else rng.choice(mine)
        if product is not None and roll > 0.9:
            product = str(OTHER_ROOT / "product-000")
        subject = kind.split(".")[0].replace("step", "run").replace("deploy", "deployment")
        subject = "templates" if subject == "templates" else subject
        yield {
            "at": sql_time(START + timedelta(seconds=n * step_s)),
            "kind": kind,
            "level": KINDS[kind].value,
            "product_root": product,
            "subject_type": subject,
            "subject_id": f"s-{n:07x}",
            "message": f"{kind} number {n}",
            "details": json.dumps({"n": n}),
        }


def insert(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """executemany over the table's columns (absent ones NULL)."""
    if not rows:
        return
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    used = [c for c in columns if c in rows[0]]
    marks = ", ".join(f":{c}" for c in used)
    statement = f"INSERT INTO {table} ({', '.join(used)}) VALUES ({marks})"
    conn.executemany(statement, rows)


def build(path: Path, runs: int, events: int, product_count: int, seed: int = 7) -> None:
    """Create the store at ``path`` (the schema from the stores themselves) and fill it."""
    url = f"sqlite:///{path}"
    store = RunStore(url)  # every table, index, the FTS index and the schema version
    EventStore(store.db)
    store.close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        batch: list[dict[str, Any]] = []
        for run in run_rows(runs, product_count, rng):
            batch.append(run)
            if len(batch) == 10_000:
                _flush_runs(conn, batch)
                batch = []
        _flush_runs(conn, batch)
    with conn:
        chunk: list[dict[str, Any]] = []
        for event in event_rows(events, product_count, rng):
            chunk.append(event)
            if len(chunk) == 100_000:
                insert(conn, "events", chunk)
                chunk = []
        insert(conn, "events", chunk)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to cache
    conn.close()


def _flush_runs(conn: sqlite3.Connection, runs: list[dict[str, Any]]) -> None:
    insert(conn, "runs", [{k: v for k, v in r.items() if k != "failure"} for r in runs])
    insert(conn, "run_steps", [s for r in runs for s in step_rows(r)])
    search = []
    for run in runs:
        failed = [(STEPS[1], run["failure"])] if run["failure"] else []
        body = search_text(run["error"], failed)
        if body:
            copied = {k: run[k] for k in ("product_root", "pipeline", "status", "source")}
            search.append(
                {"run_id": run["id"], "body": body, "created_at": run["created_at"], **copied}
            )
    insert(conn, "run_search", search)


def corpus(runs: int, events: int, product_count: int, rebuild: bool, folder: Path) -> Path:
    """The cached store of these sizes (built when missing)."""
    name = f"manager-s{SCHEMA_VERSION}-g{GENERATOR}-r{runs}-e{events}-p{product_count}.sqlite"
    path = folder / name
    if path.exists() and not rebuild:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        building = Path(work) / name
        started = time.perf_counter()
        build(building, runs, events, product_count)
        print(f"built {name} in {time.perf_counter() - started:.1f} s")
        building.replace(path)
    return path


def measure(call: Callable[[], object], repeat: int) -> dict[str, float]:
    for _ in range(min(10, repeat)):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
    }


def run(
    *,
    runs: int = 100_000,
    events: int = 1_000_000,
    product_count: int = 50,
    repeat: int = 200,
    rebuild: bool = False,
    folder: Path = CORPUS,
    seed: int = 11,
) -> dict[str, dict[str, float]]:
    """Build (or reuse) the store and measure; the figures by name."""
    path = corpus(runs, events, product_count, rebuild, folder)
    rng = random.Random(seed)
    store = RunStore(f"sqlite:///{path}")
    try:
        service = RunService(ROOT, store)
        event_service = EventService(ROOT, EventStore(store.db))
        names = [Path(p).name for p in products(product_count)]
        ids = [run.run_id for run in service.list_runs(limit=200).runs]
        figures: dict[str, dict[str, float]] = {}
        figures["baseline"] = measure(lambda: store.get_run(rng.choice(ids)), repeat)
        figures["R1"] = measure(lambda: service.list_runs(limit=PAGE), repeat)
        figures["R2"] = measure(
            lambda: service.list_runs(
                product=rng.choice(names), statuses=(RunStatus.FAILED,), limit=PAGE
            ),
            repeat,
        )
        figures["R3"] = measure(
            lambda: service.list_runs(text=rng.choice(SEARCHES), limit=PAGE), repeat
        )
        for term in SEARCHES:
            figures[f"R3 '{term}'"] = measure(
                lambda term=term: service.list_runs(text=term, limit=PAGE),
                max(5, repeat // 10),
            )
        depth = min(1000, max(1, runs // PAGE // 2))
        cursor = None
        for _ in range(depth - 1):
            cursor = service.list_runs(limit=PAGE, before=cursor).next_before
        figures["R4"] = measure(lambda: service.list_runs(limit=PAGE, before=cursor), repeat)
        figures["R4 offset"] = measure(
            lambda: service.list_runs(limit=PAGE, offset=(depth - 1) * PAGE),
            max(5, repeat // 10),
        )
        figures["E1"] = measure(lambda: event_service.page(event_service.filters()), repeat)
        figures["E2"] = measure(
            lambda: event_service.page(
                event_service.filters(product=rng.choice(names), levels=("error",))
            ),
            repeat,
        )
        last = event_service.store.last_id()
        figures["E3"] = measure(
            lambda: event_service.tail(
                event_service.filters(), after=last - rng.randint(0, 20), limit=PAGE
            ),
            repeat,
        )
        figures["_meta"] = {"depth": float(depth), "size_mb": path.stat().st_size / 1e6}
        return figures
    finally:
        store.close()


TITLES = {
    "R1": "runs, one page, no filter",
    "R2": "runs, product + status FAILED",
    "R3": "runs, text search in errors (mixed)",
    "R4": "runs, page {depth:.0f} by keyset cursor",
    "E1": "events, one page, no filter",
    "E2": "events, product + level error",
    "E3": "events after a cursor (live view)",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="build the cached store again")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of cached stores")
    args = parser.parse_args(argv)
    figures = run(
        runs=args.runs,
        events=args.events,
        product_count=args.products,
        repeat=args.repeat,
        rebuild=args.rebuild,
        folder=args.corpus,
    )
    meta = figures.pop("_meta")
    base = figures.pop("baseline")
    print(
        f"store: {args.runs} runs ({args.products} products), {args.events} events, SQLite "
        f"({meta['size_mb']:.0f} MB); {args.repeat} calls each, page of {PAGE}"
    )
    print(f"baseline: a run by primary key (RunStore.get_run) p50 {base['p50']:.2f} ms")
    print(f"{'':42} {'p50 ms':>8} {'p95 ms':>8} {'p95/target':>11} {'p95/baseline':>13}")
    for key, value in figures.items():
        title = TITLES.get(key, "")
        if key.startswith("R3 '"):
            title = f"  search {key[3:]}"
        elif key == "R4 offset":
            title = "  (the same page by OFFSET, for comparison)"
        label = f"{key.split(' ')[0]:3} {title.format(**meta)}"
        ratio = value["p95"] / TARGET_P95_MS
        print(
            f"{label:42} {value['p50']:8.2f} {value['p95']:8.2f} {ratio:10.2f}x "
            f"{value['p95'] / max(base['p50'], 1e-6):12.1f}x"
        )
    print(f"target: p95 <= {TARGET_P95_MS:.0f} ms (p95/target <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
