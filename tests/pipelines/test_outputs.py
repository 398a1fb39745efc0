"""Pipelines and versioned outputs together: a run's notebooks share one output version,
and a later step loads what an earlier step saved (the real engine, real kernels)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naas_lab_ext.outputs.store import OutputStore
from naas_lab_ext.pipelines.api import NotebookStep, Pipeline
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, write_notebook

pytestmark = pytest.mark.kernel

COLLECT = """
from naas_data_product import save
saved_orders = save("day,amount\\n1,20\\n2,35\\n", "raw/orders/orders.csv")
saved_meta = save({"rows": 2}, "raw/orders/meta.json")
assert saved_orders.version == saved_meta.version
"""

REPORT = """
import json
from naas_data_product import load, save, versions
orders = load("raw/orders/orders.csv", kind="text")
total = sum(int(line.split(",")[1]) for line in orders.strip().splitlines()[1:])
saved = save({"total": total, "read_version": versions("raw/orders")[-1]},
             "gold/report/report.json")
"""


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    db = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    yield db  # type: ignore[misc]
    db.close()


def test_the_second_notebook_loads_what_the_first_saved_in_one_version(
    tmp_path: Path, store: RunStore
) -> None:
    # Given a product whose pipeline collects then reports
    product = make_product(tmp_path / "work")
    write_notebook(product / "models" / "collect.ipynb", COLLECT, parameters="")
    write_notebook(product / "models" / "report.ipynb", REPORT, parameters="")
    pipeline = Pipeline("daily", root=product)
    (
        pipeline
        >> NotebookStep("Collect", "models/collect.ipynb")
        >> NotebookStep("Report", "models/report.ipynb")
    )

    # When it runs twice
    first = pipeline.run(progress=False, store=store)
    second = pipeline.run(progress=False, store=store)
    assert first.ok, first.summary()
    assert second.ok, second.summary()

    # Then the report read the orders the collect step saved in the same run
    outputs = OutputStore(product)
    report = outputs.load("gold/report/report.json")
    assert report["total"] == 55
    # and every dataset of a run has exactly one version, the same for the whole run
    raw_versions = outputs.versions("raw/orders")
    gold_versions = outputs.versions("gold/report")
    assert len(raw_versions) == 2 and raw_versions == gold_versions
    assert report["read_version"] == raw_versions[-1]
    for version in raw_versions:
        folder = product / "outputs" / "raw" / "orders" / version
        assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "orders.csv"]
    # the latest copy is the second run's
    latest = json.loads((product / "outputs/gold/report/latest/report.json").read_text())
    assert latest == report
