"""Helpers to write the small products and notebooks the pipeline tests run."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat


def write_notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """A notebook with an optional cell tagged ``parameters``, then ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_product(parent: Path, name: str = "sales") -> Path:
    """A minimal data product folder (product.json + models/)."""
    product = parent / name
    (product / "models").mkdir(parents=True)
    (product / "product.json").write_text(json.dumps({"name": name, "title": name.title()}))
    return product


def pipeline_notebook(path: Path, code: str, *, parameters: str | None = None) -> Path:
    """A pipeline notebook: imports the API, then ``code`` (which should call run())."""
    return write_notebook(
        path,
        "from naas_lab_ext.pipelines.api import DummyStep, End, NotebookStep, Pipeline",
        code,
        parameters=parameters,
    )
