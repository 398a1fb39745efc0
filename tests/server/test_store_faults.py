"""A server whose store is damaged stays loaded: GET /status tells the store's error and what
to do, the routes that need the store answer 503 JSON, products and templates keep working. A
server whose store was missing says the history was not found (status, event)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from naas_lab_ext.core.errors import StoreUnavailable
from tests.template_factory import write_template

#: Routes that read the store, one per capability that needs it.
STORE_ROUTES = [
    ("GET", ("runs",)),
    ("GET", ("runs", "0123456789abcdef")),
    ("GET", ("schedules",)),
    ("GET", ("deployments",), {"product": "sales"}),
    ("GET", ("events",)),
    ("GET", ("pipelines",), {"product": "sales"}),
]


def store_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def template_source(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / "team"
    write_template(folder / "Pandas/Pandas_Read_CSV.ipynb", title="Pandas - Read CSV")
    return folder


@pytest.fixture
def damaged_store(run_store_url: str) -> Path:
    path = store_path(run_store_url)
    path.write_bytes(os.urandom(32 * 1024))  # garbage, as a disk fault or a bad copy leaves it
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return path


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any],
    request: pytest.FixtureRequest,
    template_source: Path,
    tmp_path: Path,
) -> dict[str, Any]:
    # The store as the server finds it when it starts
    if request.node.originalname == test_a_damaged_store_leaves_the_extension_loaded.__name__:
        request.getfixturevalue("damaged_store")
    if request.node.originalname == test_a_missing_store_is_created_with_a_warning.__name__:
        store_path(request.getfixturevalue("run_store_url")).unlink()
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "template_sources": [str(template_source)],
            "templates_include_default": False,
            "templates_index_dir": str(tmp_path / "index"),
            "templates_sync_interval": 0,
            "templates_sync_at_start": False,
            "git_init": False,
        },
    }


def assert_unavailable(status: int, body: Any, path: Path) -> None:
    assert status == 503, body
    assert body["reason"] == StoreUnavailable.__name__
    assert body["field"] == "db_url"
    assert str(path) in body["message"] and "move the file aside" in body["message"]


async def test_a_damaged_store_leaves_the_extension_loaded(api: Any, damaged_store: Path) -> None:
    # The status answers, with the store's error and what to do
    status, body = await api("GET", "status")
    assert status == 200
    store = body["store"]
    assert store["ok"] is False and store["location"] == str(damaged_store)
    assert f"mv '{damaged_store}' '{damaged_store}.broken'" in store["error"]
    # Every route that needs the store answers 503 JSON saying the same
    for method, parts, *params in STORE_ROUTES:
        status, answer = await api(method, *parts, params=params[0] if params else None)
        assert_unavailable(status, answer, damaged_store)
    status, answer = await api("POST", "runs", body={"pipeline": "sales/models/p.ipynb"})
    assert_unavailable(status, answer, damaged_store)
    # Products and templates keep working
    status, created = await api("POST", "products", body={"name": "sales"})
    assert status == 201, created
    status, listed = await api("GET", "products")
    assert [p["path"] for p in listed["products"]] == ["sales"]
    status, synced = await api("POST", "templates", "sync", body={"wait": True})
    assert status == 200 and synced["last"]["ok"] is True, synced
    status, found = await api("GET", "templates", params={"q": "csv"})
    assert status == 200 and found["total"] == 1
    # and the damaged file was not touched
    assert not damaged_store.with_name(damaged_store.name + ".broken").exists()


async def test_a_store_damaged_while_the_server_runs_answers_503_not_500(
    api: Any, run_store_url: str, jp_serverapp: Any
) -> None:
    path = store_path(run_store_url)
    status, body = await api("GET", "runs")
    assert status == 200 and body["runs"] == []
    status, body = await api("GET", "status")
    assert body["store"] == {"ok": True, "location": str(path), "error": None, "warning": None}
    # When the driver finds the file damaged while the server runs (injected where SQLite
    # raises it: a real damage of a live WAL store stays hidden behind its caches)
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]

    def malformed(*_args: Any) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    event.listen(app.runs.store.engine, "before_cursor_execute", malformed)
    try:
        # Then the routes that read it answer 503 JSON with what to do, and the status says so
        status, body = await api("GET", "runs")
        assert_unavailable(status, body, path)
        assert "database disk image is malformed" in body["message"]
        status, body = await api("GET", "status")
        assert body["store"]["ok"] is False and str(path) in body["store"]["error"]
        # and products still work
        status, body = await api("GET", "products")
        assert status == 200
    finally:
        event.remove(app.runs.store.engine, "before_cursor_execute", malformed)


async def test_a_missing_store_is_created_with_a_warning(api: Any, run_store_url: str) -> None:
    path = store_path(run_store_url)
    status, body = await api("GET", "status")
    assert status == 200
    assert body["store"]["ok"] is True and path.is_file()
    assert body["store"]["warning"].startswith(f"The history was not found at {path}")
    status, page = await api("GET", "events", params={"kind": "store.created"})
    assert status == 200
    [event] = page["events"]
    assert (event["level"], event["subject_type"]) == ("warning", "store")
    assert event["details"] == {"path": str(path), "reason": "missing"}
