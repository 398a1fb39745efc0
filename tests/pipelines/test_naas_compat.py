"""Naas's pipeline API runs here: DummyErrorStep, ParallelStep, run(outputs_path=, style=,
monitor=), notebook paths relative to the pipeline notebook's folder, and a copy of the
data-product-framework's ``models/__pipeline__.ipynb`` run on real kernels."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.pipelines.api import (
    DummyErrorStep,
    DummyStep,
    End,
    NotebookStep,
    ParallelStep,
    Pipeline,
    PipelineError,
)
from naas_lab_ext.pipelines.describe import describe_notebook, pipeline_from_spec
from naas_lab_ext.pipelines.plan import build_plan
from naas_lab_ext.pipelines.results import RunStatus, StepStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, write_notebook


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    db = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield db  # type: ignore[misc]
    db.close()


@pytest.fixture
def product(tmp_path: Path) -> Path:
    return make_product(tmp_path / "work").resolve()


# -- DummyErrorStep and ParallelStep ------------------------------------------------------------


def test_dummy_error_step_fails_and_runs_its_on_error_handler(
    product: Path, store: RunStore
) -> None:
    pipeline = Pipeline(root=product)
    load, after = DummyErrorStep("Load"), DummyStep("After")
    alert = DummyStep("Alert")
    pipeline >> load >> after >> End()
    load.on_error >> alert

    result = pipeline.run(store=store, progress=False)

    assert result.status == RunStatus.FAILED
    assert result["Load"].status == StepStatus.FAILED
    error = result["Load"].error
    assert error is not None and "failed on purpose" in error.message
    assert result["Alert"].status == StepStatus.SUCCEEDED
    assert result["After"].status == StepStatus.SKIPPED


def test_dummy_error_step_still_fails_when_rebuilt_from_the_dag(product: Path) -> None:
    # The server runs what a notebook described: the DAG JSON must keep the failing step.
    pipeline = Pipeline(root=product)
    pipeline >> DummyStep("A") >> DummyErrorStep("B") >> End()
    spec = build_plan(pipeline, product).to_spec()
    assert [s["kind"] for s in spec["steps"]] == ["dummy", "dummy"]  # drawn as placeholders
    rebuilt = build_plan(pipeline_from_spec(spec, root=product), product)
    assert type(rebuilt["B"].step) is DummyErrorStep
    assert type(rebuilt["A"].step) is DummyStep


def test_parallel_step_is_the_explicit_form_of_a_list(product: Path) -> None:
    pipeline = Pipeline(root=product)
    a, b, c, d = (DummyStep(n) for n in "abcd")
    pipeline >> a >> ParallelStep([b, c]) >> d >> End()
    plan = build_plan(pipeline, product)
    assert plan["d"].upstream == ["b", "c"]
    assert plan["a"].downstream == ["b", "c"]


def test_parallel_step_filled_the_naas_way(product: Path) -> None:
    # Naas: ParallelStep(name) then .steps.append(step); an empty one is refused when wired.
    pipeline = Pipeline(root=product)
    a, b, c = DummyStep("a"), DummyStep("b"), DummyStep("c")
    branches = ParallelStep("Transformations")
    with pytest.raises(PipelineError, match="at least one step"):
        pipeline >> a >> branches
    branches.steps.extend([b, c])
    a >> branches >> End()
    assert "Transformations" in repr(branches)
    assert build_plan(pipeline, product)["a"].downstream == ["b", "c"]


# -- notebook paths: beside the pipeline notebook, or from the product root -------------------


def test_a_path_beside_the_pipeline_notebook_is_found(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(product / "models" / "collect.ipynb", "x = 1")
    monkeypatch.chdir(product / "models")  # the kernel of models/__pipeline__.ipynb
    pipeline = Pipeline()
    pipeline >> NotebookStep("Collect", "collect.ipynb") >> End()

    plan = build_plan(pipeline, pipeline.product_root())

    assert plan.root == product
    assert plan["Collect"].notebook == product / "models" / "collect.ipynb"
    spec = plan.to_spec()
    # The DAG carries the path from the root, so the server rebuilds the same step anywhere.
    assert spec["steps"][0]["notebook_path"] == "models/collect.ipynb"
    monkeypatch.chdir(product.parent)
    again = build_plan(pipeline_from_spec(spec, root=product), product)
    assert again["Collect"].notebook == product / "models" / "collect.ipynb"


def test_paths_from_the_product_root_and_with_dot_dot_still_work(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(product / "models" / "collect.ipynb", "x = 1")
    write_notebook(product / "utils" / "helper.ipynb", "x = 1")
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    (
        pipeline
        >> NotebookStep("A", "models/collect.ipynb")
        >> NotebookStep("B", "../utils/helper.ipynb")
        >> End()
    )
    plan = build_plan(pipeline, pipeline.product_root())
    assert plan["A"].notebook == product / "models" / "collect.ipynb"
    assert plan["B"].notebook == product / "utils" / "helper.ipynb"
    assert [s["notebook_path"] for s in plan.to_spec()["steps"]] == [
        "models/collect.ipynb",
        "utils/helper.ipynb",
    ]


def test_a_path_naming_two_different_notebooks_is_refused_naming_both(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(product / "models" / "collect.ipynb", "x = 1")
    write_notebook(product / "collect.ipynb", "x = 2")
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> NotebookStep("Collect", "collect.ipynb") >> End()

    with pytest.raises(PipelineError) as caught:
        build_plan(pipeline, pipeline.product_root())

    message = caught.value.message
    assert caught.value.step == "Collect"
    assert "'models/collect.ipynb' (beside the pipeline notebook)" in message
    assert "'collect.ipynb' (from the product root" in message
    assert "'../collect.ipynb' for the second" in message


def test_a_missing_notebook_says_where_it_was_looked_for(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> NotebookStep("Collect", "nowhere.ipynb") >> End()
    with pytest.raises(PipelineError, match=r"beside the pipeline notebook \(models/\)"):
        build_plan(pipeline, pipeline.product_root())


def test_a_path_leaving_the_product_is_refused(
    product: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(product.parent / "outside.ipynb", "x = 1")
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> NotebookStep("Out", "../../outside.ipynb") >> End()
    with pytest.raises(PipelineError, match="Out"):
        build_plan(pipeline, pipeline.product_root())


# -- run(outputs_path=..., style=..., monitor=...) ----------------------------------------------


def test_outputs_path_is_relative_to_the_pipeline_notebook_folder(
    product: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> DummyStep("Collection") >> End()

    result = pipeline.run(
        outputs_path="../outputs/naas_runs",
        style="progress",
        monitor=True,
        store=store,
        progress=False,
    )

    assert result.status == RunStatus.SUCCEEDED
    expected = product / "outputs" / "naas_runs" / "pipeline" / result.run_id
    assert result.output_dir == expected
    assert expected.is_dir()
    assert store.get_run(result.run_id).output_dir == expected
    assert not (product / "outputs" / "pipeline_executions").exists()


def test_naas_default_outputs_path_is_the_usual_place(
    product: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> DummyStep("Collection") >> End()
    result = pipeline.run(
        outputs_path="../outputs/pipeline_executions", store=store, progress=False
    )
    assert result.output_dir == product / "outputs" / "pipeline_executions" / "pipeline" / (
        result.run_id
    )


def test_outputs_path_outside_the_product_is_refused_before_any_step_runs(
    product: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> DummyStep("Collection") >> End()
    with pytest.raises(PipelineError, match="inside the product"):
        pipeline.run(outputs_path="../../elsewhere", store=store, progress=False)
    assert not (product.parent / "elsewhere").exists()
    assert store.list_runs()[1] == 0


def test_outputs_path_travels_in_the_dag(product: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(product / "models")
    pipeline = Pipeline()
    pipeline >> DummyStep("Collection") >> End()
    pipeline.outputs_folder = (product / "outputs" / "naas_runs").resolve()
    spec = build_plan(pipeline, product).to_spec()
    assert spec["outputs_path"] == "outputs/naas_runs"
    rebuilt = build_plan(pipeline_from_spec(spec, root=product), product)
    assert rebuilt.executions_dir() == product / "outputs" / "naas_runs" / "pipeline"


# -- the data-product-framework's models/__pipeline__.ipynb, on real kernels --------------------

#: The cells of jupyter-naas/data-product-framework's models/__pipeline__.ipynb, markdown left
#: out, the import line changed to naas_data_product and its DummySteps pointed at notebooks.
FRAMEWORK_PIPELINE = [
    "from naas_data_product import (\n"
    "    Pipeline,\n    DummyStep,\n    DummyErrorStep,\n    NotebookStep,\n    End,\n"
    "    ParallelStep,\n)",
    'pipeline_outputs_path = "../outputs/pipeline_executions"',
    'collection = NotebookStep("Collection", "collection.ipynb")\n'
    'cleaning = NotebookStep("Cleaning", "cleaning.ipynb")\n'
    'transformation1 = NotebookStep("Transformation 1", "transformation.ipynb", '
    '{"part": 1})\n'
    'transformation2 = NotebookStep("Transformation 2", "transformation.ipynb", '
    '{"part": 2})\n'
    'distribution = NotebookStep("Distribution", "distribution.ipynb")',
    "pipeline = Pipeline()\n\n(\n    pipeline\n    >> collection\n    >> cleaning\n"
    "    >> [transformation1, transformation2]\n    >> distribution\n    >> End()\n)\n\n"
    "pipeline.run(outputs_path=pipeline_outputs_path)",
]

STEP = """
import json, os, pathlib
folder = pathlib.Path("../outputs/trace")
folder.mkdir(parents=True, exist_ok=True)
(folder / f"{name}{part or ''}.json").write_text(json.dumps({"cwd": os.getcwd()}))
"""


@pytest.mark.kernel
def test_the_framework_pipeline_notebook_runs_with_only_its_import_changed(
    tmp_path: Path, naas_data_product: None, run_store_url: str
) -> None:
    import papermill

    product = make_product(tmp_path, "framework").resolve()
    models = product / "models"
    for name in ("collection", "cleaning", "transformation", "distribution"):
        write_notebook(models / f"{name}.ipynb", STEP, parameters=f"name = {name!r}\npart = None")
    pipeline_nb = write_notebook(models / "__pipeline__.ipynb", *FRAMEWORK_PIPELINE)

    papermill.execute_notebook(
        str(pipeline_nb), str(tmp_path / "executed.ipynb"), cwd=str(models), progress_bar=False
    )

    runs, total = RunStore(run_store_url).list_runs()
    assert total == 1
    run = runs[0]
    assert run.status == RunStatus.SUCCEEDED
    assert [s.name for s in run.steps] == [
        "Collection",
        "Cleaning",
        "Transformation 1",
        "Transformation 2",
        "Distribution",
    ]
    assert run.steps[2].notebook_path == "models/transformation.ipynb"
    trace = sorted(p.name for p in (product / "outputs" / "trace").iterdir())
    assert trace == [
        "cleaning.json",
        "collection.json",
        "distribution.json",
        "transformation1.json",
        "transformation2.json",
    ]
    cwd = json.loads((product / "outputs" / "trace" / "collection.json").read_text())["cwd"]
    assert Path(cwd).resolve() == models
    # The executed copies went where outputs_path said (the usual place, from models/).
    executions = product / "outputs" / "pipeline_executions" / "pipeline" / run.run_id
    assert run.output_dir == executions
    copies = sorted(p.name for p in executions.iterdir())
    assert "Collection.collection.ipynb" in copies and len(copies) == 5
    assert not (models / "outputs").exists()

    # And the server reads the same DAG from the notebook (paths made root-relative).
    spec = describe_notebook(pipeline_nb, timeout=60)
    assert spec["outputs_path"] == "outputs/pipeline_executions"
    assert [s.get("notebook_path") for s in spec["steps"]][:2] == [
        "models/collection.ipynb",
        "models/cleaning.ipynb",
    ]
    assert os.path.isfile(product / spec["steps"][4]["notebook_path"])
    assert (
        nbformat.read(pipeline_nb, as_version=4)
        .cells[0]
        .source.startswith("from naas_data_product import")
    )


@pytest.mark.kernel
def test_a_headless_run_follows_outputs_path_and_notebook_relative_paths(
    tmp_path: Path, run_store_url: str
) -> None:
    # `naas-lab run` (as the server) reads the DAG in a kernel, then runs it on its side.
    from naas_lab_ext.cli import main

    product = make_product(tmp_path, "sales").resolve()
    write_notebook(product / "models" / "collect.ipynb", "x = 1")
    write_notebook(
        product / "models" / "__pipeline__.ipynb",
        "from naas_lab_ext.pipelines.api import DummyErrorStep, End, NotebookStep, Pipeline",
        "pipeline = Pipeline()\n"
        "collect = NotebookStep('Collect', 'collect.ipynb')\n"
        "pipeline >> collect >> End()\n"
        "collect.on_error >> DummyErrorStep('Never')\n"
        "pipeline.run(outputs_path='../outputs/naas_runs', style='diagram', monitor=False)",
    )

    code = main(["--root", str(tmp_path), "run", "sales/models/__pipeline__.ipynb"])

    assert code == 0
    runs, total = RunStore(run_store_url).list_runs()
    assert total == 1 and runs[0].source == "cli"
    run = runs[0]
    assert run.output_dir == product / "outputs" / "naas_runs" / "pipeline" / run.run_id
    assert (run.output_dir / "Collect.collect.ipynb").is_file()
    assert run.steps[0].notebook_path == "models/collect.ipynb"
    assert not (product / "outputs" / "pipeline_executions").exists()


def test_import_naas_data_product_as_naas_has_the_names_naas_notebooks_call(
    tmp_path: Path,
) -> None:
    from naas_lab_ext.products.scaffold import ProductSpec, create_product
    from tests.runtime.test_naas_data_product import run_json

    create_product(tmp_path, ProductSpec(name="shop"), framework_version="0", git=False)
    names = run_json(
        """
        import json
        import naas_data_product as naas
        from naas_data_product import (
            Pipeline, DummyStep, DummyErrorStep, NotebookStep, End, ParallelStep,
        )
        calls = {
            "scheduler": [naas.scheduler.add, naas.scheduler.delete],
            "dependency": [naas.dependency.add],
            "notification": [naas.notification.send],
            "secret": [naas.secret.add, naas.secret.get, naas.secret.delete, naas.secret.list],
        }
        pipeline_names = [
            n for n in ("Pipeline", "DummyStep", "DummyErrorStep", "NotebookStep", "End",
                        "ParallelStep")
            if getattr(naas, n) is not None and n in dir(naas)
        ]
        print(json.dumps({"calls": sorted(calls), "pipeline": pipeline_names,
                          "error_step": naas.DummyErrorStep is DummyErrorStep}))
        """,
        tmp_path / "shop" / "models",
    )
    assert names["calls"] == ["dependency", "notification", "scheduler", "secret"]
    assert names["pipeline"] == [
        "Pipeline",
        "DummyStep",
        "DummyErrorStep",
        "NotebookStep",
        "End",
        "ParallelStep",
    ]
    assert names["error_step"] is True
