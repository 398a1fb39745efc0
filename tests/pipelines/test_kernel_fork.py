"""Kernels forked from a template (executors/forking.py, executors/forkserver.py): each is a
fresh process of its own, with its step's folder, environment and random state; a missing
template means the usual start; templates end when idle (never under a running kernel), when
their process ends, and stay while active schedules need them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.executors import forking
from naas_lab_ext.pipelines.executors.base import JobOutcome, NotebookJob
from naas_lab_ext.pipelines.executors.local import LocalKernelExecutor
from naas_lab_ext.pipelines.executors.pool import KernelPool
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.kernels import keep_schedule_kernels_warm
from naas_lab_ext.scheduler.loop import Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from tests.notebooks import make_product, pipeline_notebook, write_notebook
from tests.pipelines.test_production import a_kernel, run_production
from tests.scheduler.conftest import FakeClock, FakeLauncher, production, spec, utc

pytestmark = pytest.mark.kernel

#: What a step sees of its process, written beside the run's executed copies.
PROBE = """
import json, os, random, subprocess, sys, tempfile, helper_module
seen = {
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "pgid": os.getpgid(0),
    "sid": os.getsid(0),
    "cwd": os.getcwd(),
    "path0": sys.path[0],
    "helper": helper_module.VALUE,
    "late": os.environ.get("NAAS_FORK_TEST_LATE"),
    "parent": os.environ.get("JPY_PARENT_PID"),
    "random": random.random(),
    "child_exit": subprocess.run(["sh", "-c", "exit 3"]).returncode,
    "tmp": tempfile.gettempdir(),
    "initial_environ": open("/proc/self/environ", "rb").read().decode("utf-8", "replace"),
}
with open(os.path.join(pipeline_output_path, name + ".json"), "w") as f:
    json.dump(seen, f)
"""


@pytest.fixture
def own_templates(monkeypatch: pytest.MonkeyPatch) -> Iterator[forking.Templates]:
    """This test's templates, closed at its end (not the process-wide ones)."""
    mine = forking.Templates(idle_timeout=600)
    monkeypatch.setattr(forking, "_templates", mine)
    monkeypatch.delenv("NAAS_KERNEL_FORK", raising=False)
    yield mine
    mine.close()


def _run_probe(tmp_path: Path, steps: int = 2) -> list[dict[str, Any]]:
    product = tmp_path / "sales"
    if not product.exists():
        make_product(tmp_path, "sales")
        write_notebook(product / "models" / "probe.ipynb", PROBE, parameters="name = 'x'")
    pipeline = Pipeline("p", root=product)
    chain: Any = pipeline
    for index in range(steps):
        chain = chain >> NotebookStep(f"S{index}", "models/probe.ipynb", {"name": f"s{index}"})
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    try:
        result = pipeline.run(progress=False, store=store, executor=LocalKernelExecutor())
    finally:
        store.close()
    assert result.status == RunStatus.SUCCEEDED, result.summary()
    folder = Path(result.steps[0].output_path or "").parent
    return [json.loads((folder / f"s{i}.json").read_text()) for i in range(steps)]


class _Job:
    """One notebook run on a fresh kernel by the local executor; :meth:`outcome` waits."""

    def __init__(self, notebook: Path, output: Path, cwd: Path, **job: Any) -> None:
        self._done: list[JobOutcome] = []
        self.finished = threading.Event()
        LocalKernelExecutor().start(
            NotebookJob(
                key=output.stem,
                step=output.stem,
                input_path=notebook,
                output_path=output,
                cwd=cwd,
                parameters=job.pop("parameters", {}),
                env=job.pop("env", dict(os.environ)),
                **job,
            ),
            lambda outcome: (self._done.append(outcome), self.finished.set()),
        )

    def outcome(self) -> JobOutcome:
        assert self.finished.wait(120), "the notebook did not finish"
        return self._done[0]


