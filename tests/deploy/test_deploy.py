"""Deploys end to end, with real kernels, venvs and pip: what becomes active, what a failure
leaves alone, rollback, and the frozen copy that production runs."""

from __future__ import annotations

import importlib.util
import json
import site
import sys
import time
from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.core.errors import Conflict, NotFound
from naas_lab_ext.deploy.records import Deployment, DeploymentStatus, StepStatus
from naas_lab_ext.deploy.service import DeployService
from naas_lab_ext.outputs.store import OutputStore
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import wait_for_status
from tests.deploy.conftest import (
    build_wheel,
    make_product,
    outline,
    set_setup_code,
    wait_deployment,
    write_pipeline,
)
from tests.notebooks import write_notebook

pytestmark = pytest.mark.kernel

ALL_SUCCEEDED = [
    ("tests", "SUCCEEDED"),
    ("copy", "SUCCEEDED"),
    ("requirements", "SUCCEEDED"),
    ("setup", "SUCCEEDED"),
    ("schedules", "SUCCEEDED"),
]


def lab_packages() -> dict[str, list[str]]:
    """What the Lab's environment and the user's own site hold (must never change)."""
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    return {
        f: sorted(p.name for p in Path(f).iterdir()) if Path(f).is_dir() else [] for f in folders
    }


def schedules_of(deploys: DeployService, product: Path) -> list[tuple[str, str, str]]:
    return [(s.pipeline, s.cron, s.deployment_id) for s in deploys.schedules.for_product(product)]


def set_schedule(product: Path, cron: str) -> None:
    set_setup_code(
        product,
        "from naas_data_product import *",
        f'schedule("models/__pipeline__.ipynb", "{cron}")',
    )


def deploy(deploys: DeployService, product: str = "sales", **kw: bool) -> Deployment:
    return deploys.run(product, skip_tests=kw.get("skip_tests", True))


def test_a_scaffolded_product_deploys_end_to_end(
    deploys: DeployService, workspace: Path, deployments_dir: Path
) -> None:
    # Given a scaffolded product with a real pipeline, its starter schedule enabled (the one
    # edit), and a requirement the Lab already has
    product = make_product(workspace, git=True)
    (product / "requirements.txt").write_text("nbformat\n")
    before = lab_packages()
    steps: list[str] = []
    # When it is deployed
    deployment = deploys.run(
        "sales", on_step=lambda d, s: steps.append(f"{s.name} {s.status.value}")
    )
    # Then every step succeeded, shown as it went, and the deployment is active
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    assert outline(deployment) == ALL_SUCCEEDED
    assert steps[:2] == ["tests RUNNING", "tests SUCCEEDED"] and steps[-1] == "schedules SUCCEEDED"
    assert deployment.active and deployment.tests == "passed" and not deployment.skip_tests
    assert "2 passed" in (deployment.step("tests").message or "")
    assert deployment.commit is not None and len(deployment.commit) == 40
    assert deployment.requirements == ["nbformat"]
    # the production copy, its environment and its kernel live outside the product
    folder = deployment.folder
    assert deployments_dir in folder.parents and not folder.is_relative_to(workspace)
    assert (folder / "copy" / "models" / "__pipeline__.ipynb").is_file()
    assert not (folder / "copy" / "outputs").exists() and not (folder / "copy" / ".git").exists()
    spec = folder / "kernels" / str(deployment.kernel_name) / "kernel.json"
    argv = json.loads(spec.read_text())["argv"]
    assert argv[:3] == [str(folder / "venv" / "bin" / "python"), "-m", "ipykernel_launcher"]
    assert deployment.env["VIRTUAL_ENV"] == str(folder / "venv")
    assert deployment.env["PYTHONUSERBASE"] == str(folder / "userbase")
    # the executed setup notebook and the tests report are in the live product
    assert (
        deployment.setup_notebook
        == product / "outputs" / "deployments" / deployment.id / "setup.ipynb"
    )
    assert deployment.setup_notebook.is_file()
    assert deployment.report is not None and "2 passed" in deployment.report.read_text()
    assert "deployments" not in {d.split("/")[0] for d in OutputStore(product).datasets()}
    # the declared schedule is the product's, run from this deployment
    assert schedules_of(deploys, product) == [
        ("models/__pipeline__.ipynb", "0 8 * * *", deployment.id)
    ]
    assert deployment.schedules[0]["cron"] == "0 8 * * *"
    schedule = deploys.schedules.for_product(product)[0]
    assert schedule.production() == deployment.production()
    # and the Lab's environment (and the user's own site) did not change
    assert lab_packages() == before
    assert deploys.list("sales") == ([deployment], deployment.id)


