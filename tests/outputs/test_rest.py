"""REST routes of the outputs (the product panel): datasets, versions, download; and the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.outputs.store import OutputStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.server.test_openapi import openapi_validator

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
Get = Callable[..., Awaitable[tuple[int, Any, Any]]]


@pytest.fixture
def get(jp_fetch: Callable[..., Awaitable[Any]]) -> Get:
    """GET a naas_lab_ext route with query arguments; (status, JSON or bytes, headers)."""

    async def call(*parts: str, **params: Any) -> tuple[int, Any, Any]:
        response = await jp_fetch(
            "naas-lab-ext", *parts, method="GET", params=params, raise_error=False
        )
        body = response.body
        if response.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(body) if body else None
        return response.code, body, response.headers

    return call


def make_product(root: Path, name: str = "sales", parent: str = "team") -> Path:
    created = create_product(
        root, ProductSpec(name=name, parent=parent), framework_version="test", git=False
    )
    return root / created.product.path


def fill(product: Path) -> list[str]:
    """Three versions of raw/orders (two files in the last), one of clean/orders."""
    moments = iter(T0 + timedelta(hours=h) for h in range(10))
    store = OutputStore(product, environ={}, clock=lambda: next(moments))
    made = [store.save(b"a" * (10 * (i + 1)), "raw/orders/orders.csv").version for i in range(3)]
    store.save(b"c" * 5, "raw/orders/customers.csv", version=made[-1])
    store.save({"rows": 3}, "clean/orders/summary.json")
    return made


async def test_list_datasets_with_versions_and_sizes(get: Get, root: Path) -> None:
    product = make_product(root)
    made = fill(product)
    status, body, _ = await get("outputs", product="team/sales")
    assert status == 200, body
    assert (body["total"], body["offset"], body["limit"]) == (2, 0, 50)
    assert body["keep_versions"] == 0
    assert [d["name"] for d in body["datasets"]] == ["clean/orders", "raw/orders"]
    raw = body["datasets"][1]
    assert raw["layer"] == "raw" and raw["dataset"] == "orders"
    assert raw["version_count"] == 3
    assert raw["latest_version"] == made[-1]
    assert raw["size"] == 10 + 20 + 30 + 5
    assert [v["version"] for v in raw["versions"]] == made[::-1]
    assert raw["versions"][0]["is_newest"] is True
    assert raw["versions"][0]["created_at"] == "2026-11-23T10:00:00.000Z"
    newest_files = {f["name"]: f for f in raw["versions"][0]["files"]}
    assert newest_files["orders.csv"] == {
        "name": "orders.csv",
        "size": 30,
        "path": f"team/sales/outputs/raw/orders/{made[-1]}/orders.csv",
        "is_latest": True,
        "version": made[-1],
    }
    assert raw["versions"][1]["files"][0]["is_latest"] is False
    assert {f["name"]: f["version"] for f in raw["latest"]} == {
        "customers.csv": made[-1],
        "orders.csv": made[-1],
    }
    # Each path opens with the contents API: it is the real file
    assert (root / newest_files["orders.csv"]["path"]).read_bytes() == b"a" * 30


async def test_datasets_are_paged(get: Get, root: Path) -> None:
    product = make_product(root)
    fill(product)
    status, body, _ = await get(
        "outputs", product="team/sales", offset="1", limit="1", versions="1"
    )
    assert status == 200
    assert body["total"] == 2
    assert [d["name"] for d in body["datasets"]] == ["raw/orders"]
    assert len(body["datasets"][0]["versions"]) == 1
    assert body["datasets"][0]["version_count"] == 3
    status, body, _ = await get("outputs", product="team/sales", offset="5")
    assert (status, body["datasets"], body["total"]) == (200, [], 2)


async def test_a_product_without_outputs_has_no_datasets(get: Get, root: Path) -> None:
    make_product(root)
    status, body, _ = await get("outputs", product="team/sales")
    assert (status, body["datasets"], body["total"]) == (200, [], 0)


async def test_list_versions_of_one_dataset_paged(get: Get, root: Path) -> None:
    product = make_product(root)
    made = fill(product)
    status, body, _ = await get(
        "outputs", "versions", product="team/sales", dataset="raw/orders", limit="2"
    )
    assert status == 200, body
    assert body["total"] == 3
    assert [v["version"] for v in body["versions"]] == made[:0:-1]
    assert sorted(f["name"] for f in body["versions"][0]["files"]) == [
        "customers.csv",
        "orders.csv",
    ]
    assert body["versions"][0]["size"] == 35


async def test_download_a_version_and_latest(get: Get, root: Path) -> None:
    product = make_product(root)
    made = fill(product)
    query = {"product": "team/sales", "dataset": "raw/orders", "file": "orders.csv"}
    status, body, headers = await get("outputs", "file", version=made[0], **query)
    assert status == 200
    assert body == b"a" * 10
    assert headers["Content-Disposition"] == "attachment; filename*=UTF-8''orders.csv"
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, body, _ = await get("outputs", "file", **query)  # version defaults to latest
    assert (status, body) == (200, b"a" * 30)


async def test_download_streams_a_large_file_whole(get: Get, root: Path) -> None:
    product = make_product(root)
    data = os.urandom(3 * (1 << 20) + 17)
    saved = OutputStore(product, environ={}).save(data, "raw/big/big.bin")
    status, body, headers = await get(
        "outputs",
        "file",
        product="team/sales",
        dataset="raw/big",
        version=saved.version,
        file="big.bin",
    )
    assert status == 200
    assert int(headers["Content-Length"]) == len(data)
    assert body == data


@pytest.mark.parametrize(
    ("route", "query", "status", "field", "words"),
    [
        ("outputs", {}, 400, "product", "required"),
        ("outputs", {"product": "../etc"}, 400, "product", ".."),
        ("outputs", {"product": "/etc"}, 400, "product", "absolute"),
        ("outputs", {"product": "nowhere"}, 404, "product", "Nothing exists"),
        ("outputs", {"product": "team"}, 404, "product", "not a data product"),
        ("outputs", {"product": "team/sales", "offset": "-1"}, 400, "offset", "0 or more"),
        ("outputs", {"product": "team/sales", "limit": "0"}, 400, "limit", "between"),
        ("outputs", {"product": "team/sales", "limit": "9999"}, 400, "limit", "between"),
        ("outputs", {"product": "team/sales", "limit": "ten"}, 400, "limit", "whole number"),
        ("outputs", {"product": "team/sales", "versions": "-2"}, 400, "versions", "between"),
        ("outputs/versions", {"product": "team/sales"}, 400, "dataset", "required"),
        (
            "outputs/versions",
            {"product": "team/sales", "dataset": "raw"},
            400,
            "dataset",
            "layer/dataset",
        ),
        (
            "outputs/versions",
            {"product": "team/sales", "dataset": "raw/.."},
            400,
            "dataset",
            "single folder name",
        ),
        (
            "outputs/versions",
            {"product": "team/sales", "dataset": "raw/orders/orders.csv"},
            400,
            "dataset",
            "names a file",
        ),
        (
            "outputs/versions",
            {"product": "team/sales", "dataset": "raw/nothing"},
            404,
            "dataset",
            "no dataset",
        ),
        (
            "outputs/file",
            {"product": "team/sales", "dataset": "raw/orders"},
            400,
            "file",
            "required",
        ),
        (
            "outputs/file",
            {"product": "team/sales", "dataset": "raw/orders", "file": "../../../product.json"},
            400,
            "file",
            "without '/'",
        ),
        (
            "outputs/file",
            {"product": "team/sales", "dataset": "raw/orders", "file": ".naas-lock"},
            400,
            "file",
            "not allowed",
        ),
        (
            "outputs/file",
            {"product": "team/sales", "dataset": "raw/orders", "file": "x", "version": "new"},
            400,
            "version",
            "not a version",
        ),
        (
            "outputs/file",
            {
                "product": "team/sales",
                "dataset": "raw/orders",
                "file": "nope.csv",
                "version": "2026-11-23T08.00.00.000Z",
            },
            404,
            "file",
            "no file",
        ),
        (
            "outputs/file",
            {
                "product": "team/sales",
                "dataset": "raw/orders",
                "file": "orders.csv",
                "version": "2020-01-01T00.00.00.000Z",
            },
            404,
            "version",
            "no file",
        ),
    ],
)
async def test_bad_input_gets_4xx_with_a_message(
    get: Get, root: Path, route: str, query: dict[str, str], status: int, field: str, words: str
) -> None:
    fill(make_product(root))
    code, body, _ = await get(*route.split("/"), **query)
    assert code == status, body
    assert body["field"] == field
    assert words in body["message"], body["message"]


async def test_outputs_behind_a_symlink_out_of_the_root_are_refused(
    get: Get, root: Path, tmp_path_factory: Any
) -> None:
    # Given a product whose outputs folder links to somewhere outside the Jupyter root
    product = make_product(root)
    outside = tmp_path_factory.mktemp("lake")
    (product / "outputs").rename(outside / "outputs")
    os.symlink(outside / "outputs", product / "outputs")
    fill(product)
    status, body, _ = await get(
        "outputs", "file", product="team/sales", dataset="raw/orders", file="orders.csv"
    )
    assert status == 400
    assert "outside" in body["message"]
    status, body, _ = await get("outputs", "versions", product="team/sales", dataset="raw/orders")
    assert status == 400


async def test_routes_need_credentials(jp_fetch: Any) -> None:
    for route in (("outputs",), ("outputs", "versions"), ("outputs", "file")):
        response = await jp_fetch(
            "naas-lab-ext",
            *route,
            params={"product": "x"},
            headers={"Authorization": ""},
            raise_error=False,
        )
        assert response.code == 403, route


# -- the CLI over the same listing -----------------------------------------------------------


def test_cli_lists_datasets_and_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = fill(make_product(tmp_path))
    assert main(["--root", str(tmp_path), "outputs", "team/sales"]) == 0
    out = capsys.readouterr().out
    assert "raw/orders\t3 version(s)\t65 B\tlatest " + made[-1] in out
    assert f"  {made[-1]}\t35 B\tcustomers.csv, orders.csv" in out
    assert main(["--root", str(tmp_path), "outputs", "team/sales", "raw/orders", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in listed["versions"]] == made[::-1]


def test_cli_outputs_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_product(tmp_path)
    assert main(["--root", str(tmp_path), "outputs", "team/none"]) == 3
    assert main(["--root", str(tmp_path), "outputs", "team/sales", "raw"]) == 2
    assert main(["--root", str(tmp_path), "outputs", "team/sales", "--limit", "0"]) == 2
    err = capsys.readouterr().err
    assert "naas-lab: error (limit)" in err


# -- answers match openapi.yaml --------------------------------------------------------------


async def test_answers_match_the_openapi_schemas(get: Get, root: Path) -> None:
    fill(make_product(root))
    _, datasets, _ = await get("outputs", product="team/sales")
    openapi_validator("DatasetPage").validate(datasets)
    _, versions, _ = await get("outputs", "versions", product="team/sales", dataset="raw/orders")
    openapi_validator("VersionPage").validate(versions)
    _, error, _ = await get("outputs", product="../x")
    openapi_validator("Error").validate(error)
    # And the validator is not a rubber stamp
    with pytest.raises(Exception, match="required"):
        openapi_validator("VersionPage").validate({"versions": []})
