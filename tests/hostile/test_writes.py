"""What the routes that write do with hostile names and links: a 4xx JSON naming the field,
nothing written into the templates folder (checked on the real path, links followed),
headers built from quoted values only, bounds with messages that say what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from naas_lab_ext.pipelines.options import MAX_PARAMETERS_BYTES
from tests.notebooks import pipeline_notebook, write_notebook

PIPELINE = "pipeline = Pipeline('t')\npipeline >> DummyStep('One') >> End()\npipeline.run()"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    # No sync: the tests compare the templates folder before and after.
    return {
        "ServerApp": {"jpserver_extensions": {"naas_lab_ext": True}},
        "NaasLabExtApp": {"templates_sync_at_start": False, "templates_sync_interval": 0.0},
    }


@pytest.fixture
def templates(root: Path) -> Path:
    """__templates__ with a template, a product holding a pipeline, and links to it from
    the root: to the folder, to a folder inside it, to the product."""
    folder = root / "__templates__"
    write_notebook(folder / "src" / "nb.ipynb", "print(1)")
    prod = folder / "src" / "prod"
    (prod / "product.json").parent.mkdir(parents=True)
    (prod / "product.json").write_text(json.dumps({"name": "prod"}))
    (prod / "setup.ipynb").write_text("{}")
    pipeline_notebook(prod / "models" / "__pipeline__.ipynb", PIPELINE)
    (root / "tpl").symlink_to(folder)
    (root / "src-link").symlink_to(folder / "src")
    (root / "prod-link").symlink_to(prod)
    return folder


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("parent", ["tpl", "tpl/src", "src-link", "src-link/new/deeper"])
async def test_a_product_is_never_created_through_a_link_into_the_templates(
    api: Any, templates: Path, parent: str
) -> None:
    before = tree(templates)
    status, body = await api("POST", "products", body={"name": "evil", "parent": parent})
    assert status == 403, body
    assert body["reason"] == "Forbidden" and body["field"] == "parent"
    assert "read-only" in body["message"]
    assert tree(templates) == before


@pytest.mark.parametrize(
    ("parent", "words"),
    [
        ("a\r\nb", "control character"),
        ("a\x00b", "NUL"),
        ("a" * 256, "256 bytes"),
        ("team/" + "é" * 128, "256 bytes"),
        ("x/\ud800", "lone surrogate"),
    ],
)
async def test_a_parent_no_file_system_takes_is_a_400_and_nothing_is_made(
    api: Any, root: Path, parent: str, words: str
) -> None:
    status, body = await api("POST", "products", body={"name": "p", "parent": parent})
    assert status == 400, body
    assert body["field"] == "parent" and words in body["message"]
    assert list(root.iterdir()) == []


async def test_the_location_of_a_product_with_a_non_latin1_parent_is_quoted(
    jp_fetch: Any, root: Path
) -> None:
    # When a product is created in a folder whose name is not Latin-1
    response = await jp_fetch(
        "naas-lab-ext",
        "products",
        method="POST",
        body=json.dumps({"name": "p", "parent": "\u04401 \u65e5\u672c"}),
    )
    # Then it is created once, and the Location header is ASCII, percent-encoded
    assert response.code == 201
    location = response.headers["Location"]
    assert location.isascii() and " " not in location
    assert unquote(location).endswith("/naas-lab-ext/products/\u04401 \u65e5\u672c/p")
    assert (root / "\u04401 \u65e5\u672c" / "p" / "product.json").is_file()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("contact_name", "Ada\x00Lovelace", "NUL"),
        ("contact_email", "ada@example.com\x00", "NUL"),
        ("title", "Sales\x1b[31m", "control character"),
        ("description", "x\ud800", "lone surrogate"),
        ("contact_email", "a" * 250 + "@example.com", "email"),
    ],
)
async def test_text_fields_are_bounded_and_never_reach_git(
    api: Any, root: Path, field: str, value: str, words: str
) -> None:
    status, body = await api("POST", "products", body={"name": "p", field: value})
    assert status == 400, body
    assert body["field"] == field and words in body["message"]
    assert not (root / "p").exists()


async def test_line_breaks_in_a_title_are_folded_and_git_gets_a_clean_author(
    api: Any, root: Path
) -> None:
    form = {"name": "p", "title": "Sales\r\nReport", "contact_name": "Ada\tLovelace"}
    status, body = await api("POST", "products", body=form)
    assert status == 201, body
    assert body["product"]["manifest"]["title"] == "Sales Report"
    assert body["product"]["manifest"]["contact"]["name"] == "Ada Lovelace"


@pytest.mark.parametrize(
    "pipeline",
    [
        "prod-link/models/__pipeline__.ipynb",
        "tpl/src/prod/models/__pipeline__.ipynb",
        "src-link/prod/models/__pipeline__.ipynb",
        "__templates__/src/prod/models/__pipeline__.ipynb",
    ],
)
async def test_a_run_never_writes_into_the_templates(
    api: Any, templates: Path, pipeline: str
) -> None:
    before = tree(templates)
    status, body = await api("POST", "runs", body={"pipeline": pipeline})
    assert status == 403, body
    assert body["field"] == "pipeline" and "read-only" in body["message"]
    status, page = await api("GET", "runs")
    assert page["runs"] == []
    assert tree(templates) == before


async def test_run_parameters_are_capped_before_anything_runs(api: Any, root: Path) -> None:
    big = {"data": "x" * MAX_PARAMETERS_BYTES}
    status, body = await api("POST", "runs", body={"pipeline": "none.ipynb", "parameters": big})
    assert status == 400, body
    assert body["field"] == "parameters"
    assert "64 KiB" in body["message"] and "inputs/" in body["message"]


async def test_a_deploy_never_writes_into_the_templates(api: Any, templates: Path) -> None:
    before = tree(templates)
    for product in ("prod-link", "tpl/src/prod", "__templates__/src/prod"):
        status, body = await api("POST", "deployments", body={"product": product})
        assert status == 403, (product, body)
        assert body["field"] == "product"
    assert tree(templates) == before


async def test_a_template_is_never_added_to_models_that_lead_into_the_templates(
    api: Any, root: Path, templates: Path
) -> None:
    product = root / "linked"
    product.mkdir()
    (product / "product.json").write_text(json.dumps({"name": "linked"}))
    (product / "models").symlink_to(templates / "src")
    before = tree(templates)
    status, body = await api(
        "POST", "templates", "add-to-models", body={"id": "src/nb.ipynb", "product": "linked"}
    )
    assert status == 403, body
    assert body["field"] == "product"
    assert tree(templates) == before
    # and once models/ is a real folder, the same request copies the template
    (product / "models").unlink()
    shutil.rmtree(product / "models", ignore_errors=True)
    status, body = await api(
        "POST", "templates", "add-to-models", body={"id": "src/nb.ipynb", "product": "linked"}
    )
    assert status == 201, body
    assert (product / "models" / "nb.ipynb").is_file()