def test_production_runs_the_frozen_copy_in_the_deployments_environment(
    deploys: DeployService, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a product whose notebook needs a package only a local wheel has
    wheels = tmp_path / "wheels"
    build_wheel(wheels)
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    product = make_product(workspace)
    write_pipeline(
        product,
        "import os, sys, naas_demo_dep\nfrom naas_data_product import save\n"
        "save(f\"{where} {naas_demo_dep.VALUE} {os.environ['NAAS_DEPLOYMENT_ID']} {sys.prefix}\","
        " 'raw/where/where.txt')",
    )
    (product / "requirements.txt").write_text("# from a local wheel\nnaas_demo_dep==1.0\n")
    before = lab_packages()
    deployment = deploy(deploys)
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    assert deployment.step("requirements").message == "installed naas_demo_dep==1.0"
    # The wheel went into the deployment's venv, not into the Lab's environment
    assert importlib.util.find_spec("naas_demo_dep") is None
    assert lab_packages() == before
    # When the notebook is edited after the deploy
    write_notebook(product / "models" / "save.ipynb", "raise RuntimeError('edited after deploy')")
    # and the scheduler starts the deployment's pipeline
    started = deploys.runs.start_production(deployment.production(), "models/__pipeline__.ipynb")
    run = wait_for_status(deploys.runs.store, started.run_id, timeout=120)
    # Then the frozen notebook ran, in the deployment's environment, for the live product
    assert run.status == RunStatus.SUCCEEDED, (run.error, [s.error for s in run.steps])
    assert run.source == "scheduler" and run.deployment_id == deployment.id
    assert run.product_root == product
    saved = [
        p for p in (product / "outputs/raw/where").glob("*/where.txt") if "latest" not in str(p)
    ]
    assert [p.read_text() for p in saved] == [
        f"frozen from the wheel 1.0 {deployment.id} {deployment.folder / 'venv'}"
    ]


def test_a_failing_product_test_blocks_the_deploy(deploys: DeployService, workspace: Path) -> None:
    # Given an active deployment
    product = make_product(workspace)
    first = deploy(deploys)
    assert first.status == DeploymentStatus.ACTIVE, first.error
    # When a product test fails, and a test notebook too
    (product / "tests" / "test_broken.py").write_text("def test_broken():\n    assert 1 == 2\n")
    write_notebook(product / "tests" / "check.ipynb", "assert False, 'the check failed'")
    set_schedule(product, "0 9 * * *")
    blocked = deploys.run("sales")
    # Then the deploy stops at the tests, with its report, and nothing else ran
    assert blocked.status == DeploymentStatus.FAILED
    assert outline(blocked) == [
        ("tests", "FAILED"),
        ("copy", "SKIPPED"),
        ("requirements", "SKIPPED"),
        ("setup", "SKIPPED"),
        ("schedules", "SKIPPED"),
    ]
    assert blocked.tests == "failed"
    assert (
        blocked.error is not None and "Product tests: the product's tests failed" in blocked.error
    )
    assert "1 failed, 2 passed" in blocked.error and "tests/check.ipynb" in blocked.error
    report = blocked.report
    assert report is not None and report.parent == product / "outputs/deployments" / blocked.id
    text = report.read_text()
    assert "test_broken" in text and "AssertionError: the check failed" in text
    assert (report.parent / "tests" / "check.ipynb").is_file()  # the executed test notebook
    assert not blocked.copy_root.exists()
    # and the previous deployment stays active with its schedules
    assert deploys.get(first.id).status == DeploymentStatus.ACTIVE
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 8 * * *", first.id)]
    # --skip-tests deploys anyway, and says so
    skipped = deploys.run("sales", skip_tests=True)
    assert skipped.status == DeploymentStatus.ACTIVE and skipped.tests == "skipped"
    assert skipped.step("tests").status == StepStatus.SKIPPED and skipped.skip_tests


def test_a_failing_setup_notebook_leaves_the_previous_deployment_active(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    first = deploy(deploys)
    set_setup_code(
        product,
        "from naas_data_product import *",
        'schedule("models/__pipeline__.ipynb", "0 9 * * *")',
        "raise ValueError('the API key is missing')",
    )
    failed = deploy(deploys)
    assert failed.status == DeploymentStatus.FAILED
    assert failed.step("setup").status == StepStatus.FAILED
    assert failed.step("schedules").status == StepStatus.SKIPPED
    assert failed.error is not None
    assert "setup.ipynb failed (cell 4): ValueError: the API key is missing" in failed.error
    # the executed notebook shows the failing cell
    assert failed.setup_notebook is not None and failed.setup_notebook.is_file()
    executed = nbformat.read(failed.setup_notebook, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    # the declared schedule of the failed deploy was never applied
    assert deploys.get(first.id).active
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 8 * * *", first.id)]


def test_a_failing_pip_install_leaves_the_previous_deployment_active(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    first = deploy(deploys)
    (product / "requirements.txt").write_text("naas-no-such-package==9.9\n")
    failed = deploy(deploys)
    assert failed.status == DeploymentStatus.FAILED
    assert failed.step("requirements").status == StepStatus.FAILED
    message = failed.step("requirements").message or ""
    # pip's own words
    assert message.startswith("pip could not install requirements.txt:")
    assert "ERROR: Could not find a version that satisfies the requirement" in message
    assert deploys.get(first.id).active
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 8 * * *", first.id)]


def test_rollback_reactivates_an_earlier_deployment_and_its_schedules(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    first = deploy(deploys)
    set_schedule(product, "0 9 * * *")
    second = deploy(deploys)
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 9 * * *", second.id)]
    assert deploys.get(first.id).status == DeploymentStatus.INACTIVE
    # The previous successful one is the first
    assert deploys.previous("sales").id == first.id
    # When it is re-activated
    again = deploys.activate(first.id)
    # Then it is active with its schedules, run from its own copy
    assert again.status == DeploymentStatus.ACTIVE
    assert deploys.get(second.id).status == DeploymentStatus.INACTIVE
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 8 * * *", first.id)]
    assert deploys.schedules.for_product(product)[0].production() == first.production()
    with pytest.raises(NotFound, match="no earlier successful deployment"):
        deploys.previous("sales")
    # A deployment that never succeeded cannot be re-activated
    (product / "requirements.txt").write_text("naas-no-such-package==9.9\n")
    failed = deploy(deploys)
    with pytest.raises(Conflict, match="never succeeded"):
        deploys.activate(failed.id)


def test_only_the_last_deployments_are_kept(deploys: DeployService, workspace: Path) -> None:
    product = make_product(workspace)
    deploys.keep = 2
    made = [deploy(deploys) for _ in range(3)]
    # The oldest is pruned: its folder deleted, its record kept
    oldest = deploys.get(made[0].id)
    assert oldest.pruned and not oldest.folder.exists()
    assert all(deploys.get(d.id).folder.exists() for d in made[1:])
    with pytest.raises(Conflict, match="its production copy was deleted"):
        deploys.activate(oldest.id)
    # The active one is never pruned, even when it is older than the last two
    deploys.activate(made[1].id)
    (product / "requirements.txt").write_text("naas-no-such-package==9.9\n")
    failed = [deploy(deploys) for _ in range(2)]
    assert all(d.status == DeploymentStatus.FAILED for d in failed)
    assert not deploys.get(made[1].id).pruned and deploys.get(made[1].id).active
    assert deploys.get(made[2].id).pruned


def test_two_deploys_of_one_product_at_once(deploys: DeployService, workspace: Path) -> None:
    make_product(workspace)
    make_product(workspace, "other")
    running = deploys.start("sales")  # with its tests: it runs a few seconds
    with pytest.raises(
        Conflict, match=f"A deploy of 'sales' is running \\(deployment {running.id}"
    ):
        deploys.start("sales")
    with pytest.raises(Conflict):
        deploys.run("sales")
    other = deploys.start("other", skip_tests=True)  # another product deploys meanwhile
    assert wait_deployment(deploys, running.id).status == DeploymentStatus.ACTIVE
    assert wait_deployment(deploys, other.id).status == DeploymentStatus.ACTIVE


def test_a_server_stop_ends_a_running_deploy_failed(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    first = deploy(deploys)
    write_notebook(product / "tests" / "slow.ipynb", "import time\ntime.sleep(60)")
    running = deploys.start("sales")
    while deploys.get(running.id).step("tests").status != StepStatus.RUNNING:
        time.sleep(0.05)
    deploys.shutdown()
    stopped = deploys.get(running.id)
    assert stopped.status == DeploymentStatus.FAILED
    assert stopped.error is not None and "The deploy was stopped" in stopped.error
    assert deploys.get(first.id).active  # nothing changed
    deploy(deploys)  # and the product is not left locked


def test_dependencies_are_copied_and_links_out_of_the_product_refused(
    deploys: DeployService, workspace: Path, tmp_path: Path
) -> None:
    product = make_product(workspace)
    (product / "assets" / "logo.png").write_bytes(b"png")
    (product / "assets" / "styles").mkdir()
    (product / "assets" / "styles" / "a.css").write_text("a {}")
    set_setup_code(
        product,
        "from naas_data_product import *",
        'dependency("assets/logo.png")\ndependency(f"{ROOT_PATH}/assets/styles")',
        "import os\n"
        "print(os.getcwd(), os.environ['NAAS_PRODUCT_OUTPUTS'], ROOT_PATH, OUTPUTS_PATH)",
    )
    deployment = deploy(deploys)
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    # setup.ipynb ran in the copy, writing into the live product's outputs
    assert deployment.setup_notebook is not None
    printed = nbformat.read(deployment.setup_notebook, as_version=4).cells[3].outputs[0]["text"]
    copy, outputs = deployment.copy_root, product / "outputs"
    assert printed.split() == [str(copy), str(outputs), str(copy), str(outputs)]
    assert deployment.dependencies == ["assets/logo.png", "assets/styles"]
    assert (deployment.copy_root / "assets" / "logo.png").read_bytes() == b"png"
    assert (deployment.copy_root / "assets" / "styles" / "a.css").is_file()
    assert schedules_of(deploys, product) == []  # nothing declared: no schedule
    # A dependency that is a link out of the product is refused
    secret = tmp_path / "secret.txt"
    secret.write_text("not for production")
    (product / "assets" / "link.txt").symlink_to(secret)
    set_setup_code(product, "from naas_data_product import *", 'dependency("assets/link.txt")')
    refused = deploy(deploys)
    assert refused.status == DeploymentStatus.FAILED
    assert refused.step("setup").status == StepStatus.FAILED
    assert "'assets/link.txt' leads outside the product" in (refused.error or "")
    assert not (refused.copy_root / "assets" / "link.txt").exists()
    assert deploys.get(deployment.id).active


def test_a_schedule_of_a_notebook_the_copy_lacks_is_refused(
    deploys: DeployService, workspace: Path
) -> None:
    product = make_product(workspace)
    # scheduled from the product's root folder: not part of the copy unless declared
    write_notebook(product / "adhoc.ipynb", "print('hi')")
    set_setup_code(
        product, "from naas_data_product import *", 'schedule("adhoc.ipynb", "0 8 * * *")'
    )
    refused = deploy(deploys)
    assert refused.status == DeploymentStatus.FAILED
    assert refused.step("schedules").status == StepStatus.FAILED
    assert "names a notebook the production copy does not have" in (refused.error or "")
    set_setup_code(
        product,
        "from naas_data_product import *",
        'dependency("adhoc.ipynb")\nschedule("adhoc.ipynb", "0 8 * * *")',
    )
    assert deploy(deploys).status == DeploymentStatus.ACTIVE


def test_a_deploy_interrupted_while_applying_schedules_is_undone_at_restart(
    deploys: DeployService, workspace: Path
) -> None:
    # Given an active deployment, and a later one whose process died right after it
    # replaced the schedules (before it became active)
    product = make_product(workspace)
    first = deploy(deploys)
    set_schedule(product, "0 9 * * *")
    second = deploy(deploys)
    with deploys.store.engine.begin() as conn:
        from sqlalchemy import update

        from naas_lab_ext.deploy.store import DeploymentRow

        conn.execute(
            update(DeploymentRow)
            .where(DeploymentRow.id == second.id)
            .values(status="RUNNING", pid=999_999_999)
        )
        conn.execute(
            update(DeploymentRow).where(DeploymentRow.id == first.id).values(status="ACTIVE")
        )
    # When the server starts again
    assert deploys.recover_interrupted() == [second.id]
    # Then it is FAILED and the schedules are the active deployment's again
    assert deploys.get(second.id).status == DeploymentStatus.FAILED
    assert schedules_of(deploys, product) == [("models/__pipeline__.ipynb", "0 8 * * *", first.id)]


def test_hostile_product_paths_are_refused(deploys: DeployService, workspace: Path) -> None:
    make_product(workspace)
    (workspace / "folder").mkdir()
    for bad, kind in [
        ("../sales", "InvalidInput"),
        ("/etc", "InvalidInput"),
        ("sa\x00les", "InvalidInput"),
        ("a" * 4096, "InvalidInput"),
        ("/".join(["a" * 200] * 30), "InvalidInput"),
        ("", "InvalidInput"),
        ("folder", "NotFound"),
        ("nothing", "NotFound"),
    ]:
        with pytest.raises(Exception) as caught:
            deploys.start(bad)
        assert type(caught.value).__name__ == kind, (bad[:20], caught.value)
    assert deploys.store.for_product(workspace / "sales") == []
    assert sys.modules.get("naas_demo_dep") is None
