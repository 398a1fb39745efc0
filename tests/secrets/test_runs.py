"""Secrets in real kernels and pipeline runs: add/get/delete/list from a kernel and from a
pipeline step (Naas spelling too), values masked as ``***`` in what a step prints and raises,
and absent from executed notebooks, run records and events; never a papermill parameter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.results import RunResult, RunStatus, StepStatus
from naas_lab_ext.pipelines.runner import PipelineRun
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.secrets.vault import Vault
from tests.notebooks import make_product, write_notebook
from tests.secrets.conftest import SECRET_VALUE, all_text_under

pytestmark = pytest.mark.kernel

PRINTS = """
from naas_data_product import secret
value = secret.get("API_KEY")
print("the key is", value)
import sys; print(f"on stderr: {value}", file=sys.stderr)
from IPython.display import display, HTML
display(HTML(f"<b>{value}</b>"))
"""
RAISES = """
import naas_data_product as naas
raise ValueError(f"the API refused {naas.secret.get('API_KEY')}")
"""


@pytest.fixture
def store(run_store_url: str) -> Iterator[RunStore]:
    db = RunStore(run_store_url)
    yield db
    db.close()


@pytest.fixture
def product(tmp_path: Path) -> Path:
    return make_product(tmp_path / "work")


def run(product: Path, store: RunStore, *notebooks: str, **kw: Any) -> RunResult:
    pipeline = Pipeline("daily", root=product)
    steps = [NotebookStep(Path(n).stem, n) for n in notebooks]
    chain: Any = pipeline
    for step in steps:
        chain = chain >> step
    return pipeline.run(progress=False, store=store, raise_on_failure=False, **kw)


def everything_kept(product: Path, store: RunStore, result: RunResult) -> str:
    """The executed notebooks, the run record and every event, as text."""
    record = store.get_run(result.run_id).to_json()
    events = [e.to_json() for e in EventStore(store.db).page(limit=500).events]
    return "\n".join([all_text_under(product / "outputs"), json.dumps(record), json.dumps(events)])


def outputs_of(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return json.dumps([cell.get("outputs", []) for cell in notebook.cells])


def test_a_step_that_prints_and_raises_a_secret_shows_it_masked(
    product: Path, store: RunStore, vault: Vault
) -> None:
    # Given a product's secret and a user's of the same name (the product's wins)
    vault.set("API_KEY", "user-value-never-used")
    vault.set("API_KEY", SECRET_VALUE, product=product)
    write_notebook(product / "models" / "prints.ipynb", PRINTS)
    write_notebook(product / "models" / "raises.ipynb", RAISES)
    # When a pipeline runs a step that prints it, then one that raises with it
    result = run(product, store, "models/prints.ipynb", "models/raises.ipynb")
    # Then the run failed at the raising step, whose error shows *** in place of the value
    assert result.status == RunStatus.FAILED
    printing, raising = result.steps
    assert printing.status == StepStatus.SUCCEEDED
    assert raising.status == StepStatus.FAILED and raising.error is not None
    assert raising.error.message == "the API refused ***"
    assert "the API refused ***" in raising.error.traceback
    # The executed copies show *** where the value was printed, on stdout, stderr, in HTML
    shown = outputs_of(printing.output_path)  # type: ignore[arg-type]
    assert "the key is ***" in shown and "on stderr: ***" in shown and "<b>***</b>" in shown
    assert "the API refused ***" in outputs_of(raising.output_path)  # type: ignore[arg-type]
    # And the value is nowhere: executed notebooks, run record, events
    kept = everything_kept(product, store, result)
    assert SECRET_VALUE not in kept
    assert "user-value-never-used" not in kept


def test_the_kernel_masks_on_its_own(
    product: Path, store: RunStore, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the engine's own masking turned off: only the kernel's is left
    monkeypatch.setattr(
        PipelineRun,
        "_secrets_masker",
        lambda self: __import__("naas_lab_ext.secrets.masking", fromlist=["Masker"]).Masker(),
    )
    vault.set("API_KEY", SECRET_VALUE)
    write_notebook(product / "models" / "prints.ipynb", PRINTS, "value")
    write_notebook(product / "models" / "raises.ipynb", RAISES)
    result = run(product, store, "models/prints.ipynb", "models/raises.ipynb")
    # Then what the kernel printed, displayed, returned and raised is masked all the same
    shown = outputs_of(result.steps[0].output_path)  # type: ignore[arg-type]
    assert "the key is ***" in shown and "'***'" in shown
    assert result.steps[1].error is not None
    assert result.steps[1].error.message == "the API refused ***"
    assert SECRET_VALUE not in everything_kept(product, store, result)


def test_the_engine_masks_what_the_kernel_did_not_know(
    product: Path, store: RunStore, vault: Vault
) -> None:
    # Given a step that prints the value without get() (the kernel cannot know it)
    vault.set("API_KEY", SECRET_VALUE, product=product)
    half = len(SECRET_VALUE) // 2
    write_notebook(
        product / "models" / "leaks.ipynb",
        f"print({SECRET_VALUE[:half]!r} + {SECRET_VALUE[half:]!r})",
        f"raise RuntimeError({SECRET_VALUE[:half]!r} + {SECRET_VALUE[half:]!r})",
    )
    result = run(product, store, "models/leaks.ipynb")
    # Then the engine masked it in the executed copy and the error before keeping them
    (step,) = result.steps
    assert step.error is not None and step.error.message == "***"
    assert "***" in outputs_of(step.output_path)  # type: ignore[arg-type]
    assert SECRET_VALUE not in everything_kept(product, store, result)


STEP_API = """
import json, naas_data_product as naas
from naas_data_product import secret
first = naas.secret.add("ADDED", "added-in-a-step-0001")
mine = secret.add("PRODUCT_ONE", "product-value-0002", product=True)
got = [secret.get("ADDED"), secret.get("PRODUCT_ONE"), secret.get("NOPE", "fallback"),
       naas.secret.get("NOPE")]
