"""The deploy's secrets check: every ``secret.get("X")`` without a default in the product's
notebooks must have a value, else the deploy fails naming them before anything is frozen; and
a production run (the frozen copy) reads the live product's secrets, masked in what it keeps."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.deploy.records import DeploymentStatus, StepStatus
from naas_lab_ext.deploy.service import DeployService
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import wait_for_status
from naas_lab_ext.secrets.scan import scan_code, scan_product
from naas_lab_ext.secrets.vault import open_vault
from tests.deploy.conftest import make_product, outline, write_pipeline
from tests.notebooks import write_notebook

VALUE = "prod-key-5b7e1d9c3a-never-kept"

USES = """
import naas_data_product as naas
from naas_data_product import secret as vault_api
key = naas.secret.get("API_KEY")
token = vault_api.get("CRM_TOKEN")
optional = naas.secret.get("OPTIONAL", "fallback")
also = naas.secret.get("OPTIONAL_TOO", default_value=None)
"""


def test_the_scan_finds_the_gets_without_a_default(workspace: Path) -> None:
    assert scan_code(USES) == ["API_KEY", "CRM_TOKEN"]
    assert scan_code(
        "%pip install x\n!ls\nfrom naas_data_product import secret\n"
        "secret.get('A')\nname='B'\nsecret.get(name)\nsecret.get('C', 'd')"
    ) == ["A"]
    assert scan_code("this is not python (") == []
    product = make_product(workspace)
    write_notebook(product / "models" / "deep" / "uses.ipynb", "x = 1", USES)
    write_notebook(product / "outputs" / "old.ipynb", "secret.get('NOT_OUTPUTS')")
    write_notebook(product / "models" / ".ipynb_checkpoints" / "c.ipynb", "secret.get('NO_CP')")
    write_notebook(product / "scratch.ipynb", "secret.get('NOT_DEPLOYED')")
    uses = [(u.name, u.notebook, u.cell) for u in scan_product(product)]
    assert uses == [
        ("API_KEY", "models/deep/uses.ipynb", 2),
        ("CRM_TOKEN", "models/deep/uses.ipynb", 2),
    ]


def test_a_missing_secret_fails_the_deploy_before_anything_is_frozen(
    deploys: DeployService, workspace: Path, deployments_dir: Path
) -> None:
    # Given a product whose notebooks need two secrets, one of which is set (the user's)
    product = make_product(workspace)
    write_notebook(product / "models" / "uses.ipynb", USES)
    open_vault().set("CRM_TOKEN", VALUE)
    # When it is deployed
    deployment = deploys.run("sales", skip_tests=False)
    # Then it failed naming the missing one, and no step ran
    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error == (
        "Missing secrets: API_KEY. Add them in the Manager's Secrets tab or with "
        "`naas-lab secrets set API_KEY`."
    )
    assert {status for _, status in outline(deployment)} == {StepStatus.SKIPPED.value}
    assert not deployment.copy_root.exists() and not deployment.folder.exists()
    assert not list(deployments_dir.rglob("*.ipynb"))
    assert deploys.schedules.for_product(product) == []
    assert deploys.store.active(product) is None
    [failed] = EventStore(deploys.runs.store.db).page(kinds=["deploy.failed"]).events
    assert "Missing secrets: API_KEY." in failed.message
    assert VALUE not in failed.message


def test_two_missing_secrets_are_both_named(deploys: DeployService, workspace: Path) -> None:
    product = make_product(workspace)
    write_notebook(product / "models" / "uses.ipynb", USES)
    deployment = deploys.run("sales", skip_tests=True)
    assert deployment.error is not None
    assert deployment.error.startswith("Missing secrets: API_KEY, CRM_TOKEN. Add them")


@pytest.mark.kernel
def test_with_its_secrets_set_it_deploys_and_production_reads_the_live_products(
    deploys: DeployService, workspace: Path
) -> None:
    # Given the secret the pipeline needs, set for the live product
    product = make_product(workspace)
    write_pipeline(
        product,
        "from naas_data_product import save, secret\n"
        "value = secret.get('API_KEY')\nprint('using', value)\n"
        "save(str(len(value)), 'raw/where/where.txt')",
    )
    open_vault().set("API_KEY", VALUE, product=product)
    # When it is deployed and its production pipeline runs (from the frozen copy)
    deployment = deploys.run("sales", skip_tests=True)
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    started = deploys.runs.start_production(deployment.production(), "models/__pipeline__.ipynb")
    run = wait_for_status(deploys.runs.store, started.run_id, timeout=120)
    # Then the step read the live product's secret, and printed it masked
    assert run.status == RunStatus.SUCCEEDED, [s.error for s in run.steps]
    saved = [
        p for p in (product / "outputs/raw/where").glob("*/where.txt") if "latest" not in str(p)
    ]
    assert [p.read_text() for p in saved] == [str(len(VALUE))]
    [step] = [s for s in run.steps if s.output_path is not None]
    executed = nbformat.read(step.output_path, as_version=4)  # type: ignore[arg-type]
    assert "using ***" in str([c.get("outputs") for c in executed.cells])
    assert VALUE not in step.output_path.read_text()  # type: ignore[union-attr]
