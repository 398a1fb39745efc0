"""Open in Lab and Add to models: checked template ids, unique names, never overwrite."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.templates.copies import (
    add_to_models,
    copy_without_overwrite,
    open_in_lab,
    resolve_template,
)
from tests.template_factory import write_template

TEMPLATE = "src/Pandas/Pandas_Read_CSV.ipynb"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    write_template(path / "__templates__" / TEMPLATE)
    return path


@pytest.fixture
def templates(root: Path) -> Path:
    return root / "__templates__"


def test_open_in_lab_copies_to_the_root_under_free_names(root: Path, templates: Path) -> None:
    original = (templates / TEMPLATE).read_bytes()
    paths = [open_in_lab(root, templates, TEMPLATE).path for _ in range(3)]
    assert paths == [
        "Pandas_Read_CSV.ipynb",
        "Pandas_Read_CSV_(1).ipynb",
        "Pandas_Read_CSV_(2).ipynb",
    ]
    for path in paths:
        copied = json.loads((root / path).read_bytes())
        # the same notebook; only the kernel metadata Lab would write on open is added
        assert {**copied, "metadata": None} == {**json.loads(original), "metadata": None}
        assert copied["metadata"]["kernelspec"]["name"] == "python3"
        assert (root / path).stat().st_mode & 0o200  # the copy is writable, unlike the template
    assert not [p for p in root.iterdir() if p.name.startswith(".naas-tmp")]


def test_an_existing_file_is_never_overwritten(root: Path, templates: Path) -> None:
    (root / "Pandas_Read_CSV.ipynb").write_text("mine", encoding="utf-8")
    (root / "Pandas_Read_CSV_(1).ipynb").symlink_to(root / "nowhere")
    copy = open_in_lab(root, templates, TEMPLATE)
    assert copy.path == "Pandas_Read_CSV_(2).ipynb"
    assert (root / "Pandas_Read_CSV.ipynb").read_text() == "mine"


def test_concurrent_copies_get_distinct_names(root: Path, templates: Path) -> None:
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(open_in_lab(root, templates, TEMPLATE).path))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 8


def test_a_name_can_be_given(root: Path, templates: Path) -> None:
    assert open_in_lab(root, templates, TEMPLATE, name="sales.ipynb").path == "sales.ipynb"
    assert open_in_lab(root, templates, TEMPLATE, name="sales").path == "sales_(1).ipynb"
    with pytest.raises(InvalidInput) as caught:
        open_in_lab(root, templates, TEMPLATE, name="../up")
    assert caught.value.field == "name"


@pytest.mark.parametrize(
    ("template_id", "error"),
    [
        ("", InvalidInput),
        (None, InvalidInput),
        (42, InvalidInput),
        ("../secret.ipynb", InvalidInput),
        ("src/../../secret.ipynb", InvalidInput),
        ("/etc/passwd", InvalidInput),
        ("C:/x.ipynb", InvalidInput),
        ("src\\Pandas\\Pandas_Read_CSV.ipynb", InvalidInput),
        ("src/.hidden/x.ipynb", InvalidInput),
        ("src/Pandas", InvalidInput),  # a folder (no .ipynb)
        ("src/notes.txt", InvalidInput),
        ("src/Missing.ipynb", NotFound),
        ("x" * 2000 + ".ipynb", InvalidInput),
    ],
)
def test_template_ids_that_are_refused(
    templates: Path, template_id: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        resolve_template(templates, template_id)
    assert caught.value.field == "id"  # type: ignore[attr-defined]


def test_symbolic_links_cannot_lead_out_of_the_templates(
    root: Path, templates: Path, tmp_path: Path
) -> None:
    secret = write_template(tmp_path / "secret" / "Secret.ipynb")
    (templates / "src" / "Linked.ipynb").symlink_to(secret)
    (templates / "outside").symlink_to(secret.parent)
    (templates / "src" / "inner").symlink_to(templates / "src" / "Pandas")
    for template_id in (
        "src/Linked.ipynb",
        "outside/Secret.ipynb",
        "src/inner/Pandas_Read_CSV.ipynb",
    ):
        with pytest.raises(InvalidInput, match="symbolic link"):
            open_in_lab(root, templates, template_id)
    assert not list(root.glob("Secret*.ipynb"))


def test_a_folder_named_like_a_notebook_is_refused(templates: Path) -> None:
    (templates / "src" / "Folder.ipynb").mkdir()
    with pytest.raises(InvalidInput, match="not a template notebook"):
        resolve_template(templates, "src/Folder.ipynb")


def make_product(root: Path, name: str = "sales") -> str:
    created = create_product(root, ProductSpec(name=name), framework_version="test", git=False)
    return created.product.path


def test_add_to_models_copies_into_the_products_models_folder(root: Path, templates: Path) -> None:
    product = make_product(root)
    first = add_to_models(root, templates, TEMPLATE, product)
    second = add_to_models(root, templates, TEMPLATE, f"{product}/")
    assert (first.path, first.product) == ("sales/models/Pandas_Read_CSV.ipynb", "sales")
    assert second.path == "sales/models/Pandas_Read_CSV_(1).ipynb"
    copied = json.loads((root / first.path).read_bytes())
    original = json.loads((templates / TEMPLATE).read_bytes())
    assert copied["cells"] == original["cells"]


def test_add_to_models_creates_a_missing_models_folder(root: Path, templates: Path) -> None:
    product = make_product(root)
    for child in (root / product / "models").iterdir():
        child.unlink()
    (root / product / "models").rmdir()
    assert (
        add_to_models(root, templates, TEMPLATE, product).path
        == "sales/models/Pandas_Read_CSV.ipynb"
    )


@pytest.mark.parametrize(
    ("product", "error", "match"),
    [
        ("", InvalidInput, "Choose the data product"),
        (None, InvalidInput, "Choose the data product"),
        ("not-a-product", NotFound, "Nothing exists"),
        ("plain-folder", NotFound, "not a data product"),
        ("../elsewhere", InvalidInput, "goes up"),
        ("__templates__/src", Forbidden, "read-only"),
    ],
)
def test_add_to_models_refuses_what_is_not_a_product(
    root: Path, templates: Path, product: object, error: type[Exception], match: str
) -> None:
    (root / "plain-folder").mkdir()
    with pytest.raises(error, match=match) as caught:
        add_to_models(root, templates, TEMPLATE, product)
    assert caught.value.field == "product"  # type: ignore[attr-defined]


def test_models_as_a_file_is_a_conflict(root: Path, templates: Path) -> None:
    product = make_product(root)
    models = root / product / "models"
    for child in models.iterdir():
        child.unlink()
    models.rmdir()
    models.write_text("oops", encoding="utf-8")
    with pytest.raises(Conflict, match="is a file"):
        add_to_models(root, templates, TEMPLATE, product)
    assert models.read_text() == "oops"


def test_copy_gives_up_after_too_many_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("naas_lab_ext.templates.copies.MAX_ATTEMPTS", 3)
    source = write_template(tmp_path / "t.ipynb")
    for name in ("x.ipynb", "x_(1).ipynb", "x_(2).ipynb"):
        (tmp_path / name).write_text("taken", encoding="utf-8")
    with pytest.raises(Conflict, match="No free name"):
        copy_without_overwrite(source, tmp_path, "x")
    assert not list(tmp_path.glob(".naas-tmp*"))


@pytest.mark.parametrize("content", [b"{not json", b'{"cells": "no list"}', b"\xff\xfe"])
def test_a_broken_template_is_refused_as_the_preview_refuses_it(
    root: Path, templates: Path, content: bytes
) -> None:
    # Given a template file that is not a readable notebook (the preview refuses it)
    (templates / "src/Broken.ipynb").write_bytes(content)
    product = make_product(root)
    # Then Open in Lab and Add to models refuse it too (400), and copy nothing
    with pytest.raises(InvalidInput, match="not a readable notebook"):
        open_in_lab(root, templates, "src/Broken.ipynb")
    with pytest.raises(InvalidInput, match="not a readable notebook"):
        add_to_models(root, templates, "src/Broken.ipynb", product)
    assert not list(root.glob("Broken*")) and not list(root.glob("sales/models/Broken*"))
