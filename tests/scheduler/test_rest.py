"""The schedules REST API through a real Jupyter server, and the scheduler inside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler import handlers
from naas_lab_ext.scheduler.repository import Claim, ScheduleStore
from naas_lab_ext.scheduler.task import SchedulerTask
from tests.notebooks import pipeline_notebook, write_notebook
from tests.scheduler.conftest import production, spec
from tests.server.test_openapi import response_validator

FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"}
YEARLY = "0 8 1 1 *"  # never due while a test runs


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "NaasLabExtApp": {"scheduler_poll_interval": 0.2}}


@pytest.fixture
def store(run_store_url: str) -> Iterator[ScheduleStore]:
    """The server's schedules, as another process sees them (its own engine on the store)."""
    runs = RunStore(run_store_url)
    yield ScheduleStore(runs)
    runs.close()


@pytest.fixture
def deployed(root: Path, tmp_path: Path) -> Production:
    """A deployment of product ``sales`` whose pipeline notebook defines no pipeline: its runs
    end FAILED at once, without a kernel."""
    prod = production(tmp_path, root=root)
    (prod.product_root / "product.json").write_text('{"name": "sales"}')
    write_notebook(prod.copy_root / "models" / "__pipeline__.ipynb", "print('no pipeline here')")
    return prod


def start_scheduler(jp_serverapp: Any) -> SchedulerTask:
    """Start the server's scheduler, as the extension does once the server runs (the test
    server never calls the extension's start hook)."""
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    task = app.settings[handlers.SCHEDULER]
    assert isinstance(task, SchedulerTask)
    task.start()
    return task


def check(path: str, method: str, status: int, body: Any) -> None:
    response_validator(path, method, status).validate(body)


async def wait_run(api: Any, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, run = await api("GET", "runs", run_id)
        if status == 200 and run["status"] in FINISHED:
            return run  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.1)


async def test_list_and_get_schedules_as_the_contract_says(
    api: Any, store: ScheduleStore, deployed: Production, tmp_path: Path
) -> None:
    status, body = await api("GET", "schedules")
    assert (status, body) == (200, {"schedules": []})
    # Given a deployed product with two schedules, and one of a product of another root
    daily, weekly = store.replace(
        deployed.product_root,
        deployed,
        [spec(YEARLY, parameters={"days": 7}), spec("30 9 * * 1", timezone="Europe/Paris")],
    )
    elsewhere = production(tmp_path / "elsewhere", "hr")
    store.replace(elsewhere.product_root, elsewhere, [spec(YEARLY)])
    # Then the root's schedules are listed, in declaration order
    status, body = await api("GET", "schedules")
    assert status == 200, body
    check("/schedules", "get", 200, body)
    assert [s["id"] for s in body["schedules"]] == [daily.id, weekly.id]
    first = body["schedules"][0]
    assert first == {
        "id": daily.id,
        "product": "sales",
        "pipeline": "models/__pipeline__.ipynb",
        "cron": YEARLY,
        "timezone": "UTC",
        "description": "every year on 1 January at 08:00 (UTC)",
        "every_minute": False,
        "parameters": {"days": 7},
        "notify": None,
        "catch_up": "skip",
        "overlap": "skip",
        "paused": False,
        "deployment_id": "d-1",
        "next_run": first["next_run"],
        "last_run": None,
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
    }
    assert first["next_run"].endswith("-01-01T08:00:00Z")
    assert body["schedules"][1]["description"] == "every Monday at 09:30 (Europe/Paris)"
    # filtered by product
    status, body = await api("GET", "schedules", params={"product": "sales"})
    assert [s["id"] for s in body["schedules"]] == [daily.id, weekly.id]
    status, body = await api("GET", "schedules", params={"product": "nothing"})
    assert (status, body) == (200, {"schedules": []})
    status, body = await api("GET", "schedules", params={"product": "../up"})
    assert status == 400 and body["field"] == "product"
    check("/schedules", "get", 400, body)
    # one by id
    status, body = await api("GET", "schedules", daily.id)
    assert status == 200 and body["id"] == daily.id
    check("/schedules/{schedule_id}", "get", 200, body)