def test_a_forked_kernel_is_a_fresh_process_with_its_steps_folder_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_templates: forking.Templates
) -> None:
    # Given a template started before the step's variables, import path and TMPDIR were set
    assert own_templates.warm(sys.executable, dict(os.environ))
    [template] = own_templates.running()
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "helper_module.py").write_text("VALUE = 42\n")
    monkeypatch.setenv("PYTHONPATH", str(helpers))
    monkeypatch.setenv("NAAS_FORK_TEST_LATE", "set after the template started")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    # When a run of two steps runs
    first, second = _run_probe(tmp_path)
    # Then each step ran in a process forked from the template, leading its own session
    assert first["ppid"] == second["ppid"] == template == int(first["parent"])
    assert first["pid"] != second["pid"]
    for seen in (first, second):
        assert seen["pgid"] == seen["sid"] == seen["pid"]
        # with the notebook's folder as working folder, first on the import path, as `-m` does
        assert seen["cwd"] == seen["path0"] == str(tmp_path / "sales" / "models")
        # the step's environment, import path and temporary folder
        assert seen["helper"] == 42
        assert seen["late"] == "set after the template started"
        assert Path(seen["tmp"]) == tmp
        # and child processes whose exit status it gets (the template ignores SIGCHLD, which
        # turns every child's status into 0; a kernel must not)
        assert seen["child_exit"] == 3
    # and its own random state (a fork copies the generator's)
    assert first["random"] != second["random"]


def test_one_steps_variables_never_reach_the_next_kernels(
    tmp_path: Path, own_templates: forking.Templates
) -> None:
    # Given a first kernel whose job carries a value (a run's secret) absent from the server
    product = make_product(tmp_path, "sales")
    write_notebook(product / "models" / "probe.ipynb", PROBE, parameters="name = 'x'")
    out = tmp_path / "out"
    out.mkdir()

    def job(name: str, env: dict[str, str]) -> JobOutcome:
        parameters = {"name": name, "pipeline_output_path": str(out)}
        notebook = product / "models" / "probe.ipynb"
        return _Job(
            notebook, out / f"{name}.ipynb", product, parameters=parameters, env=env
        ).outcome()

    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "helper_module.py").write_text("VALUE = 1\n")
    base = {**os.environ, "PYTHONPATH": str(helpers)}
    assert job("a", {**base, "NAAS_FORK_TEST_TOKEN": "s3cr3t-token"}).ok
    # When the next kernel of the same template runs without it
    assert job("b", base).ok
    # Then neither its environment nor its process's initial environment holds it
    b = json.loads((out / "b.json").read_text())
    a = json.loads((out / "a.json").read_text())
    assert a["ppid"] == b["ppid"]  # the same template
    assert "s3cr3t-token" not in b["initial_environ"]
    assert "s3cr3t-token" not in json.dumps(b)


def test_a_missing_folder_fails_the_step_at_once_with_its_name(
    tmp_path: Path, own_templates: forking.Templates
) -> None:
    product = make_product(tmp_path, "sales")
    write_notebook(product / "models" / "n.ipynb", "x = 1", parameters="")
    gone = tmp_path / "gone"
    # (start_timeout: the failure must not be a start timeout)
    outcome = _Job(product / "models" / "n.ipynb", tmp_path / "n.ipynb", gone, start_timeout=600)
    assert not outcome.outcome().ok
    assert str(gone) in str(outcome.outcome().error)


