"""Production runs: a deployment's frozen copy runs, recorded against the live product, and
what it saves lands in the live product's outputs."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore, wait_for_status
from tests.notebooks import make_product, pipeline_notebook, write_notebook

pytestmark = pytest.mark.kernel


def a_kernel(folder: Path) -> Path:
    """A kernelspec of its own (as a deployment has), outside Jupyter's kernel folders."""
    spec = folder / "kernels" / "naas-prod-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Production test", "language": "python"})
    )
    return folder / "kernels"


def run_production(root: Path, production: Production, run_store_url: str) -> RunResult:
    """Start the deployment's ``models/__pipeline__.ipynb`` as the scheduler does; its end."""
    service = RunService(root, RunStore(run_store_url))
    try:
        started = service.start_production(production, "models/__pipeline__.ipynb")
        return wait_for_status(service.store, started.run_id, timeout=120)
    finally:
        service.shutdown()
        service.store.close()


def test_the_frozen_copy_runs_and_writes_into_the_live_product(
    tmp_path: Path, run_store_url: str
) -> None:
    # Given a live product, and a frozen copy of it taken before its notebook was edited
    root = tmp_path / "root"
    live = make_product(root, "sales")
    write_notebook(
        live / "models" / "save.ipynb",
        "import os\nfrom naas_data_product import save\n"
        "save(f\"{where} {os.environ['NAAS_DEPLOYMENT_ID']}\", 'raw/where/where.txt')",
        parameters="where = 'frozen'",
    )
    pipeline_notebook(
        live / "models" / "__pipeline__.ipynb",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Save", "models/save.ipynb") >> End()\n'
        "pipeline.run()",
    )
    copy = tmp_path / "deployments" / "d-1"
    shutil.copytree(live, copy)
    write_notebook(live / "models" / "save.ipynb", "raise RuntimeError('edited after deploy')")
    kernels = a_kernel(tmp_path)
    production = Production(
        deployment_id="d-1",
        copy_root=copy,
        product_root=live,
        kernel_name="naas-prod-test",
        kernel_dirs=(kernels,),
        env={"NAAS_TEST_MARK": "production"},
    )
    # When the scheduler starts the deployment's pipeline
    run = run_production(root, production, run_store_url)
    # Then the frozen notebook ran (not the edited one), recorded against the live product
    assert run.status == RunStatus.SUCCEEDED, (run.error, [s.error for s in run.steps])
    assert run.source == "scheduler" and run.deployment_id == "d-1"
    assert run.product_root == live
    assert run.output_dir is not None and live in run.output_dir.parents
    assert run.to_json(relative_to=root)["product"] == "sales"
    # and what it saved is in the live product's outputs, not the copy's
    dataset = live / "outputs" / "raw" / "where"
    versions = [p for p in dataset.glob("*/where.txt") if p.parent.name != "latest"]
    assert [p.read_text() for p in versions] == ["frozen d-1"]
    assert not (copy / "outputs" / "raw").exists()
