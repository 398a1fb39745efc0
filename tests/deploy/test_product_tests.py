"""Step 1: the product's own tests, pytest and notebooks, within a time limit, with a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from naas_lab_ext.deploy.product_tests import run_product_tests
from tests.notebooks import write_notebook

pytestmark = pytest.mark.kernel


def test_no_tests_folder_and_no_test_collected_pass(tmp_path: Path) -> None:
    product = tmp_path / "product"
    product.mkdir()
    outcome = run_product_tests(product, tmp_path / "report", timeout=60)
    assert outcome.passed and outcome.summary == "no tests/ folder"
    # pytest exits 5 when it collects nothing: passed
    (product / "tests").mkdir()
    (product / "tests" / "helpers.py").write_text("X = 1\n")
    outcome = run_product_tests(product, tmp_path / "report", timeout=60)
    assert outcome.passed, outcome.report.read_text()
    assert "no tests ran" in outcome.summary


def test_a_slow_test_notebook_is_stopped_at_the_time_limit(tmp_path: Path) -> None:
    product = tmp_path / "product"
    write_notebook(product / "tests" / "slow.ipynb", "import time\ntime.sleep(120)")
    write_notebook(product / "tests" / "zzz.ipynb", "print('never reached')")
    outcome = run_product_tests(product, tmp_path / "report", timeout=8)
    assert not outcome.passed
    assert "tests/slow.ipynb: it took longer than 8 s and was stopped" in outcome.summary
    report = outcome.report.read_text()
    assert "tests/zzz.ipynb: not run (out of time)" in report
    # the partial executed notebook is kept beside the report
    assert (tmp_path / "report" / "tests" / "slow.ipynb").is_file()
