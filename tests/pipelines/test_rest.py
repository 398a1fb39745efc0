"""The pipelines and runs REST API through a real Jupyter server (jp_fetch)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.pipelines.api import DummyStep, Pipeline
from naas_lab_ext.pipelines.options import RunOptions
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.runner import PipelineRun
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore, wait_for_status
from tests.notebooks import make_product, pipeline_notebook, write_notebook

FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"}


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {"heartbeat_interval": 0.2, "describe_timeout": 60.0},
    }


async def wait_run(api: Any, run_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, run = await api("GET", "runs", run_id)
        assert status == 200, run
        if run["status"] in FINISHED:
            return run  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"run still {run['status']}"
        await asyncio.sleep(0.2)


@pytest.fixture
def product(root: Path) -> Path:
    product = make_product(root, "sales")
    write_notebook(
        product / "models" / "work.ipynb",
        "import time\ntime.sleep(seconds)\nprint(days)",
        parameters="days = 1\nseconds = 0",
    )
    write_notebook(product / "models" / "fail.ipynb", "raise KeyError('region')")
    return product


def define(product: Path, name: str, code: str, parameters: str | None = None) -> str:
    pipeline_notebook(product / "models" / name, code, parameters=parameters)
    return f"sales/models/{name}"


# -- pipelines --------------------------------------------------------------------------------


@pytest.mark.kernel
async def test_a_new_product_lists_its_starter_pipeline_with_its_dag(
    api: Any, root: Path, naas_data_product: None
) -> None:
    assert (await api("POST", "products", body={"name": "report"}))[0] == 201
    status, body = await api("GET", "pipelines", params={"product": "report"})
    assert status == 200, body
    [pipeline] = body["pipelines"]
    assert pipeline["path"] == "report/models/__pipeline__.ipynb"
    assert pipeline["product"] == "report"
    assert pipeline["name"] == "pipeline"
    assert pipeline["error"] is None
    dag = pipeline["dag"]
    assert dag["root"] == "report"
    assert [s["name"] for s in dag["steps"]] == ["Collect inputs", "Transform", "Publish outputs"]
    assert dag["edges"][0] == {"from": "Collect inputs", "to": "Transform", "kind": "next"}
    # Reading the DAG ran no step
    assert not (root / "report" / "outputs" / "pipeline_executions").exists()
    status, runs = await api("GET", "runs")
    assert runs["total"] == 0


@pytest.mark.kernel
async def test_one_pipeline_with_its_form_or_its_error(api: Any, product: Path) -> None:
    good = define(
        product,
        "good.ipynb",
        "p = Pipeline()\np >> NotebookStep('Work', 'models/work.ipynb', parameters={'days': 5})"
        "\np.run()",
    )
    status, body = await api("GET", "pipelines", good)
    assert status == 200, body
    form = {p["name"]: p for p in body["parameters"]}
    assert form["days"]["value"] == 5 and form["days"]["steps"] == ["Work"]
    assert form["seconds"]["type"] == "int"
    bad = define(product, "bad.ipynb", "p = Pipeline()\na = DummyStep('a')\np >> a >> a")
    status, body = await api("GET", "pipelines", bad)
    assert status == 200
    assert body["dag"] is None
    assert body["error"]["step"] == "a" and "after itself" in body["error"]["message"]


async def test_pipelines_bad_input(api: Any, root: Path) -> None:
    status, body = await api("GET", "pipelines")
    assert (status, body["field"]) == (400, "product")
    status, body = await api("GET", "pipelines", params={"product": "nowhere"})
    assert status == 404
    (root / "plain").mkdir()
    status, body = await api("GET", "pipelines", params={"product": "plain"})
    assert status == 404 and "not a data product" in body["message"]
    status, body = await api("GET", "pipelines", params={"product": "../up"})
    assert status == 400
    status, body = await api("GET", "pipelines", "nothing.ipynb")
    assert status == 404


# -- runs -------------------------------------------------------------------------------------


@pytest.mark.kernel
async def test_start_a_run_returns_at_once_and_it_runs_in_the_background(
    api: Any, jp_fetch: Any, product: Path
) -> None:
    path = define(
        product,
        "__pipeline__.ipynb",
        "p = Pipeline('daily')\n"
        "p >> NotebookStep('Work', 'models/work.ipynb') >> DummyStep('Done')\np.run()",
    )
    # When a run is started with parameters
    started = time.monotonic()
    response = await jp_fetch(
        "naas-lab-ext",
        "runs",
        method="POST",
        body=json.dumps({"pipeline": path, "parameters": {"days": 4, "seconds": 2}}),
    )
    # Then it answers 202 at once with the run id, PENDING
    assert response.code == 202
    assert time.monotonic() - started < 5
    run = json.loads(response.body)
    assert run["status"] == "PENDING" and run["source"] == "api"
    assert response.headers["Location"].endswith(f"/naas-lab-ext/runs/{run['id']}")
    # And the server keeps answering while the run goes on
    while (await api("GET", "runs", run["id"]))[1]["status"] != "RUNNING":
        await asyncio.sleep(0.1)
    ping = time.monotonic()
    assert (await api("GET", "status"))[0] == 200
    assert time.monotonic() - ping < 1.5
    # And the run ends SUCCEEDED, with its steps, paths relative to the root
    done = await wait_run(api, run["id"])
    assert done["status"] == "SUCCEEDED", done
    assert done["pipeline"] == "daily"
    assert done["product"] == "sales"
    assert done["pipeline_path"] == path
    assert done["parameters"] == {"days": 4, "seconds": 2}
    work = done["steps"][0]
    assert work["name"] == "Work" and work["status"] == "SUCCEEDED"
    assert work["duration"] >= 2
    assert work["output_path"] == (
        f"sales/outputs/pipeline_executions/daily/{run['id']}/Work.work.ipynb"
    )
    assert (product.parent / work["output_path"]).is_file()
    assert done["steps"][1]["upstream"] == ["Work"]


@pytest.mark.kernel
async def test_a_failing_run_ends_failed_with_the_step_error(api: Any, product: Path) -> None:
    path = define(
        product,
        "p.ipynb",
        "p = Pipeline('failing')\nbad = NotebookStep('Bad', 'models/fail.ipynb')\n"
        "p >> bad >> DummyStep('Never')\nbad.on_error >> DummyStep('Alert')\np.run()",
    )
    status, run = await api("POST", "runs", body={"pipeline": path})
    assert status == 202
    done = await wait_run(api, run["id"])
    assert done["status"] == "FAILED"
    steps = {s["name"]: s for s in done["steps"]}
    assert steps["Bad"]["error"]["name"] == "KeyError"
    assert steps["Bad"]["error"]["cell_source"] == "raise KeyError('region')"
    assert steps["Never"]["status"] == "SKIPPED"
    assert steps["Alert"]["status"] == "SUCCEEDED" and steps["Alert"]["role"] == "on_error"


@pytest.mark.kernel
async def test_a_definition_that_cannot_be_read_ends_the_run_failed(
    api: Any, product: Path
) -> None:
    # a pipeline notebook that fails before its Pipeline() is created
    path = define(
        product, "broken.ipynb", "raise RuntimeError('no config')\npipeline = Pipeline('x')"
    )
    status, run = await api("POST", "runs", body={"pipeline": path})
    assert status == 202
    done = await wait_run(api, run["id"])
    assert done["status"] == "FAILED"
    assert "no config" in done["error"]
    assert done["steps"] == []


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({}, 400, "pipeline", "pipeline notebook's path"),
        ({"pipeline": "sales/models/nope.ipynb"}, 404, "pipeline", "Nothing exists"),
        ({"pipeline": "sales/product.json"}, 400, "pipeline", "not a notebook"),
        ({"pipeline": "../x.ipynb"}, 400, "pipeline", ".."),
        ({"pipeline": "sales/models/work.ipynb", "parameters": [1]}, 400, "parameters", "object"),
        (
            {"pipeline": "sales/models/work.ipynb", "parameters": {"pipeline_run_id": "x"}},
            400,
            "parameters",
            "set by the pipeline itself",
        ),
        ({"pipeline": "sales/models/work.ipynb", "when": "now"}, 400, "when", "Unknown field"),
    ],
)
async def test_start_run_bad_input(
    api: Any, product: Path, body: dict[str, Any], status: int, field: str, words: str
) -> None:
    code, answer = await api("POST", "runs", body=body)
    assert code == status, answer
    assert answer["field"] == field
    assert words in answer["message"]
    assert (await api("GET", "runs"))[1]["total"] == 0


def record_runs(root: Path, url: str) -> list[str]:
    """Runs recorded by this process (as a notebook would), under and outside the root."""
    store = RunStore(url)
    ids = []
    for name, fails in [("daily", False), ("daily", True), ("weekly", False)]:
        pipeline = Pipeline(name, root=root / "sales")
        pipeline >> DummyStep("a") >> (_Fail("b") if fails else DummyStep("b"))
        ids.append(pipeline.run(progress=False, store=store).run_id)
    outside = Pipeline("daily", root=root.parent / "elsewhere")
    outside >> DummyStep("a")
    outside.run(progress=False, store=store)
    store.close()
    return ids


class _Fail(DummyStep):
    def execute(self, context: Any) -> None:
        raise ValueError("no")


async def test_list_runs_filters_and_pages(
    api: Any, root: Path, product: Path, run_store_url: str
) -> None:
    ids = record_runs(root, run_store_url)
    status, page = await api("GET", "runs")
    assert status == 200
    assert page["total"] == 3  # the run outside the root is not listed
    assert [r["id"] for r in page["runs"]] == ids[::-1]
    assert page["runs"][0]["source"] == "python"
    status, page = await api("GET", "runs", params={"pipeline": "daily", "status": "failed"})
    assert [r["id"] for r in page["runs"]] == [ids[1]]
    status, page = await api("GET", "runs", params={"status": "SUCCEEDED,FAILED", "limit": 1})
    assert page["total"] == 3 and len(page["runs"]) == 1 and page["limit"] == 1
    status, page = await api("GET", "runs", params={"limit": 2, "offset": 2})
    assert [r["id"] for r in page["runs"]] == [ids[0]]
    status, page = await api("GET", "runs", params={"product": "sales"})
    assert page["total"] == 3
    for params, field in [
        ({"status": "DONE"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
    ]:
        status, body = await api("GET", "runs", params=params)
        assert (status, body["field"]) == (400, field), params


async def test_get_an_unknown_run_or_one_outside_the_root_is_404(
    api: Any, root: Path, run_store_url: str
) -> None:
    status, body = await api("GET", "runs", "2026-01-01T00.00.00.000Z-000000")
    assert status == 404 and body["reason"] == "NotFound"
    outside = Pipeline("x", root=root.parent / "elsewhere")
    outside >> DummyStep("a")
    run = outside.run(progress=False, store=RunStore(run_store_url))
    assert (await api("GET", "runs", run.run_id))[0] == 404
    assert (await api("POST", "runs", run.run_id, "cancel"))[0] == 404


@pytest.mark.kernel
async def test_cancel_a_run_started_from_the_api(api: Any, product: Path) -> None:
    path = define(
        product,
        "long.ipynb",
        "p = Pipeline('long')\np >> NotebookStep('Work', 'models/work.ipynb', "
        "parameters={'seconds': 120}) >> DummyStep('After')\np.run()",
    )
    status, run = await api("POST", "runs", body={"pipeline": path})
    assert status == 202
    while (await api("GET", "runs", run["id"]))[1]["status"] != "RUNNING":
        await asyncio.sleep(0.1)
    status, body = await api("POST", "runs", run["id"], "cancel")
    assert status == 202 and body["cancel_requested"] is True
    done = await wait_run(api, run["id"], timeout=60)
    assert done["status"] == "CANCELLED"
    assert [s["status"] for s in done["steps"]] == ["CANCELLED", "CANCELLED"]
    status, body = await api("POST", "runs", run["id"], "cancel")
    assert status == 409 and "already ended" in body["message"]


async def test_cancel_reaches_a_run_of_another_process_through_the_store(
    api: Any, root: Path, run_store_url: str
) -> None:
    # Given a run executed by someone else (here a thread with its own store connection)
    store = RunStore(run_store_url)
    pipeline = Pipeline("elsewhere", root=root / "sales")
    pipeline >> DummyStep("long", delay=60)
    runner = PipelineRun(
        pipeline.validate(), store=store, options=RunOptions(heartbeat_interval=0.1)
    )
    thread = threading.Thread(target=runner.execute)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not store.list_runs(pipeline="elsewhere")[1]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        # When the API is asked to cancel it
        status, _ = await api("POST", "runs", runner.run_id, "cancel")
        assert status == 202
        # Then the process running it stops it
        done = await wait_run(api, runner.run_id, timeout=20)
        assert done["status"] == "CANCELLED"
    finally:
        runner.stop()
        thread.join(20)
        store.close()


@pytest.mark.kernel
def test_stopping_the_service_interrupts_its_runs(tmp_path: Path) -> None:
    # Given a service running a long pipeline in the background
    product = make_product(tmp_path, "sales")
    pipeline_notebook(
        product / "models" / "p.ipynb", "p = Pipeline()\np >> DummyStep('long', delay=120)\np.run()"
    )
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    service = RunService(tmp_path, store, options=lambda: RunOptions(heartbeat_interval=0.1))
    run = service.start("sales/models/p.ipynb")
    wait_for_status(store, run.run_id, finished=False, timeout=60)
    deadline = time.monotonic() + 60
    while store.get_run(run.run_id).status != RunStatus.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # When the server stops
    service.shutdown(timeout=30)
    # Then the run is recorded INTERRUPTED, not left RUNNING
    done = store.get_run(run.run_id)
    assert done.status == RunStatus.INTERRUPTED
    assert done.error == "The server stopped."
    store.close()


async def test_routes_that_run_code_need_the_execute_permission(
    jp_serverapp: Any, api: Any, product: Path
) -> None:
    # Given an authorizer that refuses "execute" on naas_lab_ext
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized
    seen: list[tuple[str, str]] = []

    def is_authorized(handler: Any, user: Any, action: str, resource: str) -> bool:
        seen.append((action, resource))
        return action != "execute" and original(handler, user, action, resource)

    authorizer.is_authorized = is_authorized
    try:
        path = define(product, "p.ipynb", "p = Pipeline()\np >> DummyStep('a')\np.run()")
        assert (await api("GET", "pipelines", params={"product": "sales"}))[0] == 403
        assert (await api("GET", "pipelines", path))[0] == 403
        assert (await api("POST", "runs", body={"pipeline": path}))[0] == 403
        assert (await api("GET", "runs"))[0] == 200
    finally:
        authorizer.is_authorized = original
    assert ("execute", "naas_lab_ext") in seen and ("read", "naas_lab_ext") in seen
    assert not (product / "outputs").exists()


@pytest.mark.kernel
async def test_cancel_while_the_pipeline_is_being_read(api: Any, product: Path) -> None:
    path = define(
        product,
        "slow.ipynb",
        "import time\ntime.sleep(60)\np = Pipeline()\np >> DummyStep('a')\np.run()",
    )
    status, run = await api("POST", "runs", body={"pipeline": path})
    assert status == 202 and run["status"] == "PENDING"
    status, _ = await api("POST", "runs", run["id"], "cancel")
    assert status == 202
    done = await wait_run(api, run["id"], timeout=30)
    assert done["status"] == "CANCELLED"
    assert "Cancelled while reading the pipeline" in done["error"]
    assert not (product / "outputs").exists()


async def test_an_ordinary_notebook_is_never_run_to_read_a_pipeline(
    api: Any, product: Path
) -> None:
    # Given a notebook that creates no Pipeline() but has side effects
    marker = product / "ran.txt"
    write_notebook(
        product / "models" / "plain.ipynb",
        f"open({str(marker)!r}, 'w').write('ran')",
        parameters="",
    )
    # When a client asks for its DAG, or to run it as a pipeline
    status, body = await api("GET", "pipelines", "sales", "models", "plain.ipynb")
    assert status == 200  # a pipeline that cannot be read is described with its error
    assert body["dag"] is None
    assert "not a pipeline notebook" in body["error"]["message"]
    status, body = await api("POST", "runs", body={"pipeline": "sales/models/plain.ipynb"})
    # Then it is refused (at once, or the run fails before any step) and never executed
    if status == 202:
        run = await wait_run(api, body["id"])
        assert run["status"] == "FAILED"
        assert "not a pipeline notebook" in str(run["error"])
    else:
        assert status == 400
    await asyncio.sleep(0.5)
    assert not marker.exists()
