"""Fixtures of the deploy tests: scaffolded products with a real pipeline, a deploy service on
a store of its own, pip kept off the network, and a local wheel to install."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from naas_lab_ext.deploy.records import Deployment
from naas_lab_ext.deploy.service import DeployService
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.scheduler.repository import ScheduleStore
from tests.notebooks import write_notebook

#: The line of the scaffolded setup.ipynb that enables the starter schedule, once uncommented.
STARTER = '# ("models/__pipeline__.ipynb", "0 8 * * *", "UTC"),'


@pytest.fixture(autouse=True)
def pip_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip never reaches the network in these tests: what is installed comes from the Lab's
    environment or from a wheel the test builds."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


def set_setup_code(product: Path, *cells: str) -> None:
    """Replace the code cells of the product's setup.ipynb (its title cell is kept)."""
    notebook = nbformat.read(product / "setup.ipynb", as_version=4)
    notebook.cells = [notebook.cells[0], *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(notebook, product / "setup.ipynb")


def enable_starter_schedule(product: Path) -> None:
    """The one obvious edit: remove the '# ' in front of the starter schedule."""
    setup = product / "setup.ipynb"
    notebook = nbformat.read(setup, as_version=4)
    edited = 0
    for cell in notebook.cells:
        if STARTER in cell.source:
            cell.source = cell.source.replace(STARTER, STARTER.removeprefix("# "))
            edited += 1
    assert edited == 1
    nbformat.write(notebook, setup)


def write_pipeline(product: Path, save_code: str | None = None) -> None:
    """A real pipeline: one notebook step that saves where it ran and from which deployment."""
    write_notebook(
        product / "models" / "save.ipynb",
        save_code
        or (
            "import os, sys\nfrom naas_data_product import save\n"
            "save(f\"{where} {os.environ.get('NAAS_DEPLOYMENT_ID')} {sys.prefix}\", "
            "'raw/where/where.txt')"
        ),
        parameters="where = 'frozen'",
    )
    write_notebook(
        product / "models" / "__pipeline__.ipynb",
        "from naas_data_product import End, NotebookStep, Pipeline",
        'pipeline = Pipeline()\npipeline >> NotebookStep("Save", "models/save.ipynb") >> End()',
        "result = pipeline.run()",
    )


def make_product(root: Path, name: str = "sales", *, git: bool = False) -> Path:
    """A scaffolded product with a real pipeline and its starter schedule enabled."""
    created = create_product(root, ProductSpec(name=name), framework_version="test", git=git)
    product = root / created.product.path
    write_pipeline(product)
    enable_starter_schedule(product)
    return product


def build_wheel(folder: Path, name: str = "naas_demo_dep", version: str = "1.0") -> Path:
    """A pure-Python wheel, written by hand (no build backend, no network)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VALUE = 'from the wheel {version}'\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The Jupyter root of the service tests (the REST tests use the server's ``root``)."""
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def deployments_dir(tmp_path: Path) -> Path:
    return tmp_path / "deployments"


@pytest.fixture
def deploys(workspace: Path, deployments_dir: Path, run_store_url: str) -> Iterator[DeployService]:
    """A deploy service on the test's own store (tests time out at 120 s a notebook)."""
    store = RunStore(run_store_url)
    runs = RunService(workspace, store)
    service = DeployService(
        workspace,
        runs,
        ScheduleStore(store),
        deployments_dir=deployments_dir,
        keep=5,
        test_timeout=120.0,
        setup_timeout=300.0,
    )
    try:
        yield service
    finally:
        service.shutdown()
        runs.shutdown()
        store.close()


def wait_deployment(service: DeployService, deployment_id: str, timeout: float = 180) -> Deployment:
    """Poll until the deployment has finished."""
    deadline = time.monotonic() + timeout
    while True:
        deployment = service.get(deployment_id)
        if deployment.status.finished:
            return deployment
        if time.monotonic() > deadline:
            raise TimeoutError(f"deployment {deployment_id} still {deployment.status.value}")
        time.sleep(0.1)


def outline(deployment: Deployment) -> list[tuple[str, str]]:
    """Each step's name and status."""
    return [(step.name, step.status.value) for step in deployment.steps]


def jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