async def test_pause_resume_and_delete(
    api: Any, store: ScheduleStore, deployed: Production
) -> None:
    [schedule] = store.replace(deployed.product_root, deployed, [spec(YEARLY)])
    status, body = await api("POST", "schedules", schedule.id, "pause")
    assert status == 200 and body["paused"] and body["next_run"] is None
    check("/schedules/{schedule_id}/pause", "post", 200, body)
    assert store.get(schedule.id).paused
    status, body = await api("POST", "schedules", schedule.id, "resume")
    assert status == 200 and not body["paused"] and body["next_run"]
    check("/schedules/{schedule_id}/resume", "post", 200, body)
    status, body = await api("DELETE", "schedules", schedule.id)
    assert (status, body) == (204, None)
    status, body = await api("GET", "schedules", schedule.id)
    assert status == 404
    assert body["message"].startswith(f"No schedule '{schedule.id}'")
    assert "naas-lab schedules list" in body["message"]
    check("/schedules/{schedule_id}", "get", 404, body)
    for method, parts in (
        ("POST", ("pause",)),
        ("POST", ("resume",)),
        ("POST", ("run",)),
        ("DELETE", ()),
    ):
        status, body = await api(method, "schedules", schedule.id, *parts)
        assert status == 404 and body["reason"] == "NotFound", (method, parts)


async def test_a_schedule_of_another_root_is_not_found_here(
    api: Any, store: ScheduleStore, tmp_path: Path
) -> None:
    elsewhere = production(tmp_path / "elsewhere", "hr")
    [schedule] = store.replace(elsewhere.product_root, elsewhere, [spec(YEARLY)])
    assert (await api("GET", "schedules", schedule.id))[0] == 404
    assert (await api("POST", "schedules", schedule.id, "pause"))[0] == 404
    assert not store.get(schedule.id).paused


async def test_run_now_starts_a_production_run_and_becomes_the_last_run(
    api: Any, store: ScheduleStore, deployed: Production
) -> None:
    [schedule] = store.replace(deployed.product_root, deployed, [spec(YEARLY)])
    store.pause(schedule.id)  # run now works for a paused schedule too
    status, run = await api("POST", "schedules", schedule.id, "run")
    assert status == 202, run
    check("/schedules/{schedule_id}/run", "post", 202, run)
    assert run["source"] == "scheduler" and run["deployment_id"] == "d-1"
    assert run["product"] == "sales"
    done = await wait_run(api, run["id"])
    assert done["status"] == "FAILED" and "not a pipeline notebook" in done["error"]
    [firing] = store.firings(schedule.id)
    assert (firing.kind, firing.outcome, firing.run_id) == ("manual", "started", run["id"])
    status, body = await api("GET", "schedules", schedule.id)
    assert body["last_run"]["id"] == run["id"] and body["last_run"]["status"] == "FAILED"
    check("/schedules/{schedule_id}", "get", 200, body)


async def test_run_now_while_the_previous_run_goes_is_a_conflict(
    api: Any, store: ScheduleStore, deployed: Production
) -> None:
    [schedule] = store.replace(deployed.product_root, deployed, [spec(YEARLY)])
    running = RunResult(
        run_id="run-running",
        pipeline="__pipeline__",
        status=RunStatus.RUNNING,
        product_root=deployed.product_root,
        created_at=utc_now(),
        source="scheduler",
    )
    store.runs.create_run(running)
    [firing] = store.claim([Claim(schedule.id, utc_now(), "started", kind="manual")])
    store.record([(firing.id, "started", "run-running", None)])
    status, body = await api("POST", "schedules", schedule.id, "run")
    assert status == 409, body
    assert "run-running has not ended" in body["message"]
    assert "naas-lab runs cancel run-running" in body["message"]
    check("/schedules/{schedule_id}/run", "post", 409, body)