@pytest.mark.parametrize("how", ["template cannot start", "NAAS_KERNEL_FORK=0"])
def test_without_a_template_kernels_start_the_usual_way(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    own_templates: forking.Templates,
    how: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if how == "NAAS_KERNEL_FORK=0":
        monkeypatch.setenv("NAAS_KERNEL_FORK", "0")
    else:
        broken = tmp_path / "broken_server.py"
        broken.write_text(
            "import json, socket, sys\n"
            "s = socket.socket(fileno=int(sys.argv[2]))\n"
            "s.sendall(json.dumps({'error': 'no ipykernel here'}).encode() + b'\\n')\n"
        )
        monkeypatch.setattr(forking, "_SERVER_SCRIPT", broken)
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "helper_module.py").write_text("VALUE = 42\n")
    monkeypatch.setenv("PYTHONPATH", str(helpers))
    with caplog.at_level("WARNING", logger=forking.__name__):
        [seen] = _run_probe(tmp_path, steps=1)
    # The kernel is a child of this process, as jupyter_client starts it
    assert seen["ppid"] == os.getpid()
    assert own_templates.running() == []
    if how != "NAAS_KERNEL_FORK=0":
        assert "no ipykernel here" in caplog.text


def test_idle_templates_end_but_never_under_a_running_kernel(
    tmp_path: Path, own_templates: forking.Templates
) -> None:
    product = make_product(tmp_path, "sales")
    write_notebook(
        product / "models" / "wait.ipynb",
        "import pathlib, time\n"
        "pathlib.Path('started').write_text('')\n"
        "while not pathlib.Path('go').exists():\n"
        "    time.sleep(0.05)",
        parameters="",
    )
    waiting = _Job(product / "models" / "wait.ipynb", tmp_path / "w.ipynb", product)
    deadline = time.monotonic() + 120
    while not (product / "started").exists():
        assert time.monotonic() < deadline, "the step did not start"
        time.sleep(0.05)
    [template] = own_templates.running()
    later = time.monotonic() + 10_000
    # While its kernel runs, an idle template stays
    assert own_templates.cull(now=later) == 0
    assert psutil.pid_exists(template)
    (product / "go").write_text("")
    assert waiting.outcome().ok
    # Once its kernels ended, it goes
    deadline = time.monotonic() + 60
    while own_templates.cull(now=later) == 0:
        assert time.monotonic() < deadline, "the template was not culled"
        time.sleep(0.2)
    assert own_templates.running() == []
    assert not psutil.pid_exists(template)  # ended and reaped


def test_the_templates_and_waiting_kernels_of_active_schedules_stay(
    tmp_path: Path, own_templates: forking.Templates, run_store_url: str
) -> None:
    # Given a deployment's kernelspec (its own start-up variables) with an active schedule
    prod = production(tmp_path)
    spec_file = prod.kernel_dirs[0] / str(prod.kernel_name) / "kernel.json"
    kernel = json.loads(spec_file.read_text())
    kernel["env"] = {"PYTHONUSERBASE": str(tmp_path / "userbase")}
    spec_file.write_text(json.dumps(kernel))
    store = RunStore(run_store_url)
    schedules = ScheduleStore(store)
    clock = FakeClock(utc(2026, 5, 4, 7, 0))
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=clock.now())
    warmed: list[Any] = []
    pool = KernelPool(1, idle_timeout=600)

    def on_schedules(active: list[Any]) -> None:
        keep_schedule_kernels_warm(active, pool=pool)
        warmed.append([s.id for s in active])

    scheduler = Scheduler(schedules, FakeLauncher(store, clock), clock, on_schedules=on_schedules)
    # When the scheduler loads the schedules
    scheduler.load()
    assert warmed == [[schedule.id]]
    deadline = time.monotonic() + 90
    while not own_templates.running():
        assert time.monotonic() < deadline, "the deployment's template did not start"
        time.sleep(0.1)
    [template] = own_templates.running()
    assert psutil.Process(template).environ().get("PYTHONUSERBASE") == str(tmp_path / "userbase")
    # and a kernel of the deployment waits in the server's pool
    key = (prod.kernel_name, prod.kernel_dirs, prod.environment())
    assert pool.wait_ready(key[0], kernel_dirs=key[1], env=key[2])
    [waiting] = pool.waiting_pids(*key)
    # Then neither is culled while the schedule is active
    later = time.monotonic() + 10_000
    assert own_templates.cull(now=later) == 0
    assert pool.cull(now=later) == 0
    assert pool.waiting_pids(*key) == [waiting]
    # and both go once the schedule is paused
    schedules.pause(schedule.id, now=clock.now())
    scheduler.wake()
    scheduler.load()
    assert warmed[-1] == []
    assert pool.waiting(*key) == 0
    deadline = time.monotonic() + 30
    while own_templates.cull(now=later) == 0:  # once the waiting kernel has ended
        assert time.monotonic() < deadline, "the template was not culled"
        time.sleep(0.1)
    pool.close()
    store.close()


