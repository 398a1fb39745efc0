"""The server's warm kernels (executors/pool.py): a run's first steps take waiting kernels,
which behave as kernels started for them; each serves one step; idle ones are shut down."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.executors.base import NotebookJob
from naas_lab_ext.pipelines.executors.choice import executor_factory
from naas_lab_ext.pipelines.executors.local import LocalKernelExecutor
from naas_lab_ext.pipelines.executors.pool import KernelPool
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, write_notebook
from tests.pipelines.test_production import a_kernel

#: What a step sees of its kernel, written beside the run's executed copies.
PROBE = """
import json, os, sys, helper_module
first = "_naas_os" not in globals() and "_naas_sys" not in globals()
seen = {
    "pid": os.getpid(),
    "cwd": os.getcwd(),
    "run_id": os.environ.get("NAAS_RUN_ID"),
    "stale": os.environ.get("NAAS_POOL_TEST_STALE"),
    "helper": helper_module.VALUE,
    "clean": first,
    "days": days,
}
with open(os.path.join(pipeline_output_path, name + ".json"), "w") as f:
    json.dump(seen, f)
"""


def _pids(pool: KernelPool) -> list[int]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pids = pool.waiting_pids()
        if pids and all(pids):
            return [pid for pid in pids if pid]
        time.sleep(0.2)
    raise AssertionError("the pool's kernels did not start")


@pytest.mark.kernel
def test_a_run_takes_waiting_kernels_that_act_as_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(tmp_path, "sales")
    write_notebook(product / "models" / "probe.ipynb", PROBE, parameters="days = 1\nname = 'x'")
    # Set after the pool's kernels started: a step must still see it (and not the stale one).
    monkeypatch.setenv("NAAS_POOL_TEST_STALE", "from the server's start")
    pool = KernelPool(2, idle_timeout=600)
    try:
        pool.start()
        waiting = _pids(pool)
        monkeypatch.delenv("NAAS_POOL_TEST_STALE")
        helpers = tmp_path / "helpers"
        helpers.mkdir()
        (helpers / "helper_module.py").write_text("VALUE = 42\n")
        monkeypatch.setenv(
            "PYTHONPATH", os.pathsep.join([str(helpers), os.environ.get("PYTHONPATH", "")])
        )

        pipeline = Pipeline("p", root=product)
        a = NotebookStep("A", "models/probe.ipynb", {"name": "a", "days": 2})
        b = NotebookStep("B", "models/probe.ipynb", {"name": "b", "days": 3})
        c = NotebookStep("C", "models/probe.ipynb", {"name": "c", "days": 4})
        pipeline >> a >> b >> c
        store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
        result = pipeline.run(progress=False, store=store, executor=LocalKernelExecutor(pool))
        assert result.status == RunStatus.SUCCEEDED, result.summary()
        assert result.output_dir is not None
        seen = {n: json.loads((result.output_dir / f"{n}.json").read_text()) for n in "abc"}
        # The first two steps ran on the waiting kernels, one each; the pool refilled.
        assert sorted([seen["a"]["pid"], seen["b"]["pid"]]) == sorted(waiting)
        assert seen["c"]["pid"] not in waiting
        assert len(_pids(pool)) == 2 and not set(pool.waiting_pids()) & set(waiting)
        for name, days in (("a", 2), ("b", 3), ("c", 4)):
            assert Path(seen[name]["cwd"]).resolve() == (product / "models").resolve()
            assert seen[name]["run_id"] == result.run_id
            assert seen[name]["stale"] is None
            assert seen[name]["helper"] == 42
            assert seen[name]["clean"] is True
            assert seen[name]["days"] == days
        store.close()
    finally:
        pool.close()


@pytest.mark.kernel
def test_idle_kernels_are_shut_down_and_a_closed_pool_gives_none(tmp_path: Path) -> None:
    pool = KernelPool(1, idle_timeout=600)
    pool.start()
    [pid] = _pids(pool)
    assert pool.cull(now=time.monotonic() + 601) == 1
    assert pool.waiting() == 0
    _gone(pid)
    job = _job(tmp_path)
    taken = pool.take(job)  # none was waiting: the caller starts its own; the pool refills
    assert taken is None and pool.waiting() == 1
    [pid] = _pids(pool)
    pool.close()
    _gone(pid)
    assert pool.take(job) is None


def test_a_kernelspec_that_cannot_start_is_not_started_again_and_again(tmp_path: Path) -> None:
    pool = KernelPool(2)
    job = _job(tmp_path, kernel_name="no-such-kernel")
    try:
        assert pool.take(job) is None  # none waiting yet: two start (and fail)
        assert pool.waiting("no-such-kernel") == 2
        for _, worker in pool._entries("no-such-kernel", (), None):
            assert worker.ready.wait(60) and worker.start_failed
        assert pool.take(job) is None  # the failed ones are dropped, none started instead
        assert pool.waiting("no-such-kernel") == 0
        pool.cull()  # a while later (the kernelspec may have been installed): tried again
        assert pool.take(job) is None and pool.waiting("no-such-kernel") == 2
    finally:
        pool.close()


@pytest.mark.kernel
def test_a_deployment_s_kernels_wait_apart_and_stay_while_its_schedules_are_active(
    tmp_path: Path,
) -> None:
    # Given a deployment's kernelspec (in its own folder) and environment (its user base)
    kernels = a_kernel(tmp_path)
    userbase = str(tmp_path / "userbase")
    deployment = ("naas-prod-test", (kernels,), {"PYTHONUSERBASE": userbase})
    pool = KernelPool(2, idle_timeout=600)  # a deployment gets one waiting kernel, not 2
    try:
        # When its schedules are active
        pool.keep([deployment])
        assert pool.wait_ready("naas-prod-test", kernel_dirs=(kernels,), env=deployment[2])
        [pid] = pool.waiting_pids("naas-prod-test", (kernels,), deployment[2])
        assert pid is not None
        assert psutil.Process(pid).environ().get("PYTHONUSERBASE") == userbase
        # Then the Lab's kernels do not take it, nor a job of it in another environment
        assert pool.waiting() == 0
        assert pool.take(_job(tmp_path, kernel_name="naas-prod-test")) is None
        other = _job(tmp_path, kernel_name="naas-prod-test", kernel_dirs=(kernels,))
        assert pool.take(other) is None
        assert pool.waiting_pids("naas-prod-test", (kernels,), deployment[2]) == [pid]
        # it is never culled while kept
        # (culled: the 2 + 1 that the two other jobs' takes started, not kept)
        assert pool.cull(now=time.monotonic() + 10_000) == 3
        assert pool.waiting_pids("naas-prod-test", (kernels,), deployment[2]) == [pid]
        # a job of the deployment takes it
        env = {**os.environ, "PYTHONUSERBASE": userbase}
        mine = _job(tmp_path, kernel_name="naas-prod-test", kernel_dirs=(kernels,), env=env)
        taken = pool.take(mine)
        assert taken is not None and taken.pid == pid
        taken.kill()
        # and once its schedules end, the kernel waiting for it shuts down
        [refill] = _ready_pids(pool, "naas-prod-test", (kernels,), deployment[2])
        pool.keep([])
        _gone(refill)
        assert pool.waiting("naas-prod-test", (kernels,), deployment[2]) == 0
    finally:
        pool.close()
    assert KernelPool(0).take(_job(tmp_path)) is None


def _ready_pids(pool: KernelPool, *key: Any) -> list[int]:
    assert pool.wait_ready(key[0], kernel_dirs=key[1], env=key[2])
    return [pid for pid in pool.waiting_pids(*key) if pid]


def test_local_executors_share_the_pool_and_close_it(tmp_path: Path) -> None:
    pool = KernelPool(0)
    factory = executor_factory("local", pool=pool)
    executor = factory()
    assert isinstance(executor, LocalKernelExecutor)
    factory.close()
    assert pool.take(_job(tmp_path)) is None


def _job(tmp_path: Path, **extra: Any) -> NotebookJob:
    return NotebookJob(
        key="k",
        step="s",
        input_path=tmp_path / "in.ipynb",
        output_path=tmp_path / "out.ipynb",
        cwd=tmp_path,
        parameters={},
        env=extra.pop("env", dict(os.environ)),
        **extra,
    )


def _gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.1)
    assert not psutil.pid_exists(pid), f"kernel {pid} still runs"


# -- in the server ----------------------------------------------------------------------------


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "kernel_pool_size": 1,
            "heartbeat_interval": 0.2,
            "templates_sync_at_start": False,
        },
    }


@pytest.mark.kernel
async def test_a_run_started_over_rest_takes_the_server_s_waiting_kernel(
    api: Any, root: Path, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    pool = app._pool
    assert isinstance(pool, KernelPool) and pool.size == 1
    [waiting] = await asyncio.to_thread(_pids, pool)
    product = make_product(root, "sales")
    write_notebook(product / "models" / "probe.ipynb", PROBE, parameters="days = 1\nname = 'x'")
    helpers = root / "helpers"
    helpers.mkdir()
    (helpers / "helper_module.py").write_text("VALUE = 42\n")
    write_notebook(
        product / "models" / "p.ipynb",
        "from naas_lab_ext.pipelines.api import NotebookStep, Pipeline",
        "p = Pipeline()\np >> NotebookStep('A', 'probe.ipynb', {'name': 'a'})\np.run()",
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(helpers), os.environ.get("PYTHONPATH")]))
    )
    status, run = await api("POST", "runs", body={"pipeline": "sales/models/p.ipynb"})
    assert status == 202, run
    deadline = time.monotonic() + 90
    while run["status"] not in {"SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"}:
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.2)
        status, run = await api("GET", "runs", run["id"])
    assert run["status"] == "SUCCEEDED", run
    [seen_file] = (product / "outputs").rglob("a.json")
    seen = json.loads(seen_file.read_text())
    assert seen["pid"] == waiting and seen["run_id"] == run["id"]
    assert Path(seen["cwd"]).resolve() == (product / "models").resolve()


def test_the_pool_size_defaults_to_the_environment_else_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from naas_lab_ext.app import NaasLabExtApp

    monkeypatch.setenv("NAAS_KERNEL_POOL_SIZE", "3")
    assert NaasLabExtApp().kernel_pool_size == 3
    monkeypatch.delenv("NAAS_KERNEL_POOL_SIZE")
    assert NaasLabExtApp().kernel_pool_size == 2
