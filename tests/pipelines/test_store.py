"""The run store: records, filters and pages, concurrent writers, interrupted-run recovery;
on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from sqlalchemy import update

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import InvalidInput, NotFound
from naas_lab_ext.database.processes import ProcessIdentity
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.results import RunResult, RunStatus, StepResult, StepStatus
from naas_lab_ext.pipelines.store import repository
from naas_lab_ext.pipelines.store.orm import RunRow
from naas_lab_ext.pipelines.store.repository import RunStore, wait_for_status

pytestmark = pytest.mark.both_databases


@pytest.fixture
def url(run_store_url: str) -> str:
    return run_store_url


@pytest.fixture
def store(url: str) -> RunStore:
    db = RunStore(url)
    yield db  # type: ignore[misc]
    db.close()


def a_run(
    run_id: str,
    *,
    pipeline: str = "p",
    root: str = "/data/sales",
    status: RunStatus = RunStatus.RUNNING,
) -> RunResult:
    return RunResult(
        run_id=run_id,
        pipeline=pipeline,
        status=status,
        product_root=Path(root),
        created_at=utc_now(),
        started_at=utc_now(),
        steps=[
            StepResult(name="a", kind="dummy", status=StepStatus.RUNNING),
            StepResult(name="b", kind="dummy", upstream=["a"]),
        ],
    )


def test_the_sqlite_file_is_created_in_wal_mode(tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'db' / 'runs.sqlite'}")
    assert (tmp_path / "db" / "runs.sqlite").is_file()
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.close()


def test_create_update_finish_and_read_back(store: RunStore) -> None:
    run = a_run("r1")
    store.create_run(run, dag={"name": "p"})
    step = run.steps[0]
    step.status, step.ended_at, step.attempts = StepStatus.SUCCEEDED, utc_now(), 1
    store.update_step("r1", step)
    run.status, run.ended_at = RunStatus.SUCCEEDED, utc_now()
    run.steps[1].status = StepStatus.SKIPPED
    store.finish_run(run)
    back = store.get_run("r1")
    assert back.status == RunStatus.SUCCEEDED
    assert [s.status for s in back.steps] == [StepStatus.SUCCEEDED, StepStatus.SKIPPED]
    assert back.steps[0].attempts == 1
    assert back.steps[1].upstream == ["a"]
    assert back.started_at is not None and back.started_at.tzinfo is not None
    assert back.pid == os.getpid()
    with pytest.raises(NotFound):
        store.get_run("nope")


def test_list_filters_and_pages_newest_first(store: RunStore) -> None:
    for index in range(5):
        run = a_run(f"r{index}", pipeline="daily" if index % 2 else "weekly")
        run.status = RunStatus.FAILED if index == 3 else RunStatus.SUCCEEDED
        run.created_at = utc_now() + timedelta(seconds=index)
        store.create_run(run)
    store.create_run(a_run("elsewhere", root="/other/product"))
    page, total = store.list_runs(under=Path("/data"), limit=2, offset=1)
    assert total == 5
    assert [r.run_id for r in page] == ["r3", "r2"]
    assert len(page[0].steps) == 2
    page, total = store.list_runs(pipeline="daily", statuses=[RunStatus.FAILED])
    assert [r.run_id for r in page] == ["r3"] and total == 1
    page, total = store.list_runs(product_root=Path("/other/product"))
    assert [r.run_id for r in page] == ["elsewhere"]
    # "/data/sales" must not match a sibling such as "/data/sales-old"
    store.create_run(a_run("sibling", root="/data/sales-old"))
    _, total = store.list_runs(under=Path("/data/sales"))
    assert total == 5


def test_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be used"):
        RunStore("nosuchdriver://x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInput, match="cannot be opened"):
        RunStore(f"sqlite:///{tmp_path / 'file' / 'runs.sqlite'}")


def test_cancel_request_is_seen_by_the_heartbeat(store: RunStore) -> None:
    store.create_run(a_run("r1"))
    assert store.heartbeat("r1") is False
    assert store.request_cancel("r1").cancel_requested
    assert store.heartbeat("r1") is True


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_recovery_marks_runs_of_dead_processes_interrupted(store: RunStore) -> None:
    me = ProcessIdentity.current()
    dead = ProcessIdentity(me.host, _dead_pid(), time.time() - 5)
    reused = ProcessIdentity(me.host, me.pid, me.started - 1000)  # same pid, other process
    store.create_run(a_run("dead"), owner=dead)
    store.create_run(a_run("reused"), owner=reused)
    store.create_run(a_run("mine"), owner=me)
    finished = a_run("done", status=RunStatus.SUCCEEDED)
    store.create_run(finished, owner=dead)
    recovered = store.recover_interrupted()
    assert sorted(recovered) == ["dead", "reused"]
    run = store.get_run("dead")
    assert run.status == RunStatus.INTERRUPTED
    assert "stopped before the run ended" in (run.error or "")
    assert [s.status for s in run.steps] == [StepStatus.INTERRUPTED, StepStatus.INTERRUPTED]
    assert store.get_run("mine").status == RunStatus.RUNNING
    assert store.get_run("done").status == RunStatus.SUCCEEDED


def test_recovery_never_marks_a_run_alive_in_another_process(store: RunStore) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        proc = psutil.Process(sleeper.pid)
        owner = ProcessIdentity(ProcessIdentity.current().host, sleeper.pid, proc.create_time())
        store.create_run(a_run("alive"), owner=owner)
        assert store.recover_interrupted() == []
        assert store.get_run("alive").status == RunStatus.RUNNING
    finally:
        sleeper.kill()
        sleeper.wait()
    assert store.recover_interrupted() == ["alive"]


def test_runs_of_other_hosts_are_judged_by_their_heartbeat(store: RunStore) -> None:
    other = ProcessIdentity("another-host", 1234, 0.0)
    store.create_run(a_run("fresh"), owner=other)
    store.create_run(a_run("stale"), owner=other)
    with store._write() as session:
        session.execute(
            update(RunRow)
            .where(RunRow.id == "stale")
            .values(heartbeat_at=utc_now() - timedelta(minutes=10))
        )
    assert store.recover_interrupted(stale_after=120) == ["stale"]
    assert store.get_run("fresh").status == RunStatus.RUNNING


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from naas_lab_ext.core.clock import utc_now
    from naas_lab_ext.pipelines.results import RunResult, RunStatus, StepResult, StepStatus
    from naas_lab_ext.pipelines.store.repository import RunStore

    store = RunStore(sys.argv[1])
    worker = sys.argv[2]
    for index in range(15):
        run = RunResult(
            run_id=f"{worker}-{index}", pipeline="p", status=RunStatus.RUNNING,
            product_root=Path("/x"), created_at=utc_now(),
            steps=[StepResult(name=f"s{i}", kind="dummy") for i in range(3)],
        )
        store.create_run(run)
        for step in run.steps:
            step.status = StepStatus.SUCCEEDED
            store.update_step(run.run_id, step)
        store.heartbeat(run.run_id)
        run.status = RunStatus.SUCCEEDED
        store.finish_run(run)
        store.recover_interrupted()
    """
)


