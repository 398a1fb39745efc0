"""The events of real deploys: started, succeeded (with the schedules it created or changed),
failed (at which step, why), rolled back; and a production run run again from its deployment."""

from __future__ import annotations

from pathlib import Path

import pytest

from naas_lab_ext.core.errors import Conflict
from naas_lab_ext.deploy.records import DeploymentStatus
from naas_lab_ext.deploy.service import DeployService
from naas_lab_ext.events.store import Event, EventFilter, EventStore
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import wait_for_status
from tests.deploy.conftest import make_product, set_setup_code

pytestmark = pytest.mark.kernel


def news(deploys: DeployService, after: int) -> list[Event]:
    """The deployment and schedule events after the event ``after``, oldest first."""
    events = EventStore(deploys.runs.store.db)
    return [e for e in events.tail(after).events if e.subject_type in ("deployment", "schedule")]


def mark(deploys: DeployService) -> int:
    return EventStore(deploys.runs.store.db).last_id()


def set_schedule(product: Path, cron: str) -> None:
    set_setup_code(
        product,
        "from naas_data_product import *",
        f'schedule("models/__pipeline__.ipynb", "{cron}")',
    )


def test_a_deploy_tells_its_start_its_schedules_and_its_end(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    # A first deploy: started, the starter schedule created, succeeded
    first = deploys.run("sales", skip_tests=True)
    assert first.status == DeploymentStatus.ACTIVE, first.error
    started, created, succeeded = news(deploys, 0)
    assert started.kind == "deploy.started" and started.subject_id == first.id
    assert started.message == f"Deploy of 'sales' started: deployment {first.id} (tests skipped)"
    assert created.kind == "schedule.created" and created.details["deployment_id"] == first.id
    assert succeeded.kind == "deploy.succeeded" and succeeded.level.value == "info"
    assert succeeded.message == (
        f"Deploy of 'sales' succeeded: deployment {first.id} is active with 1 schedule"
    )
    assert succeeded.product_root == product and succeeded.details["duration"] > 0
    assert "env" not in succeeded.details  # the deployment's environment is not news
    # A second deploy at another hour: the schedule changed
    set_schedule(product, "0 9 * * *")
    since = mark(deploys)
    second = deploys.run("sales", skip_tests=True)
    assert second.status == DeploymentStatus.ACTIVE, second.error
    assert [e.kind for e in news(deploys, since)] == [
        "deploy.started",
        "schedule.changed",
        "deploy.succeeded",
    ]
    assert news(deploys, since)[2].details["previous_deployment_id"] == first.id
    # A rollback to the first
    since = mark(deploys)
    deploys.activate(first.id)
    changed, rolled = news(deploys, since)
    assert changed.kind == "schedule.changed" and "every day at 08:00" in changed.message
    assert (rolled.kind, rolled.level.value) == ("deploy.rolled_back", "warning")
    assert rolled.message == f"'sales' rolled back to deployment {first.id} (was {second.id})"
    # A deploy whose product tests fail: failed, at that step, with the reason
    (product / "tests" / "test_broken.py").write_text("def test_broken():\n    assert 1 == 2\n")
    since = mark(deploys)
    blocked = deploys.run("sales")
    assert blocked.status == DeploymentStatus.FAILED
    started, failed = news(deploys, since)
    assert (failed.kind, failed.level.value) == ("deploy.failed", "error")
    assert failed.message.startswith(
        "Deploy of 'sales' failed at Product tests: the product's tests failed (pytest: 1 failed"
    )
    assert failed.details["step"] == "tests" and failed.details["tests"] == "failed"
    assert failed.details["error"] == blocked.error
    # and the whole story is in the product's log, newest first
    page = EventStore(deploys.runs.store.db).page(
        filters=EventFilter(product_root=product, subject_type="deployment")
    )
    assert [e.kind for e in page.events][:2] == ["deploy.failed", "deploy.started"]


def test_a_production_run_runs_again_from_its_deployment(
    deploys: DeployService, workspace: Path
) -> None:
    make_product(workspace)
    deployment = deploys.run("sales", skip_tests=True)
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    runs = deploys.runs
    runs.production_of = deploys.production  # as the app wires it
    first = runs.start_production(
        deployment.production(), "models/__pipeline__.ipynb", {"where": "first"}
    )
    done = wait_for_status(runs.store, first.run_id, timeout=120)
    assert done.status == RunStatus.SUCCEEDED, done.error
    # When it is run again
    again = runs.rerun(first.run_id)
    # Then the same deployment's copy runs with the same parameters
    rerun = wait_for_status(runs.store, again.run_id, timeout=120)
    assert rerun.status == RunStatus.SUCCEEDED, rerun.error
    assert rerun.deployment_id == deployment.id and rerun.parameters == {"where": "first"}
    assert rerun.source == "api" and rerun.run_id != first.run_id
    # Once the deployment's copy is pruned, a re-run says what to do instead
    deploys.store.mark_pruned([deployment.id])
    with pytest.raises(Conflict, match="production copy was deleted") as refused:
        runs.rerun(first.run_id)
    assert "run the product's schedule now" in refused.value.message
