"""Pipelines of real notebooks on real kernels (ipykernel): executed copies, parameters,
environment, errors, timeout, cancel, retries, and reading a notebook's DAG."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest

from naas_lab_ext.core import clock
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.pipelines.api import DummyStep, NotebookStep, Pipeline, PipelineError
from naas_lab_ext.pipelines.describe import describe_notebook
from naas_lab_ext.pipelines.parameters import parameters_form
from naas_lab_ext.pipelines.results import RunStatus, StepStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.notebooks import make_product, pipeline_notebook, write_notebook

pytestmark = pytest.mark.kernel

RECORD = """
import json, os, pathlib
pathlib.Path(pipeline_output_path, f"{name}.json").write_text(json.dumps({
    "cwd": os.getcwd(), "days": days, "label": label, "run_id": pipeline_run_id,
    "output": pipeline_output_path, "NAAS_RUN_ID": os.environ["NAAS_RUN_ID"],
    "NAAS_RUN_VERSION": os.environ["NAAS_RUN_VERSION"], "pid": os.getpid(),
}))
"""


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    db = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield db  # type: ignore[misc]
    db.close()


@pytest.fixture
def product(tmp_path: Path) -> Path:
    product = make_product(tmp_path / "work")
    write_notebook(
        product / "models" / "record.ipynb",
        RECORD,
        parameters="name = 'record'\ndays = 1\nlabel = 'default'",
    )
    write_notebook(
        product / "models" / "fail.ipynb",
        "x = 1",
        "raise ValueError(f'bad input: {x}')",
        "print('never here')",
        parameters="",
    )
    return product


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_notebook_steps_run_with_parameters_cwd_and_run_environment(
    product: Path, store: RunStore
) -> None:
    # Given two notebook steps in parallel reading the same notebook
    source = product / "models" / "record.ipynb"
    before = source.read_bytes()
    pipeline = Pipeline("daily", root=product)
    first = NotebookStep("First step", "models/record.ipynb", parameters={"name": "one", "days": 7})
    second = NotebookStep("Second", "models/record.ipynb", parameters={"name": "two", "days": 8})
    pipeline >> [first, second]
    # When it runs with a run parameter
    result = pipeline.run(parameters={"label": "from-run"}, progress=False, store=store)
    # Then each executed copy is at outputs/pipeline_executions/<pipeline>/<run-id>/
    assert result.ok, result.summary()
    run_dir = product / "outputs" / "pipeline_executions" / "daily" / result.run_id
    assert result["First step"].output_path == run_dir / "First_step.record.ipynb"
    assert result["Second"].output_path == run_dir / "Second.record.ipynb"
    executed = nbformat.read(run_dir / "First_step.record.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert "days = 7" in injected[0].source and 'label = "from-run"' in injected[0].source
    assert executed.metadata.papermill["parameters"]["pipeline_run_id"] == result.run_id
    # And the input notebook is untouched
    assert source.read_bytes() == before
    # And each kernel ran in the notebook's folder with the run's id and version
    one, two = read_json(run_dir / "one.json"), read_json(run_dir / "two.json")
    assert one["cwd"] == two["cwd"] == str((product / "models").resolve())
    assert (one["days"], two["days"]) == (7, 8)
    assert one["label"] == "from-run"
    assert one["run_id"] == one["NAAS_RUN_ID"] == result.run_id
    assert one["output"] == str(run_dir)
    assert clock.is_version(one["NAAS_RUN_VERSION"])
    assert one["NAAS_RUN_VERSION"] == two["NAAS_RUN_VERSION"]
    assert result.run_id.startswith(one["NAAS_RUN_VERSION"])
    # And every step had a kernel process of its own
    assert one["pid"] != two["pid"] and os.getpid() not in (one["pid"], two["pid"])


def test_a_failing_notebook_reports_the_failing_cell_and_runs_its_handler(
    product: Path, store: RunStore
) -> None:
    pipeline = Pipeline("p", root=product)
    bad = NotebookStep("Bad", "models/fail.ipynb")
    pipeline >> bad >> DummyStep("After")
    bad.on_error >> NotebookStep("Alert", "models/record.ipynb", parameters={"name": "alert"})
    result = pipeline.run(progress=False, store=store)
    assert result.status == RunStatus.FAILED
    error = result["Bad"].error
    assert error is not None
    assert (error.name, error.message) == ("ValueError", "bad input: 1")
    assert error.cell_source == "raise ValueError(f'bad input: {x}')"
    assert error.execution_count is not None
    assert "ValueError" in error.traceback and "\x1b[" not in error.traceback
    assert result["After"].status == StepStatus.SKIPPED
    assert result["Alert"].status == StepStatus.SUCCEEDED
    # The executed copy of the failed step is kept, marked by papermill
    copy = nbformat.read(result["Bad"].output_path, as_version=4)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in copy.cells)
    stored = store.get_run(result.run_id)
    assert stored["Bad"].error is not None and stored["Bad"].error.name == "ValueError"


def test_timeout_kills_the_kernel_and_keeps_the_partial_copy(
    product: Path, store: RunStore
) -> None:
    write_notebook(
        product / "models" / "slow.ipynb",
        "import os, pathlib\npathlib.Path('slow.pid').write_text(str(os.getpid()))",
        "import time\ntime.sleep(120)",
    )
    pipeline = Pipeline("p", root=product)
    pipeline >> NotebookStep("Slow", "models/slow.ipynb", timeout=3) >> DummyStep("After")
    started = time.monotonic()
    result = pipeline.run(progress=False, store=store)
    assert time.monotonic() - started < 40
    assert result.status == RunStatus.FAILED
    assert result["Slow"].error is not None and result["Slow"].error.name == "StepTimeout"
    assert result["After"].status == StepStatus.SKIPPED
    pid = int((product / "models" / "slow.pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    # The partial copy shows what ran before the kill
    copy = nbformat.read(result["Slow"].output_path, as_version=4)
    first = next(c for c in copy.cells if "slow.pid" in c.source)
    assert first.execution_count is not None


def test_cancel_kills_running_kernels_and_ends_cancelled(product: Path, store: RunStore) -> None:
    write_notebook(
        product / "models" / "wait.ipynb",
        "import os, pathlib\npathlib.Path(f'{name}.pid').write_text(str(os.getpid()))",
        "import time\ntime.sleep(120)",
        parameters="name = 'wait'",
    )
    pipeline = Pipeline("p", root=product)
    a = NotebookStep("A", "models/wait.ipynb", parameters={"name": "a"})
    b = NotebookStep("B", "models/wait.ipynb", parameters={"name": "b"})
    pipeline >> [a, b] >> DummyStep("After")
    cancel = threading.Event()
    pids = [product / "models" / "a.pid", product / "models" / "b.pid"]

    def cancel_when_both_run() -> None:
        deadline = time.monotonic() + 60
        while not all(p.exists() for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        cancel.set()

    threading.Thread(target=cancel_when_both_run, daemon=True).start()
    result = pipeline.run(progress=False, store=store, cancel=cancel)
    assert result.status == RunStatus.CANCELLED
    assert [result[n].status for n in ("A", "B", "After")] == [StepStatus.CANCELLED] * 3
    for pid_file in pids:
        pid = int(pid_file.read_text())
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert result["A"].output_path is not None and result["A"].output_path.is_file()
    assert store.get_run(result.run_id).status == RunStatus.CANCELLED


def test_a_retried_notebook_keeps_the_copy_of_each_attempt(product: Path, store: RunStore) -> None:
    write_notebook(
        product / "models" / "flaky.ipynb",
        "import pathlib\nmarker = pathlib.Path('tried')\n"
        "if not marker.exists():\n    marker.write_text('1')\n    raise RuntimeError('first try')",
    )
    pipeline = Pipeline("p", root=product)
    pipeline >> NotebookStep("Flaky", "models/flaky.ipynb", retries=1, retry_delay=0.1)
    result = pipeline.run(progress=False, store=store)
    assert result.ok, result.summary()
    assert result["Flaky"].attempts == 2
    run_dir = result["Flaky"].output_path.parent  # type: ignore[union-attr]
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "Flaky.flaky.attempt-1.ipynb",
        "Flaky.flaky.ipynb",
    ]


def test_a_missing_kernel_fails_the_step_with_a_clear_error(product: Path, store: RunStore) -> None:
    pipeline = Pipeline("p", root=product)
    pipeline >> NotebookStep("R", "models/record.ipynb", kernel_name="no-such-kernel")
    result = pipeline.run(progress=False, store=store)
    assert result.status == RunStatus.FAILED
    assert result["R"].error is not None
    assert result["R"].error.name == "NoSuchKernel"
    assert "not installed" in result["R"].error.message


# -- reading a pipeline notebook's DAG ----------------------------------------------------------

DEFINITION = """
pipeline = Pipeline()
collect = NotebookStep("Collect", "models/record.ipynb", parameters={"days": days})
pipeline >> collect >> [DummyStep("A"), DummyStep("B")] >> DummyStep("Publish")
collect.on_error >> DummyStep("Alert")
pipeline.run()
raise SystemExit("the cells after run() must not execute")
"""


def test_describe_reads_the_dag_without_running_any_step(product: Path, store: RunStore) -> None:
    notebook = pipeline_notebook(
        product / "models" / "__pipeline__.ipynb", DEFINITION, parameters="days = 3"
    )
    spec = describe_notebook(notebook, parameters={"days": 9}, timeout=60)
    assert spec["name"] == "pipeline"
    assert spec["root"] == str(product.resolve())
    assert [s["name"] for s in spec["steps"]] == ["Collect", "A", "B", "Publish", "Alert"]
    assert spec["steps"][0]["parameters"] == {"days": 9}
    assert spec["steps"][3]["upstream"] == ["A", "B"]
    assert {"from": "Collect", "to": "Alert", "kind": "on_error"} in spec["edges"]
    # Nothing ran: no executions, no run recorded
    assert not (product / "outputs").exists()
    assert store.list_runs()[1] == 0


def test_describe_a_notebook_that_never_calls_run(product: Path) -> None:
    notebook = pipeline_notebook(
        product / "models" / "sketch.ipynb",
        "p = Pipeline('sketch')\np >> DummyStep('Only')",
    )
    spec = describe_notebook(notebook, timeout=60)
    assert spec["name"] == "sketch"
    assert [s["name"] for s in spec["steps"]] == ["Only"]


def test_describe_reports_what_is_wrong(product: Path) -> None:
    cycle = pipeline_notebook(
        product / "models" / "cycle.ipynb",
        "p = Pipeline()\na, b = DummyStep('a'), DummyStep('b')\np >> a >> b\nb >> a\np.run()",
    )
    with pytest.raises(PipelineError, match="form a cycle") as caught:
        describe_notebook(cycle, timeout=60)
    assert caught.value.step in {"a", "b"}
    missing = pipeline_notebook(
        product / "models" / "missing.ipynb",
        "p = Pipeline()\np >> NotebookStep('Load', 'models/nope.ipynb')\np.run()",
    )
    with pytest.raises(PipelineError, match="Step 'Load'"):
        describe_notebook(missing, timeout=60)
    broken = pipeline_notebook(product / "models" / "broken.ipynb", "1 / 0")
    with pytest.raises(InvalidInput, match="ZeroDivisionError"):
        describe_notebook(broken, timeout=60)
    nothing = pipeline_notebook(product / "models" / "nothing.ipynb", "x = 1")
    with pytest.raises(InvalidInput, match="defines no pipeline"):
        describe_notebook(nothing, timeout=60)
    slow = pipeline_notebook(product / "models" / "slow.ipynb", "import time\ntime.sleep(120)")
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="took longer than 3 s"):
        describe_notebook(slow, timeout=3)
    assert time.monotonic() - started < 30


def test_parameters_form_comes_from_the_steps_notebooks(product: Path) -> None:
    notebook = pipeline_notebook(
        product / "models" / "__pipeline__.ipynb", DEFINITION, parameters="days = 3"
    )
    pipeline = Pipeline("p", root=product)
    pipeline >> NotebookStep(
        "Collect", "models/record.ipynb", parameters={"days": 30, "name": "collect"}
    )
    form = {p.name: p for p in parameters_form(pipeline.validate(), notebook)}
    assert set(form) == {"days", "name", "label"}
    assert form["days"].steps == ["Collect"]  # declared by the pipeline notebook and the step
    assert form["days"].value == 3  # the pipeline notebook's default comes first
    assert form["label"].default == "'default'" and form["label"].value == "default"
    assert form["label"].type == "str"
    assert form["name"].value == "collect"  # the step's own value, over the notebook default


def test_the_starter_pipeline_runs_end_to_end_as_created(
    tmp_path: Path, naas_data_product: None, run_store_url: str
) -> None:
    import papermill

    # Given a new product, When its starter pipeline notebook is run as a user would
    create_product(tmp_path, ProductSpec(name="starter"), framework_version="0", git=False)
    models = tmp_path / "starter" / "models"
    papermill.execute_notebook(
        str(models / "__pipeline__.ipynb"),
        str(tmp_path / "executed.ipynb"),
        cwd=str(models),
        progress_bar=False,
    )
    # Then the run succeeded and was recorded
    runs, total = RunStore(run_store_url).list_runs()
    assert total == 1
    assert runs[0].status == RunStatus.SUCCEEDED
    assert runs[0].source == "notebook"
    assert runs[0].product_root == (tmp_path / "starter").resolve()
    assert [s.name for s in runs[0].steps] == ["Collect inputs", "Transform", "Publish outputs"]
    # And the starter's DAG can be read without running it
    spec = describe_notebook(models / "__pipeline__.ipynb", timeout=60)
    assert [s["kind"] for s in spec["steps"]] == ["dummy"] * 3
    assert RunStore(run_store_url).list_runs()[1] == 1
