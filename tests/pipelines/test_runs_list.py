"""The Manager's runs list in the store: keyset pages (nothing lost or repeated while runs
arrive), filters by source and time, text search in the errors (FTS5 and the LIKE fallback,
kept in step with every write)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.pipelines.results import (
    RunResult,
    RunStatus,
    StepFailure,
    StepResult,
    StepStatus,
)
from naas_lab_ext.pipelines.store.orm import RunRow
from naas_lab_ext.pipelines.store.query import RunCursor, RunQuery, parse_sources, parse_time
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.pipelines.store.search import search_text

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
SALES = Path("/data/sales")


@pytest.fixture
def store(run_store_url: str) -> Iterator[RunStore]:
    db = RunStore(run_store_url)
    yield db
    db.close()


def a_run(
    run_id: str,
    at: datetime,
    *,
    root: Path = SALES,
    source: str = "api",
    status: RunStatus = RunStatus.SUCCEEDED,
    error: str | None = None,
    failure: StepFailure | None = None,
) -> RunResult:
    step = StepResult(
        name="Check",
        kind="notebook",
        status=StepStatus.FAILED if failure else StepStatus.SUCCEEDED,
        error=failure,
    )
    return RunResult(
        run_id=run_id,
        pipeline="daily",
        status=status,
        product_root=root,
        created_at=at,
        started_at=at,
        ended_at=at + timedelta(seconds=5),
        source=source,
        error=error,
        steps=[step],
    )


def ids(store: RunStore, query: RunQuery, **kw: object) -> list[str]:
    return [r.run_id for r in store.page_runs(query, limit=500, **kw).runs]  # type: ignore[arg-type]


def test_keyset_pages_lose_and_repeat_nothing_while_runs_arrive(store: RunStore) -> None:
    # Given 103 runs, several created at the very same instant (ties are ordered by id)
    rng = random.Random(3)
    runs = [
        a_run(f"r{n:03d}", T0 + timedelta(seconds=rng.choice([0, 1, 1, 2, 3]) + n // 10))
        for n in range(103)
    ]
    store.create_runs(runs)
    expected = sorted(runs, key=lambda r: (r.created_at, r.run_id), reverse=True)
    # When a reader pages through 10 at a time while new runs keep arriving
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = store.page_runs(RunQuery(under=Path("/data")), limit=10, before=cursor)
        seen += [r.run_id for r in page.runs]
        pages += 1
        store.create_run(a_run(f"new{pages:02d}", T0 + timedelta(hours=1, seconds=pages)))
        cursor = page.next_before
        if cursor is None:
            break
    # Then it read every run that was there, once, newest first, in 11 pages
    assert seen == [r.run_id for r in expected]
    assert pages == 11
    assert page.total == 103 + 10  # the total counts what is there now
    # and the first page now starts with the newest arrival
    first = store.page_runs(RunQuery(), limit=1)
    assert first.runs[0].run_id == "new11" and first.next_before is not None


def test_offset_pages_still_work_and_not_with_a_cursor(store: RunStore) -> None:
    store.create_runs([a_run(f"r{n}", T0 + timedelta(minutes=n)) for n in range(5)])
    page = store.page_runs(RunQuery(), limit=2, offset=2)
    assert [r.run_id for r in page.runs] == ["r2", "r1"] and page.total == 5
    runs, total = store.list_runs(limit=2, offset=4)
    assert [r.run_id for r in runs] == ["r0"] and total == 5
    with pytest.raises(InvalidInput, match="not both"):
        store.page_runs(RunQuery(), before=page.next_before, offset=2)
    with pytest.raises(InvalidInput, match="not a cursor") as bad:
        store.page_runs(RunQuery(), before="not-a-cursor")
    assert bad.value.field == "before"
    cursor = RunCursor(T0, "r1")
    assert RunCursor.decode(cursor.encode()) == cursor


def test_filters_by_source_time_and_product(store: RunStore) -> None:
    store.create_runs(
        [
            a_run("cli-1", T0, source="cli"),
            a_run("sched-1", T0 + timedelta(hours=1), source="scheduler"),
            a_run("api-1", T0 + timedelta(hours=2), source="api"),
            a_run("sched-2", T0 + timedelta(hours=3), source="scheduler", root=Path("/data/hr")),
            a_run("elsewhere", T0 + timedelta(hours=4), root=Path("/other/x")),
        ]
    )
    under = Path("/data")
    assert ids(store, RunQuery(under=under, sources=("scheduler",))) == ["sched-2", "sched-1"]
    assert ids(store, RunQuery(under=under, sources=("cli", "api"))) == ["api-1", "cli-1"]
    since, until = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    assert ids(store, RunQuery(under=under, since=since, until=until)) == ["api-1", "sched-1"]
    assert ids(store, RunQuery(product_root=SALES, sources=("scheduler",))) == ["sched-1"]
    with pytest.raises(InvalidInput, match="'since' must be before 'until'"):
        store.page_runs(RunQuery(since=until, until=since))


def test_times_and_sources_as_people_write_them() -> None:
    assert parse_time("2026-11-01", "since") == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert parse_time("2026-11-01T10:00:00+02:00", "since") == T0
    assert parse_time("2026-11-01T08:00:00Z", "until") == T0
    assert parse_time("", "since") is None
    with pytest.raises(InvalidInput, match="not a time") as bad:
        parse_time("yesterday", "until")
    assert bad.value.field == "until"
    assert parse_sources(["scheduler,CLI", " api "]) == ("scheduler", "cli", "api")
    with pytest.raises(InvalidInput, match="not a run source"):
        parse_sources(["drop table;"])


def failing(store: RunStore) -> None:
    store.create_runs(
        [
            a_run("ok", T0),
            a_run(
                "region",
                T0 + timedelta(minutes=1),
                status=RunStatus.FAILED,
                failure=StepFailure("KeyError", "'region'"),
            ),
            a_run(
                "rows",
                T0 + timedelta(minutes=2),
                status=RunStatus.FAILED,
                failure=StepFailure("ValueError", "3 bad rows in 100%_orders.csv"),
            ),
            a_run(
                "dead",
                T0 + timedelta(minutes=3),
                status=RunStatus.INTERRUPTED,
                error="The process running this run (pid 42) stopped.",
            ),
        ]
    )


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "like"])
def test_text_search_in_run_and_step_errors(store: RunStore, fts: bool) -> None:
    assert store.search.fts  # this SQLite has FTS5 with the trigram tokenizer
    store.search.fts = fts
    failing(store)
    assert ids(store, RunQuery(text="region")) == ["region"]
    assert ids(store, RunQuery(text="keyerror")) == ["region"]  # any case, part of a word
    assert ids(store, RunQuery(text="bad rows")) == ["rows"]
    assert ids(store, RunQuery(text="100%_orders")) == ["rows"]  # LIKE's wildcards are text
    assert ids(store, RunQuery(text="Error")) == ["rows", "region"]
    assert ids(store, RunQuery(text="pid 42")) == ["dead"]
    assert ids(store, RunQuery(text="42")) == ["dead"]  # two letters: LIKE answers
    assert ids(store, RunQuery(text='say "hi"')) == []
    assert ids(store, RunQuery(text="Check: ValueError")) == ["rows"]  # the step's name too
    page = store.page_runs(RunQuery(text="error", statuses=(RunStatus.FAILED,)), limit=1)
    assert [r.run_id for r in page.runs] == ["rows"] and page.total == 2
    with pytest.raises(InvalidInput, match="too long"):
        store.page_runs(RunQuery(text="x" * 201))


def test_the_search_follows_every_write(store: RunStore) -> None:
    run = a_run("r1", T0, status=RunStatus.RUNNING)
    run.steps[0].status = StepStatus.RUNNING
    store.create_run(run)
    assert ids(store, RunQuery(text="timeout")) == []
    # a step that fails is found at once, before the run ends
    step = run.steps[0]
    step.status, step.error = StepStatus.FAILED, StepFailure("StepTimeout", "ran over 60 s")
    store.update_step("r1", step)
    assert ids(store, RunQuery(text="timeout")) == ["r1"]
    # the run's own error joins it when the run ends
    run.status, run.error = RunStatus.FAILED, "gave up after the timeout"
    store.finish_run(run)
    assert ids(store, RunQuery(text="gave up")) == ["r1"]
    assert ids(store, RunQuery(text="ran over")) == ["r1"]
    # a run whose process died is found by the reason recovery gives
    dead = a_run("r2", T0 + timedelta(minutes=1), status=RunStatus.RUNNING)
    store.create_run(dead)
    with store.db.write() as session:  # its process is gone
        session.execute(update(RunRow).where(RunRow.id == "r2").values(pid=999_999_999))
    assert store.recover_interrupted() == ["r2"]
    assert ids(store, RunQuery(text="stopped before the run ended")) == ["r2"]
    # deleted runs leave nothing behind
    store.delete_runs(["r1", "r2"])
    assert ids(store, RunQuery(text="time")) == []
    assert ids(store, RunQuery(text="stopped")) == []


def test_a_word_many_runs_share_is_found_newest_first(store: RunStore) -> None:
    # Most runs failed with the same error (the store reads them newest first, then)
    runs = [
        a_run(
            f"r{n:03d}",
            T0 + timedelta(minutes=n),
            status=RunStatus.FAILED if n % 3 else RunStatus.SUCCEEDED,
            failure=StepFailure("ConnectionError", f"host {n} unreachable") if n % 3 else None,
            root=SALES if n % 2 else Path("/data/hr"),
        )
        for n in range(60)
    ]
    store.create_runs(runs)
    wanted = [r.run_id for r in reversed(runs) if r.status == RunStatus.FAILED]
    assert ids(store, RunQuery(text="unreachable")) == wanted
    sales = [r for r in wanted if int(r[1:]) % 2]
    page = store.page_runs(RunQuery(product_root=SALES, text="connection"), limit=5)
    assert [r.run_id for r in page.runs] == sales[:5] and page.total == len(sales)
    store.search.fts = False
    assert ids(store, RunQuery(text="unreachable")) == wanted


def test_the_searchable_text_of_a_run() -> None:
    text = search_text("run error", [("Load", {"name": "KeyError", "message": "'x'"}), ("B", None)])
    assert text == "run error\nLoad: KeyError: 'x'"
    assert search_text(None, []) == ""


@pytest.mark.parametrize(
    ("folder", "expected"), [("/data/sales", 2), ("/data/sales/", 2), ("/data", 8), ("/", 10)]
)
def test_the_count_of_every_run_under_a_folder_matches_the_filter(
    store: RunStore, folder: str, expected: int
) -> None:
    # Runs in the folder, in it deeper, and beside it with names that sort around it
    roots = [
        "/data/sales",
        "/data/sales/team/a",
        "/data/sales-old",
        "/data/sales.v2",
        "/data/sales0",
        "/data/salesX",
        "/data/sale",
        "/data/sales\u00e9",
        "/datb",
        "/a",
    ]
    store.create_runs(
        [a_run(f"r{n}", T0 + timedelta(minutes=n), root=Path(r)) for n, r in enumerate(roots)]
    )
    fast = store.page_runs(RunQuery(under=Path(folder))).total  # counted as all - outside
    filtered = store.page_runs(RunQuery(under=Path(folder), since=T0 - timedelta(days=1)))
    assert fast == filtered.total == len(filtered.runs) == expected
    assert fast == len(ids(store, RunQuery(under=Path(folder), since=T0 - timedelta(days=1))))