def test_several_processes_write_at_once_without_errors(url: str, store: RunStore) -> None:
    # Given four processes writing runs, steps and heartbeats to the same SQLite file
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"w{n}"], stderr=subprocess.PIPE, text=True
        )
        for n in range(4)
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    # Then none failed ("database is locked" would) and every write landed
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors
    runs, total = store.list_runs(limit=500)
    assert total == 60
    assert all(r.status == RunStatus.SUCCEEDED for r in runs)
    assert all(s.status == StepStatus.SUCCEEDED for r in runs for s in r.steps)


CRASHING_RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from naas_lab_ext.pipelines.api import DummyStep, Pipeline
    from naas_lab_ext.pipelines.store.repository import RunStore

    pipeline = Pipeline("crashy", root=Path(sys.argv[2]))
    pipeline >> DummyStep("quick") >> DummyStep("forever", delay=600)
    pipeline.run(store=RunStore(sys.argv[1]), progress=True)
    """
)


def test_a_killed_process_leaves_its_run_interrupted_not_running(
    url: str, store: RunStore, tmp_path: Path
) -> None:
    # Given a process running a pipeline, killed while a step runs
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_RUN, url, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "RUNNING   forever" in line:
                break
        runs, _ = store.list_runs(pipeline="crashy")
        assert runs[0].status == RunStatus.RUNNING
        assert store.recover_interrupted() == []  # alive: left alone
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    # When the store is opened again (next start), the run is marked INTERRUPTED
    recovered = RunStore(url).recover_interrupted()
    assert recovered == [runs[0].run_id]
    run = store.get_run(runs[0].run_id)
    assert run.status == RunStatus.INTERRUPTED
    assert run["quick"].status == StepStatus.SUCCEEDED
    assert run["forever"].status == StepStatus.INTERRUPTED
    # and it shows no made-up duration: its last sign of life after its start, or none
    assert run.duration is None or run.duration > 0
    headline = run.summary().splitlines()[0]
    assert "0.0 s" not in headline, headline


def test_wait_for_status_times_out(store: RunStore) -> None:
    store.create_run(a_run("r1"))
    with pytest.raises(TimeoutError):
        wait_for_status(store, "r1", timeout=0.1)


def test_recovery_leaves_a_run_that_ended_while_it_looked(
    url: str, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a run whose process looks gone, and that ends (its owner commits SUCCEEDED,
    # through another connection) after recovery read it and before it changes it
    me = ProcessIdentity.current()
    dead = ProcessIdentity(me.host, _dead_pid(), time.time() - 5)
    store.create_run(a_run("racing"), owner=dead)
    owner = RunStore(url)

    def gone_but_ending(*args: object, **kwargs: object) -> bool:
        run = owner.get_run("racing")
        run.status, run.ended_at = RunStatus.SUCCEEDED, utc_now()
        owner.finish_run(run)
        return False

    monkeypatch.setattr(repository, "owner_alive", gone_but_ending)
    # When recovery runs, Then it changes nothing: the run stays SUCCEEDED
    assert store.recover_interrupted() == []
    run = store.get_run("racing")
    assert run.status == RunStatus.SUCCEEDED and run.error is None
    owner.close()


RECOVERER = textwrap.dedent(
    """
    import json, sys, time
    from naas_lab_ext.pipelines.store.repository import RunStore

    store = RunStore(sys.argv[1])
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all start together
    print(json.dumps(store.recover_interrupted()))
    """
)


def test_processes_recovering_at_once_report_each_run_once(url: str, store: RunStore) -> None:
    # Given 40 runs left RUNNING by a process that is gone
    me = ProcessIdentity.current()
    dead = ProcessIdentity(me.host, _dead_pid(), time.time() - 5)
    store.create_runs([a_run(f"r{n:02d}") for n in range(40)], owner=dead)
    # When five processes recover at the same moment
    start = time.time() + 3.0
    recoverers = [
        subprocess.Popen(
            [sys.executable, "-c", RECOVERER, url, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [r.communicate(timeout=120) for r in recoverers]
    assert [r.returncode for r in recoverers] == [0] * 5, [err for _, err in outputs]
    # Then each run was reported by one of them, once, with one event
    reported = [run_id for out, _ in outputs for run_id in json.loads(out)]
    assert sorted(reported) == [f"r{n:02d}" for n in range(40)]
    page = EventStore(store.db).page(kinds=["run.interrupted"], limit=100)
    assert sorted(e.details["run_id"] for e in page.events) == sorted(reported)
