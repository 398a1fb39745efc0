"""A Naas user's setup.ipynb (the data-product-framework's) deploys unchanged, once its
``import naas`` reads ``import naas_data_product as naas``."""

from __future__ import annotations

import site
from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.deploy.records import DeploymentStatus
from naas_lab_ext.deploy.service import DeployService
from tests.deploy.conftest import build_wheel, make_product, outline, set_setup_code
from tests.notebooks import write_notebook

pytestmark = pytest.mark.kernel

#: The code cells of the original setup.ipynb, as Naas users bring it.
NAAS_CELLS = [
    '!pip install --user --upgrade -r "requirements.txt"',
    "import naas_data_product as naas\nimport glob\nfrom naas_data_product import *",
    'pipeline_path = f"{MODELS_PATH}/basic/__pipeline__.ipynb"\n'
    'cron = "0 8 * * *"\n'
    "force_update = False\n"
    "list_secrets_name = []",
    "setup_secrets_from_list(list_secrets_name, force_update)",
    '# utils = glob.glob(f"{UTILS_PATH}/*.ipynb", recursive=True)',
    "# for dependency in dependencies:\n#     naas.dependency.add(dependency)",
    "naas.scheduler.add(pipeline_path, cron=cron)",
]


def naas_product(workspace: Path, wheels: Path) -> Path:
    """A product laid out as a Naas one: models/basic/__pipeline__.ipynb, a utils notebook
    with setup_secrets_from_list, requirements from a local wheel."""
    product = make_product(workspace)
    (product / "models" / "__pipeline__.ipynb").rename(
        (product / "models" / "basic").mkdir()
        or product / "models" / "basic" / "__pipeline__.ipynb"
    )
    write_notebook(
        product / "utils" / "secrets.ipynb",
        "def setup_secrets_from_list(names, force_update=False):\n"
        "    '''Stores the secrets named (none in this test).'''\n"
        "    return None",
    )
    build_wheel(wheels)
    (product / "requirements.txt").write_text("naas_demo_dep\n")
    return product


@pytest.mark.parametrize("utils_uncommented", [False, True])
def test_the_original_naas_setup_deploys(
    deploys: DeployService,
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    utils_uncommented: bool,
) -> None:
    # Given a Naas product and its setup.ipynb, `import naas` changed to
    # `import naas_data_product as naas`
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "wheels"))
    product = naas_product(workspace, tmp_path / "wheels")
    cells = list(NAAS_CELLS)
    if utils_uncommented:
        cells[4] = 'utils = glob.glob(f"{UTILS_PATH}/*.ipynb", recursive=True)'
        cells[5] = "for dependency in utils:\n    naas.dependency.add(dependency)"
    set_setup_code(product, *cells)
    user_site = Path(site.getusersitepackages())
    before = sorted(user_site.iterdir()) if user_site.is_dir() else None
    # When it is deployed
    deployment = deploys.run("sales", skip_tests=True)
    # Then it is active with the declared schedule
    assert deployment.status == DeploymentStatus.ACTIVE, deployment.error
    assert [status for _, status in outline(deployment)][1:] == ["SUCCEEDED"] * 4
    assert [(s["pipeline"], s["cron"]) for s in deployment.schedules] == [
        ("models/basic/__pipeline__.ipynb", "0 8 * * *")
    ]
    schedules = deploys.schedules.for_product(product)
    assert [(s.pipeline, s.deployment_id) for s in schedules] == [
        ("models/basic/__pipeline__.ipynb", deployment.id)
    ]
    assert deployment.dependencies == (["utils/secrets.ipynb"] if utils_uncommented else [])
    # and `pip install --user` worked, inside the deployment, not in the user's own site
    assert deployment.setup_notebook is not None
    executed = nbformat.read(deployment.setup_notebook, as_version=4)
    pip_output = "".join(o.get("text", "") for o in executed.cells[1].get("outputs", []))
    assert "naas_demo_dep" in pip_output, pip_output
    assert "ERROR" not in pip_output, pip_output
    assert (sorted(user_site.iterdir()) if user_site.is_dir() else None) == before
