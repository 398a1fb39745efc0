"""The extension's template wiring: traits, periodic sync started and stopped, read-only folder."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from naas_lab_ext.app import NaasLabExtApp
from tests.template_factory import write_template


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / "team"
    write_template(folder / "One.ipynb")
    return folder


@pytest.fixture
def templates_folder_name() -> str:
    return "__templates__"


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], source: Path, tmp_path: Path, templates_folder_name: str
) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "templates_folder": templates_folder_name,
            "template_sources": [str(source)],
            "templates_include_default": False,
            "templates_index_dir": str(tmp_path / "index"),
            "templates_sync_interval": 0.2,
        },
    }


@pytest.fixture
def extension(jp_serverapp: Any, root: Path) -> NaasLabExtApp:
    app = jp_serverapp.extension_manager.extension_points["naas_lab_ext"].app
    assert isinstance(app, NaasLabExtApp)
    return app


async def wait_for(condition: Any, timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_periodic_sync_starts_with_the_server_and_stops_with_it(
    extension: NaasLabExtApp, jp_serverapp: Any, root: Path, source: Path
) -> None:
    # When the server calls the start hook (it does once its event loop runs)
    await extension._start_jupyter_server_extension(jp_serverapp)
    # Then a sync runs at once, in the background, then every interval
    await wait_for(lambda: (root / "__templates__/team/One.ipynb").is_file())
    write_template(source / "Two.ipynb")
    await wait_for(lambda: (root / "__templates__/team/Two.ipynb").is_file())
    assert extension.template_sync.next_sync_at is not None
    assert extension.templates.status().templates == 2

    # When the extension stops, the periodic task is gone and nothing syncs any more
    await extension.stop_extension()
    loop = extension.template_sync._loop_task
    assert loop is not None and loop.done()
    write_template(source / "Three.ipynb")
    await asyncio.sleep(0.5)
    assert not (root / "__templates__/team/Three.ipynb").exists()


async def test_templates_live_in_the_root_and_are_read_only_there(
    extension: NaasLabExtApp, api: Any, jp_fetch: Any, root: Path
) -> None:
    status, body = await api("POST", "templates", "sync", body={"wait": True})
    assert status == 200 and body["templates"] == 1
    assert (root / "__templates__/team/One.ipynb").is_file()
    status, detail = await api("GET", "templates", "notebooks", "team", "One.ipynb")
    assert detail["path"] == "__templates__/team/One.ipynb"  # relative to the server root

    async def put(*parts: str) -> int:
        model = {"type": "file", "format": "text", "content": "x"}
        response = await jp_fetch(
            "api", "contents", *parts, method="PUT", body=json.dumps(model), raise_error=False
        )
        return int(response.code)

    assert await put("__templates__", "team", "x.txt") == 403
    # A folder of that name below the root is an ordinary folder
    (root / "team" / "__templates__").mkdir(parents=True)
    assert await put("team", "__templates__", "x.txt") == 201


async def test_a_sync_request_during_a_sync_waits_for_the_same_one(
    extension: NaasLabExtApp, api: Any
) -> None:
    first = extension.template_sync.sync_soon()
    second = extension.template_sync.sync_soon()
    assert first is second
    report = await first
    assert report is not None and report["ok"]


def test_traits_are_validated() -> None:
    with pytest.raises(TraitError, match="0 or more"):
        NaasLabExtApp(templates_sync_interval=-1)
    with pytest.raises(TraitError, match="not allowed"):
        NaasLabExtApp(templates_folder="../elsewhere")
    with pytest.raises(TraitError, match="not allowed"):
        NaasLabExtApp(templates_folder=".hidden")
    assert NaasLabExtApp(templates_folder="_library").templates_folder == "_library"


@pytest.mark.parametrize("templates_folder_name", ["_library"])
async def test_no_product_is_created_in_a_renamed_templates_folder(
    extension: NaasLabExtApp, api: Any, root: Path
) -> None:
    # Given the templates folder configured under another name
    assert extension.templates_folder == "_library"
    # When a product is asked for inside it
    status, body = await api("POST", "products", body={"name": "sales", "parent": "_library"})
    # Then it is refused, and nothing is written there
    assert status == 400 and body["field"] == "parent", body
    assert "read-only" in body["message"]
    assert not (root / "_library" / "sales").exists()
    # The default name is an ordinary folder then
    status, _body = await api("POST", "products", body={"name": "sales", "parent": "__templates__"})
    assert status == 201
