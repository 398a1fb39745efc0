"""The bundled templates, added to a product's models/ and run as pipeline steps, write into
the product (its outputs/, with save() or the product's paths), never under models/."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from naas_lab_ext.pipelines.api import End, NotebookStep, Pipeline
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.templates.sources import embedded_templates

TEMPLATES = sorted(embedded_templates().rglob("*.ipynb"))
SECRETS = ("API_TOKEN", "WEBHOOK_URL", "SMTP_PASSWORD")


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.kernel
def test_every_bundled_template_run_in_models_writes_nothing_under_models(
    tmp_path: Path,
    naas_data_product: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    create_product(tmp_path, ProductSpec(name="shop"), framework_version="0", git=False)
    product = (tmp_path / "shop").resolve()
    models = product / "models"
    for template in TEMPLATES:
        shutil.copy(template, models / template.name)
    before = _files(models)
    monkeypatch.chdir(models)  # as from models/__pipeline__.ipynb

    # The writer of the versioned table runs before its reader; the rest side by side.
    pipeline = Pipeline("templates", max_parallel=3)
    steps = {t.stem: NotebookStep(t.stem, t.name, timeout=300) for t in TEMPLATES}
    save, read = steps.pop("Python_Save_Versioned_Output"), steps.pop("Python_Read_Latest_Output")
    pipeline >> [save >> read, *steps.values()] >> End()
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    try:
        result = pipeline.run(store=store, progress=False)
    finally:
        store.close()

    failed = {s.name: s.error and s.error.message for s in result.steps if s.error}
    assert result.status == RunStatus.SUCCEEDED, failed
    assert _files(models) == before, _files(models) - before
    outputs = _files(product / "outputs")
    # Clean Table saves a version with save(): outputs/clean/orders/<version>/orders_clean.csv
    assert "clean/orders/latest/orders_clean.csv" in outputs
    assert any(p.startswith("clean/orders/20") for p in outputs)
    assert "exports/report.xlsx" in outputs
    assert "charts/revenue.png" in outputs
    assert any(p.startswith("reports/report_") for p in outputs)
    assert "gold/monthly_revenue/latest/monthly_revenue.csv" in outputs
    # The readers read from the product too: the latest version, and inputs/params.json.
    copies = {s.name: s.output_path for s in result.steps}
    reader = nbformat.read(copies["Python_Read_Latest_Output"], as_version=4)
    assert "Read version 20" in _text(reader)
    params = nbformat.read(copies["Python_Read_Product_Parameters"], as_version=4)
    assert "does not exist" not in _text(params)
    assert "inputs/params.json" in _text(params)


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
