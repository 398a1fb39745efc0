"""A store written by an earlier schema, built here from the DDL that version wrote (frozen
text, not today's models), opened by this version: every migration step of
``database/migrations.py`` runs, the tables end up as a new store's, nothing is lost, and the
stores of every capability open it and write to it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.database.migrations import SCHEMA_VERSION, STEPS
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.query import RunQuery
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.repository import ScheduleStore

#: The runs table as schema 1 created it; later versions added the columns of ADDED.
RUNS_V1 = [
    "id VARCHAR(64) NOT NULL",
    "pipeline VARCHAR(64) NOT NULL",
    "product_root TEXT NOT NULL",
    "pipeline_path TEXT",
    "status VARCHAR(16) NOT NULL",
    "source VARCHAR(32) NOT NULL",
    "parameters JSON NOT NULL",
    "dag JSON",
    "error TEXT",
    "output_dir TEXT",
    "created_at DATETIME NOT NULL",
    "started_at DATETIME",
    "ended_at DATETIME",
    "cancel_requested BOOLEAN NOT NULL",
    "heartbeat_at DATETIME",
    "host VARCHAR(255)",
    "pid INTEGER",
    "pid_started FLOAT",
]
#: The columns each schema version added to ``runs`` (with the DDL it wrote).
ADDED = {2: "deployment_id VARCHAR(64)", 3: "notify JSON"}
RUN_STEPS = """CREATE TABLE run_steps (
    id INTEGER NOT NULL, run_id VARCHAR(64) NOT NULL, position INTEGER NOT NULL,
    name VARCHAR(128) NOT NULL, kind VARCHAR(32) NOT NULL, role VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL, notebook_path TEXT, output_path TEXT, started_at DATETIME,
    ended_at DATETIME, attempts INTEGER NOT NULL, error JSON, detail TEXT NOT NULL,
    upstream JSON NOT NULL, on_error JSON NOT NULL, PRIMARY KEY (id),
    CONSTRAINT uq_run_steps_name UNIQUE (run_id, name),
    FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE)"""
FAILURE = (
    '{"name": "ValueError", "message": "3 bad rows", "cell_index": 4, "execution_count": 2, '
    '"cell_source": "check(df)", "traceback": ""}'
)


def old_store(path: Path, version: int) -> None:
    """The file naas_lab_ext wrote at schema ``version``, with one failed run in it."""
    columns = RUNS_V1 + [ADDED[v] for v in sorted(ADDED) if v <= version]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            'CREATE TABLE naas_meta ("key" VARCHAR(64) NOT NULL, value TEXT NOT NULL, '
            'PRIMARY KEY ("key"))'
        )
        db.execute("INSERT INTO naas_meta VALUES ('schema_version', ?)", (str(version),))
        db.execute(f"CREATE TABLE runs ({', '.join(columns)}, PRIMARY KEY (id))")
        db.execute("CREATE INDEX ix_runs_status ON runs (status)")
        db.execute("CREATE INDEX ix_runs_pipeline ON runs (product_root, pipeline, created_at)")
        if version >= 4:  # schema 4 added the Manager's list indexes
            db.execute("CREATE INDEX ix_runs_created ON runs (created_at, id)")
            db.execute("CREATE INDEX ix_runs_product ON runs (product_root, created_at, id)")
        db.execute(RUN_STEPS)
        db.execute("CREATE INDEX ix_run_steps_run_id ON run_steps (run_id)")
        db.execute(
            "INSERT INTO runs (id, pipeline, product_root, pipeline_path, status, source, "
            "parameters, error, created_at, started_at, ended_at, cancel_requested, host, pid) "
            "VALUES ('old', 'daily', '/products/sales', 'models/daily.ipynb', 'FAILED', 'cli', "
            "'{\"days\": 7}', 'Step Check failed', '2025-01-02 08:00:00.000000', "
            "'2025-01-02 08:00:01.000000', '2025-01-02 08:00:09.000000', 0, 'old-host', 42)"
        )
        db.execute(
            "INSERT INTO run_steps (run_id, position, name, kind, role, status, attempts, "
            "error, detail, upstream, on_error) VALUES ('old', 0, 'Check', 'notebook', "
            "'main', 'FAILED', 1, ?, '', '[]', '[]')",
            (FAILURE,),
        )


def shape(store: RunStore, table: str) -> dict[str, Any]:
    """What a table is made of: its columns (name, type, nullable) and its indexes."""
    found = inspect(store.engine)
    return {
        "columns": sorted(
            (c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)
        ),
        "indexes": sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)),
    }


def test_the_frozen_schemas_cover_every_migration_step() -> None:
    # A new step needs its old schema here: the last version before it is tested below
    assert sorted(STEPS) == list(range(2, int(SCHEMA_VERSION) + 1))
    assert max(ADDED) < int(SCHEMA_VERSION)


@pytest.mark.parametrize("version", list(range(1, int(SCHEMA_VERSION))))
def test_a_store_of_an_earlier_schema_opens_migrated_and_whole(
    tmp_path: Path, version: int
) -> None:
    # Given a store written by schema `version` (the previous one: SCHEMA_VERSION - 1)
    path = tmp_path / "runs.sqlite"
    old_store(path, version)
    fresh = RunStore(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    # When this version opens it
    store = RunStore(f"sqlite:///{path}")
    # Then its tables are those of a new store, at the current version
    for table in ("runs", "run_steps", "run_search"):
        assert shape(store, table) == shape(fresh, table), table
    with closing(sqlite3.connect(path)) as db:
        [(found,)] = db.execute("SELECT value FROM naas_meta WHERE key = 'schema_version'")
    assert found == SCHEMA_VERSION
    # the old run is whole, and found by its error (the search the last step added)
    old = store.get_run("old")
    assert (old.status, old.source, old.parameters) == (RunStatus.FAILED, "cli", {"days": 7})
    assert old.deployment_id is None and old.notify is None
    [step] = old.steps
    assert step.error is not None and (step.error.name, step.error.cell_index) == ("ValueError", 4)
    assert [r.run_id for r in store.page_runs(RunQuery(text="3 bad rows")).runs] == ["old"]
    # a file that existed is no lost history
    assert EventStore(store.db).page(kinds=["store.created"]).events == []
    # and every store writes what the newest columns hold
    store.create_run(
        RunResult(
            run_id="new",
            pipeline="daily",
            status=RunStatus.SUCCEEDED,
            product_root=Path("/products/sales"),
            created_at=utc_now(),
            deployment_id="d-1",
            notify={"on_failure": True},
        )
    )
    assert store.get_run("new").deployment_id == "d-1"
    assert store.get_run("new").notify == {"on_failure": True}
    # schema 5: a step records the worker it ran on
    [step] = old.steps
    step.worker = "tcp://10.0.0.5:40331"
    store.update_step("old", step)
    assert store.get_run("old").steps[0].worker == "tcp://10.0.0.5:40331"
    assert ScheduleStore(store).all() == []
    EventStore(store.db).record("templates.synced", "synced", subject_type="templates")
    assert [r.run_id for r in store.page_runs(RunQuery()).runs] == ["new", "old"]
    store.close()
    fresh.close()
    # Opening it again changes nothing
    again = RunStore(f"sqlite:///{path}")
    assert again.page_runs(RunQuery(text="3 bad rows")).total == 1
    again.close()