async def test_run_now_needs_the_execute_permission(
    jp_serverapp: Any, api: Any, store: ScheduleStore, deployed: Production
) -> None:
    [schedule] = store.replace(deployed.product_root, deployed, [spec(YEARLY)])
    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized

    def is_authorized(handler: Any, user: Any, action: str, resource: str) -> bool:
        return action != "execute" and original(handler, user, action, resource)

    authorizer.is_authorized = is_authorized
    try:
        assert (await api("POST", "schedules", schedule.id, "run"))[0] == 403
        assert (await api("POST", "schedules", schedule.id, "pause"))[0] == 200
    finally:
        authorizer.is_authorized = original
    assert store.firings(schedule.id) == []


async def test_the_server_fires_a_due_schedule_declared_by_another_process(
    api: Any, jp_serverapp: Any, store: ScheduleStore, deployed: Production
) -> None:
    start_scheduler(jp_serverapp)
    # Given a schedule declared (by another process) a day ago, whose due time passed while
    # no scheduler ran, with catch_up="latest"
    [schedule] = store.replace(
        deployed.product_root,
        deployed,
        [spec("0 0 * * *", catch_up="latest")],
        now=utc_now() - timedelta(days=1),
    )
    # Then the server's scheduler picks it up and runs it at once
    deadline = time.monotonic() + 30
    while not store.firings(schedule.id):
        assert time.monotonic() < deadline, "the server's scheduler fired nothing"
        await asyncio.sleep(0.1)
    [firing] = store.firings(schedule.id)
    assert firing.outcome == "started" and firing.run_id
    run = await wait_run(api, firing.run_id)
    assert run["source"] == "scheduler" and run["deployment_id"] == "d-1"
    assert run["product"] == "sales"


async def test_the_scheduler_task_lives_with_the_extension(jp_serverapp: Any) -> None:
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    task = app.settings[handlers.SCHEDULER]
    assert isinstance(task, SchedulerTask) and not task.running
    assert app.schedules.store.runs is app.runs.store
    await app._start_jupyter_server_extension(jp_serverapp)
    assert task.running
    await app.template_sync.stop()  # started with it; not what this test is about
    await task.stop()
    assert not task.running and task.scheduler.stopped


class TestDisabled:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        return {**jp_server_config, "NaasLabExtApp": {"scheduler_enabled": False}}

    async def test_a_server_without_scheduler_still_serves_the_schedules(
        self, api: Any, jp_serverapp: Any, store: ScheduleStore, deployed: Production
    ) -> None:
        [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
        assert app.settings[handlers.SCHEDULER] is None
        await app._start_jupyter_server_extension(jp_serverapp)  # starts no scheduler
        [schedule] = store.replace(
            deployed.product_root,
            deployed,
            [spec("0 0 * * *", catch_up="latest")],
            now=utc_now() - timedelta(days=1),
        )
        status, body = await api("GET", "schedules")
        assert status == 200 and [s["id"] for s in body["schedules"]] == [schedule.id]
        await asyncio.sleep(0.5)
        assert store.firings(schedule.id) == []


@pytest.mark.kernel
async def test_a_scheduled_production_run_runs_the_frozen_pipeline(
    api: Any, jp_serverapp: Any, store: ScheduleStore, deployed: Production
) -> None:
    start_scheduler(jp_serverapp)
    # Given a deployment whose frozen pipeline is a real one
    pipeline_notebook(
        deployed.copy_root / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> DummyStep("Collect") >> DummyStep("Publish") >> '
        "End()\npipeline.run()",
    )
    [schedule] = store.replace(
        deployed.product_root,
        deployed,
        [spec("0 0 * * *", catch_up="latest")],
        now=utc_now() - timedelta(days=1),
    )
    deadline = time.monotonic() + 30
    while not store.firings(schedule.id):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    [firing] = store.firings(schedule.id)
    run = await wait_run(api, firing.run_id or "", timeout=120)
    assert run["status"] == "SUCCEEDED", run
    assert [s["name"] for s in run["steps"]] == ["Collect", "Publish"]
    _status, body = await api("GET", "schedules", schedule.id)
    assert body["last_run"]["status"] == "SUCCEEDED" and body["last_run"]["duration"] is not None