listed = secret.list()
gone = [secret.delete("ADDED"), secret.delete("ADDED")]
print(json.dumps({"first": first, "mine": mine, "got": got, "listed": listed, "gone": gone}))
"""


def test_add_get_delete_list_from_a_pipeline_step(
    product: Path, store: RunStore, vault: Vault
) -> None:
    # Given a step that uses the whole API, Naas spelling and all
    write_notebook(product / "models" / "api.ipynb", STEP_API)
    result = run(product, store, "models/api.ipynb")
    assert result.status == RunStatus.SUCCEEDED, result.steps[0].error
    notebook = nbformat.read(result.steps[0].output_path, as_version=4)  # type: ignore[arg-type]
    (output,) = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    printed = json.loads(output["text"])
    # Then it read back what it added (masked in what it printed), the default when absent
    assert printed["got"] == ["***", "***", "fallback", None]
    assert printed["first"]["scope"] == "user" and printed["mine"]["scope"] == "product"
    assert [(s["name"], s["scope"]) for s in printed["listed"]] == [
        ("PRODUCT_ONE", "product"),
        ("ADDED", "user"),
    ]
    assert all(set(s) == {"name", "scope", "updated_at"} for s in printed["listed"])
    assert printed["gone"] == [True, False]
    # and the vault this process shares with the step holds what it left
    assert vault.get("ADDED") is None
    assert vault.get("PRODUCT_ONE", product=product) == "product-value-0002"
    assert vault.get("PRODUCT_ONE") is None
    # the changes are events, without a value
    events = EventStore(store.db).page(kinds=["secret.set", "secret.deleted"]).events
    assert [(e.kind, e.details["name"], e.details["scope"]) for e in reversed(events)] == [
        ("secret.set", "ADDED", "user"),
        ("secret.set", "PRODUCT_ONE", "product"),
        ("secret.deleted", "ADDED", "user"),
    ]
    assert events[1].product_root == product.resolve()
    # a value still set is masked everywhere, even in the code that added it
    assert "product-value-0002" not in everything_kept(product, store, result)
    # one deleted during the run was masked by the kernel in what it printed
    assert "added-in-a-step" not in outputs_of(result.steps[0].output_path)  # type: ignore[arg-type]


def test_a_secret_is_never_a_papermill_parameter(
    product: Path, store: RunStore, vault: Vault
) -> None:
    # Given a parameter named like a secret, and that secret set
    vault.set("API_KEY", SECRET_VALUE, product=product)
    write_notebook(
        product / "models" / "params.ipynb",
        "print('parameter is', API_KEY)",
        parameters="API_KEY = 'placeholder'",
    )
    result = run(product, store, "models/params.ipynb")
    assert result.status == RunStatus.SUCCEEDED
    # Then the parameter kept its own value: papermill was not given the secret
    notebook = nbformat.read(result.steps[0].output_path, as_version=4)  # type: ignore[arg-type]
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "API_KEY" not in injected[0].source
    assert "parameter is placeholder" in outputs_of(result.steps[0].output_path)  # type: ignore[arg-type]
    assert "API_KEY" not in json.dumps(store.get_run(result.run_id).to_json()["parameters"])
    assert SECRET_VALUE not in everything_kept(product, store, result)


def test_a_kernel_outside_a_pipeline_reads_the_users_secrets(
    product: Path, vault: Vault, tmp_path: Path
) -> None:
    # Given a user's secret, and a notebook of the product run as JupyterLab would (its
    # kernel in the notebook's folder, no pipeline environment)
    import papermill

    vault.set("API_KEY", SECRET_VALUE)
    source = write_notebook(
        product / "models" / "lab.ipynb",
        "import naas_data_product as naas\nvalue = naas.secret.get('API_KEY')\n"
        "print(len(value), value)",
        "naas.secret.list()",
    )
    output = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(source), str(output), cwd=str(source.parent), progress_bar=False, kernel_name="python3"
    )
    shown = outputs_of(output)
    assert f"{len(SECRET_VALUE)} ***" in shown and "API_KEY" in shown
    assert SECRET_VALUE not in output.read_text()
