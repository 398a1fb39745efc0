"""Schema versions of the database, and the steps that bring an older one up to date.

``create_all`` creates the tables a store lacks, but never changes a table that exists: a
column added to a table is a migration here. The version lives in ``naas_meta``
(``schema_version``); every process that opens the store applies what is missing, in one
transaction, so two processes opening an old store at once migrate it once. The steps use
Alembic's operations, which speak both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Column, Connection, String, insert, inspect, select, update

from ..core.errors import InvalidInput
from .base import MetaRow

__all__ = ["SCHEMA_VERSION", "upgrade"]


def _run_deployment(ops: Operations, conn: Connection) -> None:
    """2: a run records the deployment it ran from (production runs)."""
    if not inspect(conn).has_table("runs"):
        return  # created later, with the column, by the run store
    if "deployment_id" not in {c["name"] for c in inspect(conn).get_columns("runs")}:
        ops.add_column("runs", Column("deployment_id", String(64), nullable=True))


def _run_notify(ops: Operations, conn: Connection) -> None:
    """3: a run keeps who is told of it (the Notify JSON of ``POST runs``)."""
    if not inspect(conn).has_table("runs"):
        return
    if "notify" not in {c["name"] for c in inspect(conn).get_columns("runs")}:
        ops.add_column("runs", Column("notify", JSON, nullable=True))


def _runs_listed(ops: Operations, conn: Connection) -> None:
    """4: the runs are listed newest first, across products or of one (the Manager's keyset
    paging on (created_at, id)). The search table of the runs' errors is a new table: the
    run store creates and fills it when it opens."""
    if not inspect(conn).has_table("runs"):
        return
    ops.create_index("ix_runs_created", "runs", ["created_at", "id"], if_not_exists=True)
    ops.create_index(
        "ix_runs_product", "runs", ["product_root", "created_at", "id"], if_not_exists=True
    )


def _step_worker(ops: Operations, conn: Connection) -> None:
    """5: a step records where it ran (the Dask worker; None for the local executor)."""
    if not inspect(conn).has_table("run_steps"):
        return
    if "worker" not in {c["name"] for c in inspect(conn).get_columns("run_steps")}:
        ops.add_column("run_steps", Column("worker", String(255), nullable=True))


#: The step that brings the schema from version ``n - 1`` to ``n``, for each ``n`` after 1.
STEPS: dict[int, Callable[[Operations, Connection], None]] = {
    2: _run_deployment,
    3: _run_notify,
    4: _runs_listed,
    5: _step_worker,
}
SCHEMA_VERSION = str(max(STEPS))


def upgrade(conn: Connection) -> str:
    """Bring the store ``conn`` opens to :data:`SCHEMA_VERSION` (inside the caller's
    transaction); return the version it had. A new store (no version yet) was just created
    with every column: it is marked current."""
    found = conn.execute(select(MetaRow.value).where(MetaRow.key == "schema_version")).scalar()
    if found is None:
        conn.execute(insert(MetaRow).values(key="schema_version", value=SCHEMA_VERSION))
        return SCHEMA_VERSION
    current = int(found)
    if current > int(SCHEMA_VERSION):
        raise InvalidInput(
            f"The run store was written by a newer naas_lab_ext (schema {current}, this one "
            f"knows {SCHEMA_VERSION}): upgrade naas_lab_ext, or point db_url at another store.",
            field="db_url",
        )
    ops = Operations(MigrationContext.configure(conn))
    for version in range(current + 1, int(SCHEMA_VERSION) + 1):
        STEPS[version](ops, conn)
    if current < int(SCHEMA_VERSION):
        conn.execute(
            update(MetaRow).where(MetaRow.key == "schema_version").values(value=SCHEMA_VERSION)
        )
    return str(current)
