"""Reading a pipeline notebook's DAG without a kernel (pipelines/static.py): the same DAG, or
the same error, as the kernel; a kernel for anything that is not plain wiring; the server's
cache keyed by content."""

from __future__ import annotations

import ast
import inspect
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import naas_lab_ext
from naas_lab_ext.core.errors import InvalidInput, NaasError
from naas_lab_ext.pipelines import service as service_module
from naas_lab_ext.pipelines.api import Pipeline
from naas_lab_ext.pipelines.describe import describe_notebook, read_statically
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.static import PRODUCT_NAMES, RUN_KEYWORDS
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.notebooks import make_product, pipeline_notebook, write_notebook

NAAS_IMPORT = (
    "from naas_data_product import (\n"
    "    Pipeline,\n    DummyStep,\n    DummyErrorStep,\n    NotebookStep,\n    End,\n"
    "    ParallelStep,\n)"
)

#: name -> (cells, parameters cell, parameters of the read). Wiring as the repo's tests,
#: templates and docs write it; every one must be read without a kernel.
PLAIN: dict[str, tuple[list[str], str | None, dict[str, Any] | None]] = {
    "kernel_definition": (
        [
            "pipeline = Pipeline()\n"
            'collect = NotebookStep("Collect", "models/record.ipynb", parameters={"days": days})\n'
            'pipeline >> collect >> [DummyStep("A"), DummyStep("B")] >> DummyStep("Publish")\n'
            'collect.on_error >> DummyStep("Alert")\n'
            "pipeline.run()\n"
            'raise SystemExit("the cells after run() must not execute")'
        ],
        "days = 3",
        {"days": 9},
    ),
    "cli_daily": (
        [
            "p = Pipeline('daily')\n"
            "work = NotebookStep('Work', 'models/record.ipynb', parameters={'days': days})\n"
            "p >> DummyStep('Start') >> work >> DummyStep('Publish')\n"
            "work.on_error >> DummyStep('Alert')\n"
            "p.run()"
        ],
        "days = 2",
        None,
    ),
    "never_runs": (["p = Pipeline('sketch')\np >> DummyStep('Only')"], None, None),
    "naas_framework": (
        [
            NAAS_IMPORT,
            'pipeline_outputs_path = "../outputs/pipeline_executions"',
            'collection = NotebookStep("Collection", "record.ipynb")\n'
            't1 = NotebookStep("Transformation 1", "record.ipynb", {"part": 1})\n'
            't2 = NotebookStep("Transformation 2", "record.ipynb", {"part": 2})',
            "pipeline = Pipeline()\n\n(\n    pipeline\n    >> collection\n"
            "    >> ParallelStep([t1, t2])\n    >> DummyErrorStep('Distribution', 0.5)\n"
            "    >> End()\n)\n\npipeline.run(outputs_path=pipeline_outputs_path)",
        ],
        None,
        None,
    ),
    "everything_plain": (
        [
            "import os\nimport naas_data_product as naas\nfrom naas_data_product import *\n"
            "from naas_data_product import DummyStep, End, NotebookStep, Pipeline",
            "hours = 2 * 60 + 5\n"
            "a, b = naas.DummyStep(f'Load {region}', timeout=hours), DummyStep('Mid', retries=2)\n"
            "alert = NotebookStep('Alert', 'models/record.ipynb', {'to': ['x@y.z'], 'n': -1.5})\n"
            "print('defining', a)",
            "pipeline = Pipeline(root='..', max_parallel=2)\n"
            "chain = pipeline >> (a, DummyStep('Other')) >> b\n"
            "chain >> End()\n"
            "b.on_error >> [alert, DummyStep('Page')]\n"
            "pass",
        ],
        "region = 'eu'",
        {"region": "us", "extra": {"k": [1, 2.5, None, True]}},
    ),
    "cycle": (
        ["p = Pipeline()\na, b = DummyStep('a'), DummyStep('b')\np >> a >> b\nb >> a\np.run()"],
        None,
        None,
    ),
    "missing_notebook": (
        ["p = Pipeline()\np >> NotebookStep('Load', 'models/nope.ipynb')\np.run()"],
        None,
        None,
    ),
    "wired_twice": (["p = Pipeline()\na = DummyStep('a')\np >> a\np >> a"], None, None),
    "after_end": (["p = Pipeline()\np >> End() >> DummyStep('a')"], None, None),
    "outputs_outside": (
        ["p = Pipeline()\np >> DummyStep('a')\np.run(outputs_path='../../elsewhere')"],
        None,
        None,
    ),
    "bad_parameter": (
        ["p = Pipeline()\np >> DummyStep('a') >> NotebookStep('N', 'record.ipynb', {'x': 1e999})"],
        None,
        None,
    ),
    "no_pipeline": (["x = 1"], None, None),
}

