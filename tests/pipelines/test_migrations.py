"""The run store brings an older schema up to date when it opens, and refuses a newer one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.database.migrations import SCHEMA_VERSION
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore


def a_run(run_id: str, deployment: str | None = None) -> RunResult:
    return RunResult(
        run_id=run_id,
        pipeline="daily",
        status=RunStatus.SUCCEEDED,
        product_root=Path("/products/sales"),
        created_at=utc_now(),
        deployment_id=deployment,
    )


def version_of(url: str) -> str:
    with create_engine(url).connect() as conn:
        query = text("SELECT value FROM naas_meta WHERE key = 'schema_version'")
        return str(conn.execute(query).scalar())


def test_a_new_store_is_current_and_records_the_deployment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    store = RunStore(url)
    store.create_run(a_run("r1", deployment="d-1"))
    assert store.get_run("r1").deployment_id == "d-1"
    assert store.get_run("r1").to_json()["deployment_id"] == "d-1"
    store.close()
    assert version_of(url) == SCHEMA_VERSION


def test_a_schema_1_store_gets_the_deployment_column_and_keeps_its_runs(tmp_path: Path) -> None:
    # Given a store as naas_lab_ext wrote it before runs had a deployment (schema 1)
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    store = RunStore(url)
    store.create_run(a_run("old"))
    store.close()
    with create_engine(url).begin() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN deployment_id"))
        conn.execute(text("UPDATE naas_meta SET value = '1' WHERE key = 'schema_version'"))
    # When it is opened again
    store = RunStore(url)
    # Then the column is there, the old run is intact, and new runs record their deployment
    assert "deployment_id" in {c["name"] for c in inspect(store.engine).get_columns("runs")}
    assert store.get_run("old").deployment_id is None
    store.create_run(a_run("new", deployment="d-2"))
    assert store.get_run("new").deployment_id == "d-2"
    store.close()
    assert version_of(url) == SCHEMA_VERSION
    # and opening it once more changes nothing
    RunStore(url).close()
    assert version_of(url) == SCHEMA_VERSION


def test_a_store_of_a_newer_version_is_refused_with_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    RunStore(url).close()
    with create_engine(url).begin() as conn:
        conn.execute(text("UPDATE naas_meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(InvalidInput, match="newer naas_lab_ext"):
        RunStore(url)
