"""A store from before the Manager (schema 3: no list indexes, no search table) opened by this
version: the indexes are added, the runs' errors become searchable, nothing is lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.database.migrations import SCHEMA_VERSION
from naas_lab_ext.pipelines.results import RunResult, RunStatus, StepFailure, StepResult
from naas_lab_ext.pipelines.store.query import RunQuery
from naas_lab_ext.pipelines.store.repository import RunStore


def failed_run(run_id: str, message: str, minutes: int) -> RunResult:
    return RunResult(
        run_id=run_id,
        pipeline="daily",
        status=RunStatus.FAILED,
        product_root=Path("/products/sales"),
        created_at=utc_now() + timedelta(minutes=minutes),
        steps=[
            StepResult("Load", "notebook", error=StepFailure("ValueError", message)),
        ],
    )


def test_an_older_store_gets_its_indexes_and_its_errors_searchable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    store = RunStore(url)
    store.create_runs([failed_run("old-1", "3 bad rows", 0), failed_run("old-2", "no file", 1)])
    store.close()
    # Given the store as the previous version left it
    with create_engine(url).begin() as conn:
        for statement in (
            "DROP INDEX ix_runs_created",
            "DROP INDEX ix_runs_product",
            "DROP TABLE run_search_fts",
            "DROP TABLE run_search",
            "DELETE FROM naas_meta WHERE key = 'run_search_built'",
            "UPDATE naas_meta SET value = '3' WHERE key = 'schema_version'",
        ):
            conn.execute(text(statement))
    # When this version opens it
    store = RunStore(url)
    # Then the list's indexes are there, and the old runs are found by their errors
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("runs")}
    assert {"ix_runs_created", "ix_runs_product"} <= indexes
    assert [r.run_id for r in store.page_runs(RunQuery(text="bad rows")).runs] == ["old-1"]
    assert [r.run_id for r in store.page_runs(RunQuery()).runs] == ["old-2", "old-1"]
    store.close()
    with create_engine(url).connect() as conn:
        version = conn.execute(text("SELECT value FROM naas_meta WHERE key = 'schema_version'"))
        assert version.scalar() == SCHEMA_VERSION
    # and opening it again changes nothing (the search is not filled twice)
    store = RunStore(url)
    assert store.page_runs(RunQuery(text="bad rows")).total == 1
    store.close()
