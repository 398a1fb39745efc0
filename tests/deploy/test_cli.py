"""``naas-lab deploy``, ``rollback`` and ``deployments`` in real processes: live step lines,
exit codes, one deploy per product across processes, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naas_lab_ext.deploy.records import DeploymentStatus, StepStatus
from naas_lab_ext.deploy.store import DeploymentStore
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.deploy.conftest import make_product, set_setup_code
from tests.notebooks import write_notebook

pytestmark = pytest.mark.kernel


class NaasLab:
    """``naas-lab <args>`` on the test's root, store and deployments folder."""

    def __init__(self, root: Path, deployments: Path, db_url: str) -> None:
        self.root, self.deployments, self.db_url = root, deployments, db_url

    def command(self, *args: str) -> list[str]:
        options = ["--db-url", self.db_url, "--deployments-dir", str(self.deployments)]
        return [sys.executable, "-m", "naas_lab_ext.cli", "--root", str(self.root), *args, *options]

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=300, env=os.environ.copy()
        )


@pytest.fixture
def naas_lab(workspace: Path, deployments_dir: Path, run_store_url: str) -> NaasLab:
    return NaasLab(workspace, deployments_dir, run_store_url)


def test_deploy_prints_each_step_and_exits_0_when_active(
    naas_lab: NaasLab, workspace: Path
) -> None:
    make_product(workspace)
    done = naas_lab("deploy", "sales")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Deploying sales (deployment ")
    statuses = [line.split()[0] for line in lines[1:11]]
    assert statuses == ["RUNNING", "SUCCEEDED"] * 5
    titles = [" ".join(line.split()[1:3]) for line in lines[1:11:2]]
    assert titles == [
        "Product tests",
        "Production copy",
        "Requirements",
        "setup.ipynb",
        "Schedules",
    ]
    assert lines[11].startswith("Deployment ") and ": ACTIVE in " in lines[11]
    assert "  schedules: models/__pipeline__.ipynb every day at 08:00 (UTC)" in lines
    assert any(
        line.startswith("  executed setup notebook: sales/outputs/deployments/") for line in lines
    )
    # --json: the deployment on stdout, the live steps on stderr
    done = naas_lab("deploy", str(workspace / "sales"), "--skip-tests", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["status"] == "ACTIVE" and shown["tests"] == "skipped"
    assert "SKIPPED   Product tests: skipped (--skip-tests)" in done.stderr
    # the list, newest first, the active one marked
    listed = naas_lab("deployments", "sales")
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0].startswith(f"* {shown['id']}\tACTIVE")
    assert "INACTIVE" in listed.stdout.splitlines()[1]
    page = json.loads(naas_lab("deployments", "sales", "--json").stdout)
    assert page["active"] == shown["id"] and len(page["deployments"]) == 2
    # rollback: back to the previous one, then nothing earlier to go back to
    back = naas_lab("rollback", "sales")
    assert back.returncode == 0, back.stderr
    first = page["deployments"][1]["id"]
    assert back.stdout.startswith(f"Deployment {first} of sales (deployed ")
    assert "is active again, with its 1 schedule(s)." in back.stdout
    assert json.loads(naas_lab("deployments", "sales", "--json").stdout)["active"] == first
    nothing = naas_lab("rollback", "sales")
    assert nothing.returncode == 3 and "no earlier successful deployment" in nothing.stderr
    # rollback to a named one, of this product only
    assert naas_lab("rollback", "sales", shown["id"]).returncode == 0
    make_product(workspace, "other")
    wrong = naas_lab("rollback", "other", shown["id"])
    assert wrong.returncode == 2 and "is not a deployment of 'other'" in wrong.stderr


def test_exit_codes_of_failures(naas_lab: NaasLab, workspace: Path) -> None:
    product = make_product(workspace)
    set_setup_code(product, "raise RuntimeError('no credentials here')")
    failed = naas_lab("deploy", "sales", "--skip-tests")
    assert failed.returncode == 6
    assert "FAILED    setup.ipynb" in failed.stdout
    assert "RuntimeError: no credentials here" in failed.stdout
    assert "the previous deployment (if any) stays active" in failed.stdout
    missing = naas_lab("deploy", "nothing")
    assert missing.returncode == 3 and "'nothing' is not a data product" in missing.stderr
    bad = naas_lab("deploy", "../sales")
    assert bad.returncode == 2 and "goes up with '..'" in bad.stderr
    assert naas_lab("deployments", "nothing").returncode == 3


def test_one_deploy_per_product_across_processes_and_ctrl_c(
    naas_lab: NaasLab, workspace: Path, run_store_url: str
) -> None:
    # Given a deploy running in one process (a slow test notebook keeps it busy)
    product = make_product(workspace)
    write_notebook(product / "tests" / "slow.ipynb", "import time\ntime.sleep(120)")
    first = subprocess.Popen(
        naas_lab.command("deploy", "sales"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = DeploymentStore(RunStore(run_store_url))
    try:
        deadline = time.monotonic() + 120
        while True:
            listed = store.for_product(product.resolve())
            if listed and listed[0].step("tests").status == StepStatus.RUNNING:
                break
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        # When another process deploys the same product, Then it exits 4 saying why
        second = naas_lab("deploy", "sales", "--skip-tests")
        assert second.returncode == 4
        assert f"A deploy of 'sales' is running (deployment {listed[0].id}" in second.stderr
        # When the first is interrupted (Ctrl-C), Then it ends FAILED, not stuck RUNNING
        first.send_signal(signal.SIGINT)
        out, _ = first.communicate(timeout=120)
        assert first.returncode == 6, out
        assert "Stopping the deploy" in out and "The deploy was stopped" in out
        stopped = store.get(listed[0].id)
        assert stopped.status == DeploymentStatus.FAILED
    finally:
        if first.poll() is None:
            first.kill()
    # and the product can be deployed again
    assert naas_lab("deploy", "sales", "--skip-tests").returncode == 0