#: Code that only a kernel can read (the static reader must give up, not guess).
NOT_PLAIN = {
    "loop": "p = Pipeline()\nfor name in ['a', 'b']:\n    p >> DummyStep(name)",
    "function": "def make():\n    return DummyStep('a')\np = Pipeline()\np >> make()",
    "other_call": "p = Pipeline()\np >> DummyStep(str(1))",
    "import": "import pandas\np = Pipeline()\np >> DummyStep('a')",
    "utils_import": "from utils.steps import build\np = Pipeline()\np >> build()",
    "magic": "%time x = 1\np = Pipeline()\np >> DummyStep('a')",
    "module_use": "import time\ntime.sleep(1)\np = Pipeline()",
    "naas_append": "p = ParallelStep('p')\np.steps.append(DummyStep('a'))\nPipeline() >> p",
    "try": "try:\n    p = Pipeline()\nexcept Exception:\n    pass",
    "condition": "p = Pipeline()\nif True:\n    p >> DummyStep('a')",
    "undefined": "p = Pipeline()\np >> undefined_step",
    "run_keyword": "p = Pipeline()\np >> DummyStep('a')\np.run(colour='red')",
    "run_twice_given": "p = Pipeline()\np >> DummyStep('a')\np.run({}, parameters={})",
    "failing": "1 / 0\np = Pipeline()",
    "bad_argument": "p = Pipeline()\np >> DummyStep('a', colour='red')",
    "bad_name": "p = Pipeline('../escape')\np >> DummyStep('a')",
    "star_shadows": "save = DummyStep('a')\nfrom naas_data_product import *\np = Pipeline()\n"
    "p >> save",
}


def _product(root: Path) -> Path:
    product = make_product(root, "sales")
    write_notebook(product / "models" / "record.ipynb", "print(days)", parameters="days = 1")
    return product


def _outcome(read: Any) -> tuple[Any, ...]:
    try:
        return ("dag", read())
    except NaasError as exc:
        return (type(exc).__name__, exc.message, getattr(exc, "step", None))


def test_plain_wiring_is_read_without_a_kernel(tmp_path: Path) -> None:
    product = _product(tmp_path)
    notebook = pipeline_notebook(
        product / "models" / "p.ipynb",
        "p = Pipeline()\np >> DummyStep('a') >> [DummyStep('b'), DummyStep('c')] >> End()",
    )
    spec = read_statically(notebook)
    assert spec is not None
    assert spec["name"] == "p" and spec["root"] == str(product.resolve())
    assert [s["name"] for s in spec["steps"]] == ["a", "b", "c"]
    assert {"from": "a", "to": "c", "kind": "next"} in spec["edges"]


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_anything_else_is_left_to_the_kernel(tmp_path: Path, name: str) -> None:
    product = _product(tmp_path)
    notebook = pipeline_notebook(product / "models" / f"{name}.ipynb", NOT_PLAIN[name])
    assert read_statically(notebook) is None


def test_the_names_import_star_binds_are_naas_data_product_s() -> None:
    source = Path(naas_lab_ext.__file__).parents[1] / "naas_data_product" / "__init__.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    [names] = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["_FRAMEWORK_NAMES"]
    ]
    assert set(names) == PRODUCT_NAMES


def test_the_run_keywords_read_are_pipeline_run_s() -> None:
    parameters = list(inspect.signature(Pipeline.run).parameters)
    assert tuple(parameters[1:]) == RUN_KEYWORDS


def test_a_utils_name_bound_by_import_star_is_left_to_the_kernel(tmp_path: Path) -> None:
    product = _product(tmp_path)
    (product / "utils").mkdir()
    (product / "utils" / "helpers.py").write_text("first = 1\n")
    api = "from naas_lab_ext.pipelines.api import DummyStep, Pipeline\n"
    star = "from naas_data_product import *"
    shadowed = write_notebook(
        product / "models" / "p.ipynb", api + "first = DummyStep('a')", star, "Pipeline() >> first"
    )
    assert read_statically(shadowed) is None
    kept = write_notebook(
        product / "models" / "q.ipynb", api + "other = DummyStep('a')", star, "Pipeline() >> other"
    )
    assert read_statically(kept) is not None


