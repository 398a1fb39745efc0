"""`naas_data_product` as notebooks use it, in fresh interpreters (plain Python) and a kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.runtime.test_utils_loader import notebook


@pytest.fixture
def product(tmp_path: Path) -> Path:
    created = create_product(
        tmp_path, ProductSpec(name="sales", parent="team"), framework_version="test", git=False
    )
    return tmp_path / created.product.path


def run_python(
    code: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NAAS_")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_json(code: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` (which prints one JSON line last) and return the parsed JSON."""
    done = run_python(code, cwd, env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def add_utils(product: Path) -> None:
    (product / "utils" / "money.py").write_text(
        "from naas_data_product import PARAMS\n\n"
        "RATE = 0.2\n\n"
        "def taxed(x):\n    return round(x * (1 + RATE), 2)\n\n"
        "def environment():\n    return PARAMS['environment']\n"
    )
    (product / "utils" / "text.ipynb").write_text(
        notebook("%env NAAS_TEST_MAGIC=ran", "def shout(s):\n    return s.upper() + '!'")
    )
    (product / "utils" / "broken.ipynb").write_text(
        notebook("OK_BEFORE = 1", "raise ValueError('bad utils cell')")
    )


def test_star_import_from_a_nested_folder_gives_everything(product: Path) -> None:
    add_utils(product)
    nested = product / "models" / "deep" / "er"
    nested.mkdir(parents=True)
    result = run_json(
        """
        import json, sys, warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from naas_data_product import *
        import naas_data_product
        print(json.dumps({
            "paths": {k: str(v) for k, v in globals().items() if k.endswith("_PATH")},
            "params": PARAMS,
            "taxed": taxed(10),
            "environment": environment(),
            "shout": shout("hi"),
            "OK_BEFORE": OK_BEFORE,
            "errors": [str(e) for e in naas_data_product.UTILS_ERRORS],
            "warnings": [str(w.message) for w in caught],
            "all": naas_data_product.__all__,
            "eager": sorted(m for m in ("pandas", "papermill", "nbformat", "IPython",
                            "jupyter_server", "tornado", "naas_lab_ext.pipelines.api",
                            "smtplib", "email.mime", "email.message", "urllib.request",
                            "naas_lab_ext.notifications.smtp",
                            "naas_lab_ext.notifications.channels", "sqlalchemy",
                            "cryptography", "keyring", "naas_lab_ext.secrets.events")
                            if m in sys.modules),
        }))
        """,
        nested,
    )
    assert result["paths"] == {
        f"{name}_PATH": str(product / folder)
        for name, folder in [
            ("ROOT", ""),
            ("ASSETS", "assets"),
            ("INPUTS", "inputs"),
            ("MODELS", "models"),
            ("OUTPUTS", "outputs"),
            ("TESTS", "tests"),
            ("UTILS", "utils"),
        ]
    }
    assert result["params"] == {"environment": "development"}
    assert result["taxed"] == 12.0
    assert result["environment"] == "development"
    assert result["shout"] == "HI!"
    assert result["OK_BEFORE"] == 1
    assert result["errors"] == ["utils/broken.ipynb, cell 2, line 1: ValueError: bad utils cell"]
    assert any("utils/broken.ipynb, cell 2" in w for w in result["warnings"])
    assert any("utils/text.ipynb: skipped 1 IPython magic" in w for w in result["warnings"])
    assert {"save", "load", "versions", "latest_path", "save_parameters", "taxed"} <= set(
        result["all"]
    )
    # Nothing heavy is imported to give all that
    assert result["eager"] == []


@pytest.mark.parametrize(
    "statement", ["import naas_data_product", "from naas_data_product import *"]
)
def test_outside_a_product_the_import_fails_saying_how_to_create_one(
    tmp_path: Path, statement: str
) -> None:
    done = run_python(
        f"""
        try:
            {statement}
        except ImportError as error:
            print(type(error).__name__, error)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("NotInProduct ")
    assert "naas-lab new <name>" in done.stdout
    assert '"New data product"' in done.stdout


def test_the_env_var_points_at_a_product_from_anywhere(product: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = run_json(
        "import json, naas_data_product as n; print(json.dumps(str(n.ROOT_PATH)))",
        elsewhere,
        {"NAAS_PRODUCT_ROOT": str(product)},
    )
    assert root == str(product)


def test_save_parameters(product: Path) -> None:
    result = run_json(
        """
        import json
        from naas_data_product import PARAMS, save_parameters
        PARAMS["days"] = 7
        path = save_parameters()
        save_parameters(country="FR")
        print(json.dumps({"path": str(path), "params": PARAMS}))
        """,
        product / "models",
    )
    expected = {"environment": "development", "days": 7, "country": "FR"}
    assert result["params"] == expected
    assert json.loads(Path(result["path"]).read_text()) == expected


def test_save_load_versions_latest_from_a_notebook(product: Path) -> None:
    result = run_json(
        """
        import json
        from naas_data_product import *
        first = save({"n": 1}, "published/summary/summary.json")
        second = save({"n": 2}, "published/summary/summary.json")
        print(json.dumps({
            "loaded": load("published/summary/summary.json"),
            "first": load("published/summary/summary.json", first.version),
            "versions": versions("published/summary"),
            "made": [first.version, second.version],
            "latest": str(latest_path("published/summary/summary.json")),
        }))
        """,
        product / "models",
    )
    assert result["loaded"] == {"n": 2}
    assert result["first"] == {"n": 1}
    assert result["versions"] == result["made"]
    assert result["latest"] == str(product / "outputs/published/summary/latest/summary.json")


def test_inside_a_run_save_uses_the_run_version(product: Path) -> None:
    env = {"NAAS_RUN_ID": "run-42", "NAAS_RUN_VERSION": "2026-11-23T08.00.00.000Z"}
    code = """
        import json
        from naas_data_product import save
        print(json.dumps([save(b"a", "raw/orders/a.bin").version,
                          save(b"b", "raw/orders/b.bin").version]))
        """
    assert run_json(code, product / "models", env) == ["2026-11-23T08.00.00.000Z"] * 2
    # A second step of the same run: another file, still the same version
    code2 = """
        import json
        from naas_data_product import save, versions
        save(b"c", "clean/orders/c.bin")
        print(json.dumps(versions("clean/orders")))
        """
    assert run_json(code2, product / "models", env) == ["2026-11-23T08.00.00.000Z"]


def test_the_pipeline_api_is_lazy_and_its_absence_is_a_clear_error(product: Path) -> None:
    result = run_json(
        """
        import json, sys
        import naas_data_product
        lazy = "naas_lab_ext.pipelines.api" not in sys.modules
        listed = {"Pipeline", "NotebookStep", "DummyStep", "End"} <= set(dir(naas_data_product))
        sys.modules["naas_lab_ext.pipelines.api"] = None  # as if the engine were missing
        try:
            from naas_data_product import Pipeline
            error = None
        except ImportError as exc:
            error = str(exc)
        try:
            naas_data_product.NotAName
        except AttributeError as exc:
            missing = str(exc)
        print(json.dumps({"lazy": lazy, "listed": listed, "error": error, "missing": missing}))
        """,
        product,
    )
    assert result["lazy"] is True
    assert result["listed"] is True
    assert result["error"] is not None and "Pipeline is not available" in result["error"]
    assert "has no attribute 'NotAName'" in result["missing"]


def test_a_utils_name_cannot_shadow_the_framework(product: Path) -> None:
    (product / "utils" / "clash.py").write_text("def save(x):\n    return 'mine'\n")
    done = run_python(
        """
        from naas_data_product import *
        print(save.__module__)
        """,
        product,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "naas_data_product"
    assert "utils/clash.py defines 'save'" in done.stderr


def test_a_broken_params_file_stops_the_import_with_the_reason(product: Path) -> None:
    (product / "inputs" / "params.json").write_text("{not json")
    done = run_python("import naas_data_product", product)
    assert done.returncode != 0
    assert "inputs/params.json" in done.stderr and "not valid JSON" in done.stderr


@pytest.mark.kernel
def test_in_a_real_kernel_star_import_save_and_ipython_utils(product: Path) -> None:
    # Given a product with utils (one uses a %env magic) and a notebook in models/
    papermill = pytest.importorskip("papermill")
    add_utils(product)
    source = product / "models" / "collect.ipynb"
    source.write_text(
        notebook(
            "from naas_data_product import *\nimport os, pandas as pd",
            "saved = save(pd.DataFrame({'x': [1, 2]}), 'raw/collect/collect.csv')",
            "assert load('raw/collect/collect.csv')['x'].tolist() == [1, 2]\n"
            "assert shout('ok') == 'OK!'\n"
            "assert os.environ.get('NAAS_TEST_MAGIC') == 'ran', 'the magic ran in IPython'\n"
            "import naas_data_product\n"
            "assert [str(e) for e in naas_data_product.UTILS_ERRORS] == "
            "['utils/broken.ipynb, cell 2, line 1: ValueError: bad utils cell']",
        )
    )
    # When papermill runs it with a real kernel in the notebook's folder
    papermill.execute_notebook(
        str(source),
        str(product / "models" / "collect.out.ipynb"),
        cwd=str(product / "models"),
        kernel_name="python3",
        progress_bar=False,
    )
    # Then the version and latest exist
    folder = product / "outputs" / "raw" / "collect"
    assert (folder / "latest" / "collect.csv").read_text() == "x\n1\n2\n"
    assert len([p for p in folder.iterdir() if p.name[0].isdigit()]) == 1
