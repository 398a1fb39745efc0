"""The deployments store: one deploy per product at a time (also across processes), dead
holders taken over, interrupted deployments marked FAILED, what is kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import Conflict
from naas_lab_ext.deploy.records import Deployment, DeploymentStatus, StepStatus
from naas_lab_ext.deploy.store import DeployLockRow, DeploymentRow, DeploymentStore
from naas_lab_ext.pipelines.store.repository import RunStore


@pytest.fixture
def store(run_store_url: str) -> DeploymentStore:
    return DeploymentStore(RunStore(run_store_url))


def deployment(tmp_path: Path, name: str, product: str = "sales") -> Deployment:
    return Deployment(id=name, product_root=tmp_path / product, folder=tmp_path / "d" / name)


def as_dead_process(store: DeploymentStore, deployment_id: str) -> None:
    """Make a deployment and its lock look owned by a process that is gone."""
    with store.engine.begin() as conn:
        conn.execute(
            update(DeploymentRow).where(DeploymentRow.id == deployment_id).values(pid=999_999_999)
        )
        conn.execute(
            update(DeployLockRow)
            .where(DeployLockRow.holder == deployment_id)
            .values(pid=999_999_999)
        )


def test_one_deploy_per_product_at_a_time(store: DeploymentStore, tmp_path: Path) -> None:
    store.begin(deployment(tmp_path, "d-1"))
    # A second deploy of the same product is refused, saying which one runs
    with pytest.raises(Conflict, match=r"A deploy of 'sales' is running \(deployment d-1"):
        store.begin(deployment(tmp_path, "d-2"))
    # and so is a rollback of it
    with pytest.raises(Conflict, match="wait for it to end, then roll back again"):
        store.lock(tmp_path / "sales", "d-0")
    # Another product deploys meanwhile
    store.begin(deployment(tmp_path, "o-1", product="other"))
    # Once the first ends, the product can be deployed again
    store.unlock(tmp_path / "sales", "d-1")
    store.begin(deployment(tmp_path, "d-3"))
    assert [d.id for d in store.for_product(tmp_path / "sales")] == ["d-3", "d-1"]


def test_the_lock_holds_across_processes(
    store: DeploymentStore, tmp_path: Path, run_store_url: str
) -> None:
    # Given a deploy of 'sales' started by another process, still alive
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from naas_lab_ext.deploy.records import Deployment
        from naas_lab_ext.deploy.store import DeploymentStore
        from naas_lab_ext.pipelines.store.repository import RunStore
        store = DeploymentStore(RunStore({run_store_url!r}))
        product = Path({str(tmp_path / "sales")!r})
        store.begin(Deployment(id="p-1", product_root=product, folder=product / "d"))
        print("locked", flush=True)
        sys.stdin.readline()
        """
    )
    other = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "locked"
        # When this process deploys the same product, Then it is refused
        with pytest.raises(Conflict, match=r"deployment p-1"):
            store.begin(deployment(tmp_path, "d-1"))
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait(30)
    # When that process is gone (it never unlocked), its lock is taken over
    store.begin(deployment(tmp_path, "d-2"))


def test_an_interrupted_deployment_is_marked_failed(store: DeploymentStore, tmp_path: Path) -> None:
    # Given a deployment left RUNNING in its setup step by a process that died
    running = deployment(tmp_path, "d-1")
    store.begin(running)
    running.status, running.started_at = DeploymentStatus.RUNNING, utc_now()
    for step in running.steps[:3]:
        step.begin()
        step.end(StepStatus.SUCCEEDED)
    running.step("setup").begin()
    store.save(running)
    as_dead_process(store, "d-1")
    # and one of a live process
    store.begin(deployment(tmp_path, "o-1", product="other"))
    # When the store recovers
    recovered = store.recover_interrupted()
    # Then the dead one is FAILED, saying where it stopped; its lock is gone; the live one runs
    assert [d.id for d in recovered] == ["d-1"]
    failed = store.get("d-1")
    assert failed.status == DeploymentStatus.FAILED
    assert failed.error is not None and "stopped during its step 'setup.ipynb'" in failed.error
    assert "the previous deployment stayed active" in failed.error
    assert failed.step("setup").status == StepStatus.FAILED
    assert store.get("o-1").status == DeploymentStatus.PENDING
    store.begin(deployment(tmp_path, "d-2"))  # the product is free again


def test_a_lock_of_another_host_is_dead_once_its_heartbeat_is_old(
    store: DeploymentStore, tmp_path: Path
) -> None:
    store.begin(deployment(tmp_path, "d-1"))
    with store.engine.begin() as conn:
        conn.execute(update(DeployLockRow).values(host="another-host"))
    with pytest.raises(Conflict):
        store.begin(deployment(tmp_path, "d-2"))  # a recent heartbeat: alive
    with store.engine.begin() as conn:
        old = utc_now() - timedelta(minutes=10)
        conn.execute(update(DeployLockRow).values(heartbeat_at=old))
    store.begin(deployment(tmp_path, "d-3"))


def test_activation_swaps_the_active_deployment_and_keeps_the_newest(
    store: DeploymentStore, tmp_path: Path
) -> None:
    product = tmp_path / "sales"
    made = []
    for number in range(4):
        d = deployment(tmp_path, f"d-{number}")
        d.created_at = utc_now() + timedelta(seconds=number)
        store.begin(d)
        d.status = DeploymentStatus.FAILED if number == 2 else DeploymentStatus.RUNNING
        store.save(d)
        if number != 2:
            store.activate(d)
        store.unlock(product, d.id)
        made.append(d)
    statuses = {d.id: d.status for d in store.for_product(product)}
    assert statuses == {
        "d-0": DeploymentStatus.INACTIVE,
        "d-1": DeploymentStatus.INACTIVE,
        "d-2": DeploymentStatus.FAILED,
        "d-3": DeploymentStatus.ACTIVE,
    }
    # Re-activating an older one: the active one becomes INACTIVE
    store.activate(store.get("d-0"))
    assert store.active(product) is not None and store.active(product).id == "d-0"  # type: ignore[union-attr]
    assert store.get("d-3").status == DeploymentStatus.INACTIVE
    # Beyond the newest 2, the finished ones are prunable, never the active one
    assert [d.id for d in store.prunable(product, 2)] == ["d-1"]
    store.mark_pruned(["d-1"])
    assert store.prunable(product, 2) == [] and store.get("d-1").pruned
