"""The Dask executor against a real LocalCluster (2 single-thread worker processes): a diamond
pipeline, a failure and its on_error handler, a timeout and a cancel that kill the kernel on the
worker, and a worker killed mid-step."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("distributed")

from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.executors.dask import DaskCluster, DaskExecutor
from naas_lab_ext.pipelines.executors.dask_worker import kernels_of_this_process
from naas_lab_ext.pipelines.results import RunStatus, StepStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, write_notebook

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskCluster]:
    """One LocalCluster for the module: 2 worker processes of one thread, on 127.0.0.1."""
    connection = DaskCluster("", workers=2)
    client = connection.client()
    client.wait_for_workers(2)
    yield connection
    connection.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    db = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield db
    db.close()


@pytest.fixture
def product(tmp_path: Path) -> Path:
    product = make_product(tmp_path / "work")
    write_notebook(
        product / "models" / "stamp.ipynb",
        "import os, pathlib\n"
        "pathlib.Path(pipeline_output_path, name + '.txt').write_text("
        "f\"{os.getpid()} {os.getcwd()} {os.environ['NAAS_STEP']}\")",
        parameters="name = 'x'",
    )
    write_notebook(
        product / "models" / "fail.ipynb", "x = 1", "raise ValueError(f'bad input: {x}')"
    )
    write_notebook(
        product / "models" / "sleep.ipynb",
        "import os, pathlib, time\n"
        "pathlib.Path(pipeline_output_path, 'pid-' + name).write_text(str(os.getpid()))\n"
        "time.sleep(seconds)",
        parameters="name = 'sleeper'\nseconds = 60",
    )
    return product


def worker_kernels(cluster: DaskCluster) -> list[int]:
    """Kernel processes still alive under any worker."""
    answers = cluster.client().run(kernels_of_this_process)
    return [pid for pids in answers.values() for pid in pids]


def test_a_diamond_pipeline_runs_on_the_workers(
    cluster: DaskCluster, product: Path, store: RunStore
) -> None:
    # Given a diamond: top >> [left, right] >> bottom
    pipeline = Pipeline("diamond", root=product)
    steps = [
        NotebookStep(name, "models/stamp.ipynb", parameters={"name": name})
        for name in ("top", "left", "right", "bottom")
    ]
    top, left, right, bottom = steps
    pipeline >> top >> [left, right] >> bottom
    # When it runs on the Dask executor
    result = pipeline.run(progress=False, store=store, executor=DaskExecutor(cluster))
    # Then every step succeeded on a worker, in order, with its executed copy
    assert result.status == RunStatus.SUCCEEDED, result.error
    workers = set(cluster.client().scheduler_info()["workers"])
    for step in result.steps:
        assert step.status == StepStatus.SUCCEEDED
        assert step.output_path is not None and step.output_path.is_file()
        executed = nbformat.read(step.output_path, as_version=4)
        assert not executed.metadata["papermill"].get("exception")
        assert step.worker in workers
    assert result["bottom"].started_at >= result["left"].ended_at
    assert result["bottom"].started_at >= result["right"].ended_at
    # in a kernel of a worker's machine, the step's folder and environment, not this process
    for name in ("top", "left", "right", "bottom"):
        pid, cwd, step_name = (result.output_dir / f"{name}.txt").read_text().split(" ")
        assert int(pid) != os.getpid()
        assert cwd == str(product / "models")
        assert step_name == name
    assert worker_kernels(cluster) == []
    # And the record says where each step ran
    recorded = store.get_run(result.run_id)
    assert {s.name: s.worker for s in recorded.steps} == {s.name: s.worker for s in result.steps}


def test_a_failing_step_runs_on_error_once_and_fails_the_run(
    cluster: DaskCluster, product: Path, store: RunStore
) -> None:
    # Given two failing steps handled by the same on_error step
    pipeline = Pipeline("failing", root=product)
    first = NotebookStep("First", "models/fail.ipynb")
    second = NotebookStep("Second", "models/fail.ipynb")
    after = NotebookStep("After", "models/stamp.ipynb", parameters={"name": "after"})
    alert = NotebookStep("Alert", "models/stamp.ipynb", parameters={"name": "alert"})
    pipeline >> [first, second]
    first >> after
    first.on_error >> alert
    second.on_error >> alert
    # When it runs on Dask
    result = pipeline.run(progress=False, store=store, executor=DaskExecutor(cluster))
    # Then the run failed with the failing cell's error, the handler ran once
    assert result.status == RunStatus.FAILED
    error = result["First"].error
    assert error is not None and error.name == "ValueError"
    assert error.message == "bad input: 1"
    assert error.cell_source == "raise ValueError(f'bad input: {x}')"
    assert result["Alert"].status == StepStatus.SUCCEEDED
    assert result["Alert"].attempts == 1
    assert result["After"].status == StepStatus.SKIPPED
    assert (result.output_dir / "alert.txt").is_file()


def test_a_timeout_kills_the_kernel_on_the_worker(
    cluster: DaskCluster, product: Path, store: RunStore
) -> None:
    # Given a step that sleeps longer than its timeout
    pipeline = Pipeline("slow", root=product)
    slow = NotebookStep("Slow", "models/sleep.ipynb", parameters={"name": "slow"}, timeout=3)
    pipeline >> slow
    # When it runs on Dask
    result = pipeline.run(progress=False, store=store, executor=DaskExecutor(cluster))
    # Then the step failed by its timeout, its kernel is gone, the worker is usable
    assert result.status == RunStatus.FAILED
    assert result["Slow"].error is not None and result["Slow"].error.name == "StepTimeout"
    kernel = int((result.output_dir / "pid-slow").read_text())
    assert not _alive(kernel)
    assert worker_kernels(cluster) == []
    assert cluster.client().submit(sum, [1, 2], pure=False).result() == 3


def test_a_cancel_kills_the_kernels_on_the_workers(
    cluster: DaskCluster, product: Path, store: RunStore
) -> None:
    # Given two long steps running in parallel on the two workers
    pipeline = Pipeline("cancelled", root=product)
    steps = [NotebookStep(n, "models/sleep.ipynb", parameters={"name": n}) for n in ("one", "two")]
    pipeline >> steps
    cancel = threading.Event()
    outputs: list[Path] = []

    def progress(run, step) -> None:  # type: ignore[no-untyped-def]
        outputs[:] = [run.output_dir]
        # cancel once both kernels wrote their pid (they run)
        if all((run.output_dir / f"pid-{n}").exists() for n in ("one", "two")):
            cancel.set()

    watcher = threading.Thread(target=_cancel_when_started, args=(outputs, cancel), daemon=True)
    watcher.start()
    # When the run is cancelled while they run
    result = pipeline.run(
        progress=progress, store=store, cancel=cancel, executor=DaskExecutor(cluster)
    )
    # Then the run is CANCELLED, both kernels are gone, the workers run new work
    assert result.status == RunStatus.CANCELLED
    for name in ("one", "two"):
        assert result[name].status == StepStatus.CANCELLED
        assert not _alive(int((result.output_dir / f"pid-{name}").read_text()))
    assert worker_kernels(cluster) == []
    client = cluster.client()
    assert sorted(client.run(os.getpid).values()) != []
    assert client.submit(sum, [2, 3], pure=False).result() == 5


def test_a_killed_worker_fails_the_step(tmp_path: Path, product: Path, store: RunStore) -> None:
    # Given a cluster of its own (one worker is killed) and a step that sleeps
    own = DaskCluster("", workers=2)
    try:
        own.client().wait_for_workers(2)
        pipeline = Pipeline("lost", root=product)
        step = NotebookStep("Lost", "models/sleep.ipynb", parameters={"name": "lost"})
        pipeline >> step
        holder: list[Path] = []
        killer = threading.Thread(target=_kill_worker_of, args=(own, holder), daemon=True)

        def progress(run, changed) -> None:  # type: ignore[no-untyped-def]
            if not holder:
                holder.append(run.output_dir)
                killer.start()

        # When the worker running the step dies
        result = pipeline.run(progress=progress, store=store, executor=DaskExecutor(own))
        # Then the step failed, "worker lost", and the run ended
        assert result.status == RunStatus.FAILED
        error = result["Lost"].error
        assert error is not None and error.name == "WorkerLost", error
        assert "worker lost" in error.message
    finally:
        own.close()
        # the kernel of the killed worker lost its parent: stop it (it would sleep on)
        if holder and (holder[0] / "pid-lost").exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int((holder[0] / "pid-lost").read_text()), signal.SIGKILL)


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _cancel_when_started(outputs: list[Path], cancel: threading.Event) -> None:
    for _ in range(1200):
        if outputs and all((outputs[0] / f"pid-{n}").exists() for n in ("one", "two")):
            cancel.set()
            return
        time.sleep(0.1)
    cancel.set()


def _kill_worker_of(cluster: DaskCluster, holder: list[Path]) -> None:
    """Once the step's kernel runs, kill the worker process that started it."""
    import psutil

    for _ in range(1200):
        pid_file = holder[0] / "pid-lost"
        if pid_file.exists() and pid_file.read_text():
            kernel = psutil.Process(int(pid_file.read_text()))
            worker_pids = set(cluster.client().run(os.getpid).values())
            for parent in kernel.parents():
                if parent.pid in worker_pids:
                    os.kill(parent.pid, signal.SIGKILL)
                    return
            return
        time.sleep(0.1)