def test_utils_that_may_build_steps_leave_the_notebook_to_the_kernel(tmp_path: Path) -> None:
    product = _product(tmp_path)
    code = [
        "from naas_data_product import Pipeline, DummyStep",
        "p = Pipeline()\np >> DummyStep('a')",
    ]
    notebook = write_notebook(product / "models" / "p.ipynb", *code)
    (product / "utils").mkdir()
    (product / "utils" / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    assert read_statically(notebook) is not None
    (product / "utils" / "steps.py").write_text("from naas_data_product import DummyStep\n")
    assert read_statically(notebook) is None
    # Outside a product, importing naas_data_product fails in a kernel: the kernel says so.
    loose = write_notebook(tmp_path / "loose" / "p.ipynb", *code)
    assert read_statically(loose) is None
    # So does a notebook whose kernel is not Python.
    other = pipeline_notebook(product / "models" / "r.ipynb", "p = Pipeline()\np >> DummyStep('a')")
    text = other.read_text().replace('"language": "python"', '"language": "R"')
    other.write_text(text)
    assert read_statically(other) is None


@pytest.mark.kernel
def test_the_static_dag_is_the_kernel_dag(tmp_path: Path, naas_data_product: None) -> None:
    product = _product(tmp_path)
    (product / "utils").mkdir()
    (product / "utils" / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    cases: list[tuple[Path, dict[str, Any] | None]] = []
    for name, (cells, parameters, values) in PLAIN.items():
        imports = NAAS_IMPORT if name != "everything_plain" else "x = 0"
        path = product / "models" / f"{name}.ipynb"
        cases.append((write_notebook(path, imports, *cells, parameters=parameters), values))
    # The templates' pipeline notebook, as a new product gets it.
    create_product(tmp_path, ProductSpec(name="starter"), framework_version="0", git=False)
    cases.append((tmp_path / "starter" / "models" / "__pipeline__.ipynb", None))

    def kernel(case: tuple[Path, dict[str, Any] | None]) -> tuple[Any, ...]:
        path, values = case
        return _outcome(
            lambda: describe_notebook(path, parameters=values, timeout=90, static=False)
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        expected = list(pool.map(kernel, cases))
    for (path, values), want in zip(cases, expected, strict=True):
        got = _outcome(lambda p=path, v=values: _static_or_fail(p, v))
        assert got == want, path.name
    kinds = {want[0] for want in expected}
    assert kinds == {"dag", "PipelineError", "InvalidInput"}  # the set covers each outcome


def _static_or_fail(path: Path, values: dict[str, Any] | None) -> dict[str, Any]:
    spec = read_statically(path, values)
    assert spec is not None, f"{path.name} was not read statically"
    return spec


def test_a_notebook_without_pipeline_is_never_executed(tmp_path: Path) -> None:
    product = _product(tmp_path)
    marker = tmp_path / "ran.txt"
    write_notebook(product / "models" / "plain.ipynb", f"open({str(marker)!r}, 'w').write('x')")
    service = RunService(tmp_path, RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}"))
    with pytest.raises(InvalidInput, match="not a pipeline notebook"):
        service.describe(product / "models" / "plain.ipynb")
    assert service.list_pipelines("sales") == []
    assert not marker.exists()


def test_the_cache_follows_content_not_file_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = _product(tmp_path)
    code = "p = Pipeline()\np >> DummyStep('a')"
    notebook = pipeline_notebook(product / "models" / "p.ipynb", code)
    reads: list[Path] = []
    real = service_module.describe_notebook

    def counting(path: Path, **kwargs: Any) -> dict[str, Any]:
        reads.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(service_module, "describe_notebook", counting)
    service = RunService(tmp_path, RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}"))
    first = service.describe(notebook)
    assert service.describe(notebook) == first and len(reads) == 1
    # Saved again unchanged (new mtime): still cached
    os.utime(notebook, (1, 1))
    assert service.describe(notebook) == first and len(reads) == 1
    # Changed content of the same size and time: read again
    stat = notebook.stat()
    notebook.write_text(notebook.read_text().replace("'a'", "'b'"))
    os.utime(notebook, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert [s["name"] for s in service.describe(notebook)["steps"]] == ["b"]
    assert len(reads) == 2
    # A change in the product's utils: read again
    (product / "utils").mkdir()
    (product / "utils" / "helpers.py").write_text("X = 1\n")
    service.describe(notebook)
    assert len(reads) == 3
    service.describe(notebook)
    assert len(reads) == 3


def test_a_product_s_pipelines_are_listed_together(tmp_path: Path) -> None:
    product = _product(tmp_path)
    for index in range(4):
        pipeline_notebook(
            product / "models" / f"p{index}.ipynb",
            f"p = Pipeline()\np >> DummyStep('s{index}') >> NotebookStep('R', 'record.ipynb')",
        )
    pipeline_notebook(product / "models" / "wrong.ipynb", "p = Pipeline()\np >> End() >> p")
    service = RunService(tmp_path, RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}"))
    listed = service.list_pipelines("sales")
    assert [info.path for info in listed] == [
        f"sales/models/{name}.ipynb" for name in ("p0", "p1", "p2", "p3", "wrong")
    ]
    assert [info.dag["steps"][0]["name"] for info in listed[:4] if info.dag] == [
        "s0",
        "s1",
        "s2",
        "s3",
    ]
    assert listed[4].error is not None and "End()" in listed[4].error["message"]
    assert [p["name"] for p in listed[0].parameters] == ["days"]
