"""Shared fixtures: a Jupyter server with naas_lab_ext enabled on a temporary root."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests import pg

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"naas_lab_ext": True}}}


@pytest.fixture
def api(jp_fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[tuple[int, Any]]]:
    """Call a naas_lab_ext route; return (status, parsed JSON body), errors included."""

    async def call(
        method: str,
        *parts: str,
        body: Any = None,
        raw: bytes | None = None,
        params: Any = None,
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "raise_error": False}
        if params is not None:
            kwargs["params"] = params  # a dict, or a list of pairs to repeat a parameter
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in {"POST", "PUT", "PATCH"}:
            kwargs["body"] = b""
        response = await jp_fetch("naas-lab-ext", *parts, **kwargs)
        text = response.body.decode() if response.body else ""
        return response.code, (json.loads(text) if text else None)

    return call


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    """The server's root folder (where products are created)."""
    return Path(jp_root_dir)


DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The tests of a module marked ``both_databases`` run once on SQLite, once on PostgreSQL
    (their ``run_store_url`` is a schema of the test server: see tests/pg.py)."""
    if metafunc.definition.get_closest_marker("both_databases") is None:
        return
    if "run_store_url" in metafunc.fixturenames:
        metafunc.parametrize("run_store_url", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """The URL of the PostgreSQL test server (skipped without one, failed in CI)."""
    with pg.server() as url:
        yield url


@pytest.fixture(autouse=True)
def run_store_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """Every test records runs in a store of its own, never in the real Jupyter data dir. The
    file exists, as after a first start: a missing one is recorded as a lost history
    (``store.created``; tests/database/ tests that). On PostgreSQL (``both_databases``): a
    new schema of the test server."""
    if getattr(request, "param", "sqlite") == "postgresql":
        with pg.schema(request.getfixturevalue("pg_server_url")) as url:
            monkeypatch.setenv("NAAS_LAB_DB_URL", url)
            yield url
        return
    path = tmp_path_factory.mktemp("store") / "runs.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")  # writes the header: not empty
    url = f"sqlite:///{path}"
    monkeypatch.setenv("NAAS_LAB_DB_URL", url)
    yield url


@pytest.fixture(autouse=True)
def secrets_places(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    """Every test keeps its secrets in an encrypted file of its own (never the real Jupyter
    data dir, never the user's OS keyring), with its key in another folder."""
    base = tmp_path_factory.mktemp("secrets")
    places = {"folder": base / "data", "key_file": base / "config" / "secrets.key"}
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "file")
    monkeypatch.setenv("NAAS_SECRETS_DIR", str(places["folder"]))
    monkeypatch.setenv("NAAS_SECRETS_KEY_FILE", str(places["key_file"]))
    monkeypatch.delenv("NAAS_SECRETS_KEY", raising=False)
    monkeypatch.delenv("NAAS_SECRETS_PRODUCT", raising=False)
    monkeypatch.delenv("NAAS_SMTP_PASSWORD_SECRET", raising=False)
    return places


@pytest.fixture
def naas_data_product(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make ``naas_data_product`` importable by kernels. Issue 5 ships the real package (it
    re-exports naas_lab_ext.pipelines.api); a stand-in is used only while it is missing."""
    request.getfixturevalue("jp_environ")  # it resets PYTHONPATH: let it run first
    if importlib.util.find_spec("naas_data_product") is not None:
        return
    shim = tmp_path / "shim" / "naas_data_product"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(
        "from naas_lab_ext.pipelines.api import DummyStep, End, NotebookStep, Pipeline\n"
    )
    path = os.pathsep.join(filter(None, [str(shim.parent), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)


@pytest.fixture(autouse=True)
def no_kernel_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test servers start no waiting kernels (NaasLabExtApp.kernel_pool_size defaults to
    $NAAS_KERNEL_POOL_SIZE): a test that wants a pool configures one."""
    monkeypatch.setenv("NAAS_KERNEL_POOL_SIZE", "0")
