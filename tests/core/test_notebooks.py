"""Notebooks the extension writes open unmodified in Lab (UI finding 7): they carry the
kernelspec and language_info JupyterLab writes when the default kernel starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager

from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.templates.copies import add_to_models, open_in_lab
from tests.template_factory import write_template

TEMPLATE = "src/Pandas/Pandas_Read_CSV.ipynb"


def what_lab_writes() -> dict[str, object]:
    """What NotebookPanel sets once a python3 kernel started: the kernel's spec and its
    kernel_info reply's language_info."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    return {
        "kernelspec": {
            "name": "python3",
            "display_name": spec.display_name,
            "language": spec.language,
        },
        "language_info": IPythonKernel.language_info,
    }


def kernel_metadata(path: Path) -> dict[str, object]:
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    return {key: metadata.get(key) for key in ("kernelspec", "language_info")}


def test_a_new_products_notebooks_carry_the_kernel_metadata(tmp_path: Path) -> None:
    create_product(
        tmp_path, ProductSpec(name="sales", title="Sales"), framework_version="test", git=False
    )
    notebooks = sorted((tmp_path / "sales").rglob("*.ipynb"))
    assert {p.name for p in notebooks} >= {"setup.ipynb", "__pipeline__.ipynb"}
    for notebook in notebooks:
        assert kernel_metadata(notebook) == what_lab_writes(), notebook


def test_template_copies_carry_the_kernel_metadata(tmp_path: Path) -> None:
    write_template(tmp_path / "__templates__" / TEMPLATE)
    templates = tmp_path / "__templates__"
    create_product(
        tmp_path, ProductSpec(name="sales", title="Sales"), framework_version="test", git=False
    )
    opened = open_in_lab(tmp_path, templates, TEMPLATE)
    added = add_to_models(tmp_path, templates, TEMPLATE, "sales")
    for copy in (opened.path, added.path):
        assert kernel_metadata(tmp_path / copy) == what_lab_writes(), copy


@pytest.mark.parametrize("kernel", ["ir", "julia-1.9"])
def test_a_template_for_another_kernel_keeps_its_own(tmp_path: Path, kernel: str) -> None:
    source = tmp_path / "__templates__" / TEMPLATE
    write_template(source)
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"] = {
        "kernelspec": {"name": kernel, "display_name": kernel, "language": "R"},
        "language_info": {"name": "R"},
    }
    source.write_text(json.dumps(notebook), encoding="utf-8")
    copied = open_in_lab(tmp_path, tmp_path / "__templates__", TEMPLATE)
    assert kernel_metadata(tmp_path / copied.path) == notebook["metadata"]
