"""The Dask executor chosen by configuration (the server's trait, the CLI, a notebook's
``pipeline.run``), against a cluster started the way users deploy one: separate
``dask scheduler`` and ``dask worker`` processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from naas_lab_ext.app import NaasLabExtApp
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.executors.choice import LocalExecutors, executor_factory
from naas_lab_ext.pipelines.executors.dask import DaskCluster, DaskExecutor
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, pipeline_notebook, write_notebook

pytestmark = pytest.mark.kernel

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` (one thread), on 127.0.0.1 free ports;
    stopped by their pid."""
    logs = tmp_path_factory.mktemp("dask-logs")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    DASK,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dashboard-address",
                    f"127.0.0.1:{free_port()}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=(logs / "scheduler.log").open("wb"),
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--name",
                    "deployed-worker",
                ],
                stdout=subprocess.DEVNULL,
                stderr=(logs / "worker.log").open("wb"),
            )
        )
        from distributed import Client

        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            with_pid = proc.pid
            if proc.poll() is None:
                os.kill(with_pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.kill(with_pid, signal.SIGKILL)
                    proc.wait()


@pytest.fixture
def product(tmp_path: Path) -> Path:
    product = make_product(tmp_path / "work")
    write_notebook(
        product / "models" / "work.ipynb",
        "import pathlib, psutil\n"
        "ancestors = ' '.join(str(p.pid) for p in psutil.Process().parents())\n"
        "pathlib.Path(pipeline_output_path, 'work.txt').write_text(ancestors)",
        parameters="",
    )
    pipeline_notebook(
        product / "models" / "__pipeline__.ipynb",
        "pipeline = Pipeline('daily')\n"
        "pipeline >> NotebookStep('Work', 'work.ipynb')\n"
        "pipeline.run()",
    )
    return product


def test_the_cli_runs_the_steps_on_a_deployed_scheduler(
    tmp_path: Path, product: Path, scheduler: str, run_store_url: str
) -> None:
    # When `naas-lab run --executor dask --dask-address` runs the pipeline
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "naas_lab_ext.cli",
            "--root",
            str(tmp_path / "work"),
            "run",
            "sales/models/__pipeline__.ipynb",
            "--json",
            "--executor",
            "dask",
            "--dask-address",
            scheduler,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    # Then it succeeded on the deployed worker, which the JSON and the record name
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "SUCCEEDED"
    [step] = result["steps"]
    assert step["worker"].startswith("deployed-worker (tcp://127.0.0.1:")
    recorded = RunStore(run_store_url).list_runs()[0][0]
    assert recorded.steps[0].worker == step["worker"]
    # in a kernel the worker process started (directly, or forked from its kernel template),
    # not one of the CLI's
    output = Path(recorded.output_dir or "")
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        worker_pids = set(client.run(os.getpid).values())
    ancestors = {int(pid) for pid in (output / "work.txt").read_text().split()}
    assert ancestors & worker_pids


def test_a_notebook_runs_its_pipeline_on_dask(
    product: Path, scheduler: str, tmp_path: Path
) -> None:
    # Given a pipeline defined in Python (as in a notebook)
    pipeline = Pipeline("notebook", root=product)
    pipeline >> NotebookStep("Work", "models/work.ipynb")
    store = RunStore(f"sqlite:///{tmp_path / 'nb.sqlite'}")
    try:
        # When it runs with executor="dask" on the deployed scheduler
        result = pipeline.run(progress=False, store=store, executor="dask", dask_address=scheduler)
    finally:
        store.close()
    # Then its step ran on that cluster's worker
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result["Work"].worker is not None
    assert result["Work"].worker.startswith("deployed-worker (tcp://127.0.0.1:")


def test_the_server_trait_chooses_the_executor(scheduler: str) -> None:
    # The default: a local kernel per step, and Dask never imported for it
    app = NaasLabExtApp()
    assert isinstance(app._executor_factory(), LocalExecutors)
    # executor = "dask" with an address: each run gets a Dask executor on that scheduler
    app = NaasLabExtApp(executor="dask", dask_address=scheduler, dask_workers=3)
    factory = app._executor_factory()
    try:
        assert isinstance(factory, DaskCluster)
        assert factory.address == scheduler and not factory.local
        executor = factory()
        assert isinstance(executor, DaskExecutor)
        assert factory.client().scheduler_info()["address"] == scheduler
    finally:
        factory.close()
    # no address: a LocalCluster of dask_workers processes (started on first use)
    local = NaasLabExtApp(executor="dask", dask_workers=3)._executor_factory()
    assert isinstance(local, DaskCluster) and local.local and local.workers == 3


def test_dask_missing_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(InvalidInput, match=r'pip install "naas_lab_ext\[dask\]"'):
        executor_factory("dask")
    # the server logs it and each run fails with that message
    refuse = NaasLabExtApp(executor="dask")._executor_factory()
    with pytest.raises(InvalidInput, match="naas_lab_ext"):
        refuse()
    with pytest.raises(InvalidInput, match="Unknown executor"):
        executor_factory("spark")


def test_a_worker_that_cannot_see_the_product_fails_the_step(
    scheduler: str, tmp_path: Path
) -> None:
    # Given a job whose folder the worker cannot see (a missing path stands for another disk)
    from naas_lab_ext.pipelines.executors.base import JobOutcome, NotebookJob

    missing = tmp_path / "not-shared"
    job = NotebookJob(
        key="run/none#1",
        step="none",
        input_path=missing / "a.ipynb",
        output_path=missing / "out.ipynb",
        cwd=missing,
        parameters={},
        env={},
    )
    cluster = DaskCluster(scheduler)
    outcomes: list[JobOutcome] = []
    try:
        cluster().start(job, outcomes.append)
        for _ in range(600):
            if outcomes:
                break
            time.sleep(0.1)
    finally:
        cluster.close()
    [outcome] = outcomes
    assert not outcome.ok and outcome.error is not None
    assert outcome.error.name == "PathNotVisible"
    assert "cannot see the product's path" in outcome.error.message
    assert str(missing) in outcome.error.message


def test_the_server_runs_in_the_background_on_its_dask_executor(
    tmp_path: Path, product: Path, scheduler: str
) -> None:
    # Given the run service the server builds with executor = "dask" (its scheduled and
    # REST runs go through it)
    from naas_lab_ext.pipelines.service import RunService

    factory = NaasLabExtApp(executor="dask", dask_address=scheduler)._executor_factory()
    store = RunStore(f"sqlite:///{tmp_path / 'server.sqlite'}")
    service = RunService(tmp_path / "work", store, executor=factory)
    try:
        # When a run starts in the background (as POST /runs and the scheduler do)
        started = service.start("sales/models/__pipeline__.ipynb", source="scheduler")
        for _ in range(2400):
            run = service.get_run(started.run_id)
            if run.status.finished:
                break
            time.sleep(0.1)
    finally:
        service.shutdown()
        store.close()
        factory.close()  # type: ignore[attr-defined]
    # Then its step ran on the cluster's worker
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.steps[0].worker is not None
    assert run.steps[0].worker.startswith("deployed-worker (tcp://127.0.0.1:")


def test_dask_is_imported_only_when_chosen() -> None:
    # The server, the CLI and the notebook API load without Dask; choosing local keeps it so
    code = (
        "import sys\n"
        "import naas_lab_ext.app, naas_lab_ext.cli, naas_lab_ext.pipelines.api\n"
        "from naas_lab_ext.pipelines.executors.choice import executor_factory\n"
        "executor_factory('local')()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'dask', 'distributed'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
