"""Listings never show a name or a size from outside the root: an entry that is a symbolic
link out of it is left out and reported, and the rest of the listing is served."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.outputs.listing import OUTSIDE, list_datasets, list_versions
from tests.server.test_openapi import openapi_validator

from .test_rest import Get, fill, get, make_product

__all__ = ["get"]  # the fixture, shared with test_rest.py

VERSION = "2026-11-23T08.00.00.000Z"
SECRET_NAME = "payroll-2026.csv"
SECRET_SIZE = 12345


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the root, holding what must never be listed."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "version").mkdir()
    (folder / "version" / SECRET_NAME).write_bytes(b"x" * SECRET_SIZE)
    (folder / "layer" / "hidden-dataset" / VERSION).mkdir(parents=True)
    (folder / "layer" / "hidden-dataset" / VERSION / SECRET_NAME).write_bytes(b"y" * SECRET_SIZE)
    (folder / "dataset" / VERSION).mkdir(parents=True)
    (folder / "dataset" / VERSION / SECRET_NAME).write_bytes(b"z" * SECRET_SIZE)
    return folder


def hostile_product(root: Path, outside: Path) -> Path:
    """team/sales with a good dataset (raw/orders, clean/orders) and four links out: a
    version folder, a version's file, a layer and a dataset."""
    product = make_product(root)
    fill(product)
    outputs = product / "outputs"
    (outputs / "raw" / "escaped").mkdir()
    (outputs / "raw" / "escaped" / VERSION).symlink_to(outside / "version")
    (outputs / "raw" / "leak" / VERSION).mkdir(parents=True)
    (outputs / "raw" / "leak" / VERSION / "mine.csv").write_text("a\n")
    (outputs / "raw" / "leak" / VERSION / "theirs.csv").symlink_to(
        outside / "version" / SECRET_NAME
    )
    (outputs / "ext").symlink_to(outside / "layer")
    (outputs / "raw" / "linked").symlink_to(outside / "dataset")
    return product


def assert_nothing_from_outside(answer: Any) -> None:
    text = json.dumps(answer)
    assert SECRET_NAME not in text
    assert "hidden-dataset" not in text
    assert str(SECRET_SIZE) not in text


async def test_links_out_of_the_root_are_skipped_and_reported(
    get: Get, root: Path, outside: Path
) -> None:
    hostile_product(root, outside)
    # When the product's datasets are listed
    status, page, _ = await get("outputs", product="team/sales")
    # Then the listing answers, without a name or a size from outside the root
    assert status == 200, page
    openapi_validator("DatasetPage").validate(page)
    assert_nothing_from_outside(page)
    names = [d["name"] for d in page["datasets"]]
    assert names == ["clean/orders", "raw/escaped", "raw/leak", "raw/orders"]
    escaped = next(d for d in page["datasets"] if d["name"] == "raw/escaped")
    assert escaped["version_count"] == 0 and escaped["size"] == 0
    leak = next(d for d in page["datasets"] if d["name"] == "raw/leak")
    assert [f["name"] for f in leak["versions"][0]["files"]] == ["mine.csv"]
    # And each link left out is reported by its own path, with the reason
    base = "team/sales/outputs"
    assert {s["path"]: s["reason"] for s in page["skipped"]} == {
        f"{base}/ext": OUTSIDE,
        f"{base}/raw/escaped/{VERSION}": OUTSIDE,
        f"{base}/raw/leak/{VERSION}/theirs.csv": OUTSIDE,
        f"{base}/raw/linked": OUTSIDE,
    }


async def test_versions_of_a_dataset_skip_links_out(get: Get, root: Path, outside: Path) -> None:
    hostile_product(root, outside)
    status, page, _ = await get("outputs", "versions", product="team/sales", dataset="raw/escaped")
    assert status == 200, page
    openapi_validator("VersionPage").validate(page)
    assert_nothing_from_outside(page)
    assert page["versions"] == [] and page["total"] == 0
    assert [s["path"] for s in page["skipped"]] == [f"team/sales/outputs/raw/escaped/{VERSION}"]
    # A dataset folder that is itself a link out is refused when asked for by name
    status, body, _ = await get("outputs", "versions", product="team/sales", dataset="raw/linked")
    assert status == 400 and body["field"] == "dataset"
    # And a file out of the root is never served
    status, body, _ = await get(
        "outputs",
        "file",
        product="team/sales",
        dataset="raw/leak",
        version=VERSION,
        file="theirs.csv",
    )
    assert status == 400 and body["field"] == "file"


async def test_an_outputs_folder_out_of_the_root_lists_nothing(
    get: Get, root: Path, outside: Path
) -> None:
    product = make_product(root)
    shutil.rmtree(product / "outputs")
    (product / "outputs").symlink_to(outside / "layer")
    status, page, _ = await get("outputs", product="team/sales")
    assert status == 200, page
    assert page["datasets"] == [] and page["total"] == 0
    assert page["skipped"] == [{"path": "team/sales/outputs", "reason": OUTSIDE}]
    assert_nothing_from_outside(page)


def test_the_listing_functions_report_the_same(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    hostile_product(root, outside)
    page, _ = list_datasets(root, "team/sales", limit=2)
    assert page.total == 4 and len(page.items) == 2  # paging counts the listed datasets
    versions = list_versions(root, "team/sales", "raw/leak")
    assert [s.path for s in versions.skipped] == [
        f"team/sales/outputs/raw/leak/{VERSION}/theirs.csv"
    ]


def test_the_cli_says_what_it_skipped(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_product(tmp_path, outside)
    assert main(["--root", str(tmp_path), "outputs", "team/sales"]) == 0
    out, err = capsys.readouterr()
    assert SECRET_NAME not in out + err
    assert f"skipped team/sales/outputs/raw/escaped/{VERSION}: {OUTSIDE}" in err
    # and the versions of one dataset, as text
    assert main(["--root", str(tmp_path), "outputs", "team/sales", "raw/leak"]) == 0
    out, err = capsys.readouterr()
    assert f"{VERSION}\t2 B\tmine.csv  (newest)" in out
    assert "theirs.csv" in err and SECRET_NAME not in out + err