def test_a_template_ends_with_the_process_that_started_it_and_its_kernels_with_it(
    tmp_path: Path,
) -> None:
    script = tmp_path / "starter.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys, time
            from jupyter_client.manager import KernelManager
            from naas_lab_ext.pipelines.executors.forking import templates, use_fork

            km = KernelManager()
            use_fork(km)
            km.start_kernel()
            print(json.dumps({"kernel": km.provisioner.pid, "templates": templates().running()}))
            sys.stdout.flush()
            time.sleep(600)
            """
        )
    )
    starter = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert starter.stdout is not None
        started = json.loads(starter.stdout.readline())
        kernel = psutil.Process(started["kernel"])
        [template] = [psutil.Process(pid) for pid in started["templates"]]
        assert kernel.ppid() == template.pid
        # When the process that started them is killed (no exit handler runs)
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait(30)
        # Then the template ends, and its kernel after it
        _gone, alive = psutil.wait_procs([template, kernel], timeout=60)
        assert alive == []
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()


def test_a_forked_kernel_is_followed_past_a_thousand_open_files() -> None:
    # A busy server holds many descriptors: a kernel's pidfd is numbered past 1024, where
    # select() cannot go. Any process stands for the kernel here.
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"cannot open 2048 files here (hard limit {hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        process = forking._ForkedProcess(sleeper.pid)
        assert process.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(0.2)
        process.kill()
        sleeper.wait(10)  # reaped by its parent (here, this process; for a kernel, its template)
        assert process.wait(10) == -signal.SIGKILL
    finally:
        sleeper.kill()
        sleeper.wait()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_scheduled_run_forks_from_the_template_its_schedule_kept_started(
    tmp_path: Path, own_templates: forking.Templates, run_store_url: str
) -> None:
    # Given a deployment (its own kernelspec and user base) whose schedule keeps its template
    root = tmp_path / "root"
    live = make_product(root, "sales")
    write_notebook(
        live / "models" / "probe.ipynb",
        "import json, os\n"
        "seen = {'ppid': os.getppid(), 'userbase': os.environ.get('PYTHONUSERBASE')}\n"
        "open(os.path.join(pipeline_output_path, 'seen.json'), 'w').write(json.dumps(seen))",
        parameters="",
    )
    pipeline_notebook(
        live / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Probe", "models/probe.ipynb") >> End()\n'
        "pipeline.run()",
    )
    copy = tmp_path / "deployments" / "d-1"
    shutil.copytree(live, copy)
    userbase = tmp_path / "userbase"
    userbase.mkdir()
    production = Production(
        deployment_id="d-1",
        copy_root=copy,
        product_root=live,
        kernel_name="naas-prod-test",
        kernel_dirs=(a_kernel(tmp_path),),
        env={"PYTHONUSERBASE": str(userbase)},
    )
    warming = forking.keep_warm_kernels(
        [(production.kernel_name, production.kernel_dirs, production.env)]
    )
    assert warming is not None
    warming.join(90)
    [template] = own_templates.running()
    # When the scheduler starts its pipeline
    run = run_production(root, production, run_store_url)
    # Then its step's kernel was forked from that template (no other interpreter started)
    assert run.status == RunStatus.SUCCEEDED, (run.error, [s.error for s in run.steps])
    seen = json.loads((Path(run.output_dir or "") / "seen.json").read_text())
    assert seen == {"ppid": template, "userbase": str(userbase)}
    assert own_templates.running() == [template]
