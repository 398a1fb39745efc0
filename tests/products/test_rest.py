"""The products REST API through a real Jupyter server (pytest-jupyter's jp_fetch)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

FORM = {
    "name": "sales-report",
    "title": "Sales Report",
    "description": "Weekly sales.",
    "contact_name": "Ada Lovelace",
    "contact_email": "ada@example.com",
}


async def test_list_is_empty_at_first(api: Any) -> None:
    status, body = await api("GET", "products")
    assert status == 200
    assert body == {"products": []}


async def test_create_then_list_and_get(api: Any, root: Path) -> None:
    # When a product is created through the API
    status, body = await api("POST", "products", body=FORM)
    # Then it answers 201 with the product and its README path
    assert status == 201, body
    assert body["readme"] == "sales-report/README.md"
    assert body["product"]["path"] == "sales-report"
    assert body["product"]["manifest"]["title"] == "Sales Report"
    assert body["product"]["manifest"]["contact"] == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
    }
    assert (root / "sales-report" / "setup.ipynb").is_file()
    # And it is listed, and can be read by its path
    status, listed = await api("GET", "products")
    assert [p["path"] for p in listed["products"]] == ["sales-report"]
    status, one = await api("GET", "products", "sales-report")
    assert status == 200
    assert one["models"] == ["__pipeline__.ipynb"]


async def test_create_in_a_parent_folder_and_get_nested_path(api: Any) -> None:
    status, body = await api("POST", "products", body={"name": "churn", "parent": "team/a"})
    assert status == 201, body
    status, one = await api("GET", "products", "team", "a", "churn")
    assert status == 200
    assert one["path"] == "team/a/churn"


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"name": ""}, "name", "empty"),
        ({}, "name", "empty"),
        ({"name": "   "}, "name", "empty"),
        ({"name": ".."}, "name", "single folder name"),
        ({"name": "../escape"}, "name", "single folder name"),
        ({"name": "/etc"}, "name", "single folder name"),
        ({"name": "bad name!"}, "name", "not allowed"),
        ({"name": "ok", "parent": "../up"}, "parent", ".."),
        ({"name": "ok", "parent": "/abs"}, "parent", "absolute"),
        ({"name": "ok", "parent": "__templates__"}, "parent", "read-only"),
        ({"name": "ok", "contact_email": "nope"}, "contact_email", "email"),
        ({"name": "ok", "unknown": 1}, "unknown", "Unknown field"),
        ({"name": 12}, "name", "text"),
    ],
)
async def test_bad_input_gets_400_with_a_message(
    api: Any, root: Path, payload: dict[str, Any], field: str, words: str
) -> None:
    before = sorted(p.name for p in root.iterdir())
    status, body = await api("POST", "products", body=payload)
    assert status == 400, body
    assert body["field"] == field
    assert words in body["message"]
    assert "Traceback" not in body["message"]
    assert sorted(p.name for p in root.iterdir()) == before


async def test_body_that_is_not_json_gets_400(api: Any) -> None:
    status, body = await api("POST", "products", raw=b"{name: sales")
    assert status == 400
    assert "not valid JSON" in body["message"]


async def test_body_that_is_not_an_object_gets_400(api: Any) -> None:
    status, body = await api("POST", "products", body=["sales"])
    assert status == 400
    assert "JSON object" in body["message"]


async def test_existing_folder_with_content_gets_409_and_is_untouched(api: Any, root: Path) -> None:
    (root / "sales-report").mkdir()
    (root / "sales-report" / "mine.txt").write_text("keep me")
    status, body = await api("POST", "products", body=FORM)
    assert status == 409
    assert body["field"] == "name"
    assert "not empty" in body["message"]
    assert os.listdir(root / "sales-report") == ["mine.txt"]


async def test_creating_twice_gets_409(api: Any) -> None:
    assert (await api("POST", "products", body=FORM))[0] == 201
    status, body = await api("POST", "products", body=FORM)
    assert status == 409
    assert "choose another name" in body["message"]


async def test_symlink_outside_root_gets_400(api: Any, root: Path, tmp_path_factory: Any) -> None:
    outside = tmp_path_factory.mktemp("outside")
    os.symlink(outside, root / "escape")
    status, body = await api("POST", "products", body={"name": "p", "parent": "escape"})
    assert status == 400
    assert "outside" in body["message"]
    assert list(outside.iterdir()) == []
    status, body = await api("GET", "products", "escape")
    assert status == 400


async def test_get_unknown_product_gets_404(api: Any, root: Path) -> None:
    status, body = await api("GET", "products", "nothing-here")
    assert status == 404
    assert body["reason"] == "NotFound"
    (root / "plain").mkdir()
    status, body = await api("GET", "products", "plain")
    assert status == 404
    assert "not a data product" in body["message"]


async def test_get_with_dotdot_gets_400(api: Any) -> None:
    status, _ = await api("GET", "products", "a", "..", "..", "etc")
    # tornado normalises some '..' itself; either way, never a 200 or a 500
    assert status in (400, 404)
