"""The product a notebook runs in: root discovery, folders, parameters, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naas_lab_ext.core.env import run_id, run_version
from naas_lab_ext.core.errors import InvalidInput, NotFound
from naas_lab_ext.outputs.settings import OutputSettings, output_settings
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.runtime.params import read_params, write_params
from naas_lab_ext.runtime.product import NotInProduct, ProductPaths, locate_product


@pytest.fixture
def product(tmp_path: Path) -> Path:
    """A real product made by the scaffold, in a parent folder."""
    created = create_product(
        tmp_path, ProductSpec(name="sales", parent="team"), framework_version="test", git=False
    )
    return tmp_path / created.product.path


@pytest.mark.parametrize("depth", ["", "models", "models/deep/er", "outputs/raw/x/2026"])
def test_the_root_is_found_from_any_folder_inside(product: Path, depth: str) -> None:
    start = product / depth
    start.mkdir(parents=True, exist_ok=True)
    assert locate_product(start, environ={}) == product


def test_a_file_path_starts_the_search_in_its_folder(product: Path) -> None:
    notebook = product / "models" / "__pipeline__.ipynb"
    assert locate_product(notebook, environ={}) == product


def test_the_nearest_product_json_wins(product: Path) -> None:
    # Given a folder with its own product.json inside the product (e.g. a copied product)
    inner = product / "assets" / "vendored"
    inner.mkdir()
    (inner / "product.json").write_text('{"name": "vendored"}')
    assert locate_product(inner / "x", environ={}) == inner


def test_outside_a_product_the_error_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(NotInProduct) as caught:
        locate_product(tmp_path, environ={})
    message = str(caught.value)
    assert "naas-lab new <name>" in message
    assert "New data product" in message
    assert str(tmp_path) in message
    # It is both a domain error and an ImportError (what `import naas_data_product` raises)
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, NotFound)


def test_the_env_var_names_the_product_from_anywhere(product: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = locate_product(elsewhere, environ={"NAAS_PRODUCT_ROOT": str(product)})
    assert found == product


def test_an_env_var_that_is_not_a_product_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotInProduct, match="NAAS_PRODUCT_ROOT"):
        locate_product(tmp_path, environ={"NAAS_PRODUCT_ROOT": str(tmp_path)})


def test_paths_constants(product: Path) -> None:
    constants = ProductPaths.of(product).constants()
    assert constants["ROOT_PATH"] == product
    assert constants["INPUTS_PATH"] == product / "inputs"
    assert sorted(constants) == sorted(
        f"{n}_PATH" for n in ("ROOT", "ASSETS", "INPUTS", "MODELS", "OUTPUTS", "TESTS", "UTILS")
    )
    for name, folder in constants.items():
        assert folder.is_dir(), f"{name} should exist in a new product"


def test_params_are_read_from_inputs(product: Path) -> None:
    assert read_params(product) == {"environment": "development"}


def test_missing_params_file_gives_an_empty_dict(product: Path) -> None:
    (product / "inputs" / "params.json").unlink()
    assert read_params(product) == {}


@pytest.mark.parametrize(("content", "words"), [("{oops", "not valid JSON"), ("[1]", "object")])
def test_broken_params_are_an_error_not_defaults(product: Path, content: str, words: str) -> None:
    (product / "inputs" / "params.json").write_text(content)
    with pytest.raises(InvalidInput, match=words):
        read_params(product)
    # And saving parameters refuses too, so the user's file is not replaced
    with pytest.raises(InvalidInput):
        write_params(product, {"a": 1})
    assert (product / "inputs" / "params.json").read_text() == content


def test_write_params_merges_or_replaces_atomically(product: Path) -> None:
    assert write_params(product, {"days": 7}) == {"environment": "development", "days": 7}
    assert read_params(product) == {"environment": "development", "days": 7}
    assert write_params(product, {"only": True}, replace=True) == {"only": True}
    assert json.loads((product / "inputs" / "params.json").read_text()) == {"only": True}
    assert [p.name for p in (product / "inputs").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("bad", [{"x": object()}, {"x": float("nan")}, {1: "a"}])
def test_write_params_refuses_what_json_cannot_hold(product: Path, bad: dict) -> None:  # type: ignore[type-arg]
    before = (product / "inputs" / "params.json").read_text()
    with pytest.raises(InvalidInput):
        write_params(product, bad)
    assert (product / "inputs" / "params.json").read_text() == before


def test_output_settings_defaults_env_and_product(product: Path) -> None:
    assert output_settings(product, environ={}) == OutputSettings(keep_versions=0, fsync=False)
    assert output_settings(product, environ={"NAAS_OUTPUTS_KEEP": "4"}).keep_versions == 4
    manifest = json.loads((product / "product.json").read_text())
    manifest["outputs"] = {"keep_versions": 2, "fsync": True}
    (product / "product.json").write_text(json.dumps(manifest))
    # The product's own setting wins over the server's default
    settings = output_settings(product, environ={"NAAS_OUTPUTS_KEEP": "4"})
    assert settings == OutputSettings(keep_versions=2, fsync=True)


@pytest.mark.parametrize(
    ("env", "outputs"),
    [
        ({"NAAS_OUTPUTS_KEEP": "-1"}, None),
        ({"NAAS_OUTPUTS_KEEP": "ten"}, None),
        ({}, {"keep_versions": -3}),
        ({}, {"keep_versions": True}),
        ({}, {"fsync": "yes"}),
        ({}, ["keep"]),
    ],
)
def test_bad_output_settings_are_errors(product: Path, env: dict, outputs: object) -> None:  # type: ignore[type-arg]
    if outputs is not None:
        manifest = json.loads((product / "product.json").read_text())
        manifest["outputs"] = outputs
        (product / "product.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput):
        output_settings(product, environ=env)


def test_run_environment() -> None:
    assert run_id(environ={}) is None
    assert run_version(environ={}) is None
    env = {"NAAS_RUN_ID": "r-1", "NAAS_RUN_VERSION": "2026-11-23T08.00.00.000Z"}
    assert run_id(environ=env) == "r-1"
    assert run_version(environ=env) == "2026-11-23T08.00.00.000Z"
    with pytest.raises(InvalidInput, match="NAAS_RUN_VERSION"):
        run_version(environ={"NAAS_RUN_VERSION": "yesterday"})


def test_a_production_run_writes_outputs_into_the_live_product(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    paths = ProductPaths.of(copy, environ={"NAAS_PRODUCT_OUTPUTS": str(tmp_path / "live/outputs")})
    assert paths.outputs == tmp_path / "live/outputs"
    assert paths.models == copy / "models"
    assert ProductPaths.of(copy, environ={}).outputs == copy / "outputs"
