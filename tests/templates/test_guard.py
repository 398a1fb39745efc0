"""__templates__ is read-only through the real contents API (/api/contents), whatever the
contents manager (sync or async); reading still works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from tests.template_factory import write_template

pytestmark = pytest.mark.filterwarnings(
    "ignore:The synchronous ContentsManager classes are deprecated:DeprecationWarning"
)
MESSAGE = "templates are read-only: use Open in Lab to get an editable copy"
TEMPLATE = "__templates__/team/Pandas_Read_CSV.ipynb"
MANAGERS = [
    "jupyter_server.services.contents.largefilemanager.AsyncLargeFileManager",
    "jupyter_server.services.contents.filemanager.AsyncFileContentsManager",
    "jupyter_server.services.contents.filemanager.FileContentsManager",
    "jupyter_server.services.contents.largefilemanager.LargeFileManager",
]


@pytest.fixture(params=MANAGERS, ids=lambda name: name.rsplit(".", 1)[-1])
def manager(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], tmp_path: Path, manager: str
) -> dict[str, Any]:
    source = tmp_path / "sources" / "team"
    write_template(source / "Pandas_Read_CSV.ipynb")
    return {
        "ServerApp": {**jp_server_config["ServerApp"], "contents_manager_class": manager},
        "NaasLabExtApp": {
            "template_sources": [str(source)],
            "templates_include_default": False,
            "templates_index_dir": str(tmp_path / "index"),
        },
    }


@pytest.fixture
def contents(jp_fetch: Any, api: Any) -> Any:
    """Call /api/contents; the templates are synchronised first."""
    synced = False

    async def call(method: str, path: str, body: Any = None, **params: str) -> HTTPResponse:
        nonlocal synced
        if not synced:
            status, answer = await api("POST", "templates", "sync", body={"wait": True})
            assert status == 200 and answer["last"]["ok"], answer
            synced = True
        kwargs: dict[str, Any] = {"method": method, "raise_error": False, "params": params}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in {"POST", "PUT", "PATCH"}:
            kwargs["body"] = "{}"
        parts = ["api", "contents", *[p for p in path.split("/") if p]]
        return await jp_fetch(*parts, **kwargs)  # type: ignore[no-any-return]

    return call


def refused(response: HTTPResponse) -> None:
    assert response.code == 403, response.body
    assert MESSAGE in json.loads(response.body)["message"]


def notebook_model(text: str = "changed") -> dict[str, Any]:
    return {
        "type": "notebook",
        "format": "json",
        "content": {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": text, "id": "a"}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
    }


async def test_reading_works_and_says_not_writable(contents: Any, root: Path) -> None:
    response = await contents("GET", TEMPLATE)
    assert response.code == 200
    model = json.loads(response.body)
    assert model["writable"] is False
    assert model["content"]["cells"][0]["cell_type"] == "markdown"
    listing = json.loads((await contents("GET", "__templates__/team")).body)
    assert [(c["name"], c["writable"]) for c in listing["content"]] == [
        ("Pandas_Read_CSV.ipynb", False)
    ]
    (root / "mine.txt").write_text("x", encoding="utf-8")
    top = json.loads((await contents("GET", "")).body)
    assert {c["name"]: c["writable"] for c in top["content"]} == {
        "__templates__": False,
        "mine.txt": True,
    }


async def test_saving_a_template_is_refused(contents: Any, root: Path) -> None:
    await contents("GET", TEMPLATE)  # synchronise
    before = (root / TEMPLATE).read_bytes()
    refused(await contents("PUT", TEMPLATE, notebook_model()))
    assert (root / TEMPLATE).read_bytes() == before


@pytest.mark.parametrize(
    "body",
    [
        {"type": "file", "format": "text", "content": "uploaded"},
        {"type": "file", "format": "base64", "content": "aGVsbG8="},
        {"type": "directory"},
    ],
    ids=["text-upload", "binary-upload", "folder"],
)
async def test_uploading_or_creating_inside_is_refused(
    contents: Any, root: Path, body: dict[str, Any]
) -> None:
    refused(await contents("PUT", "__templates__/team/new_thing", body))
    assert not (root / "__templates__/team/new_thing").exists()


async def test_chunked_upload_is_refused(contents: Any, root: Path) -> None:
    body = {"type": "file", "format": "base64", "content": "aGVsbG8=", "chunk": 1}
    response = await contents("PUT", "__templates__/big.bin", body)
    refused(response)
    assert not (root / "__templates__/big.bin").exists()


async def test_new_untitled_inside_is_refused(contents: Any, root: Path) -> None:
    await contents("GET", TEMPLATE)  # synchronise
    before = sorted(p.name for p in (root / "__templates__/team").iterdir())
    refused(await contents("POST", "__templates__/team", {"type": "notebook"}))
    refused(await contents("POST", "__templates__", {"type": "directory"}))
    assert sorted(p.name for p in (root / "__templates__/team").iterdir()) == before


async def test_copying_into_is_refused_but_copying_out_works(contents: Any, root: Path) -> None:
    write_template(root / "mine.ipynb")
    refused(await contents("POST", "__templates__/team", {"copy_from": "mine.ipynb"}))
    # A template copied elsewhere is an ordinary, writable notebook
    response = await contents("POST", "", {"copy_from": TEMPLATE})
    assert response.code == 201, response.body
    copy = json.loads(response.body)
    assert copy["path"] == "Pandas_Read_CSV.ipynb" and copy["writable"] is True
    # ... but copying a template next to itself is writing inside
    refused(await contents("POST", "__templates__/team", {"copy_from": TEMPLATE}))


async def test_renaming_in_or_out_is_refused(contents: Any, root: Path) -> None:
    write_template(root / "mine.ipynb")
    refused(await contents("PATCH", TEMPLATE, {"path": "moved.ipynb"}))
    refused(await contents("PATCH", "mine.ipynb", {"path": "__templates__/team/mine.ipynb"}))
    refused(await contents("PATCH", "__templates__", {"path": "elsewhere"}))
    refused(await contents("PATCH", "mine.ipynb", {"path": "__templates__"}))
    assert (root / TEMPLATE).is_file() and (root / "mine.ipynb").is_file()


async def test_deleting_is_refused(contents: Any, root: Path) -> None:
    refused(await contents("DELETE", TEMPLATE))
    refused(await contents("DELETE", "__templates__/team"))
    refused(await contents("DELETE", "__templates__"))
    assert (root / TEMPLATE).is_file()


async def test_checkpoints_cannot_be_written(contents: Any, root: Path) -> None:
    listed = await contents("GET", f"{TEMPLATE}/checkpoints")
    assert listed.code == 200 and json.loads(listed.body) == []
    refused(await contents("POST", f"{TEMPLATE}/checkpoints"))
    refused(await contents("POST", f"{TEMPLATE}/checkpoints/checkpoint"))
    refused(await contents("DELETE", f"{TEMPLATE}/checkpoints/checkpoint"))
    assert not list((root / "__templates__").rglob(".ipynb_checkpoints"))


async def test_a_symbolic_link_into_the_templates_does_not_open_a_door(
    contents: Any, root: Path
) -> None:
    await contents("GET", TEMPLATE)  # synchronise
    (root / "shortcut").symlink_to(root / "__templates__" / "team")
    refused(
        await contents(
            "PUT", "shortcut/new.txt", {"type": "file", "format": "text", "content": "x"}
        )
    )
    refused(await contents("DELETE", "shortcut/Pandas_Read_CSV.ipynb"))
    assert not (root / "__templates__/team/new.txt").exists()


async def test_everything_else_is_still_writable(contents: Any, root: Path) -> None:
    body = {"type": "file", "format": "text", "content": "hello"}
    await contents("GET", TEMPLATE)  # synchronise
    (root / "notes").mkdir()
    assert (await contents("PUT", "notes/templates-ideas.txt", body)).code == 201
    assert (await contents("PUT", "__templates__.txt", body)).code == 201
    assert (await contents("PATCH", "__templates__.txt", {"path": "renamed.txt"})).code == 200
    assert (await contents("DELETE", "renamed.txt")).code == 204
