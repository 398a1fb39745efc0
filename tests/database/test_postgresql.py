"""The store on a database server as a team runs it: many processes opening an empty
database at once, a server restart, a user without the right to create tables, errors that
never show the password. On PostgreSQL (tests/pg.py), and on SQLite where it applies."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, make_url, select, update

from naas_lab_ext.core.errors import InvalidInput, StoreUnavailable
from naas_lab_ext.database.base import MetaRow
from naas_lab_ext.database.engine import Database, location_of, without_password
from naas_lab_ext.database.migrations import SCHEMA_VERSION
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests import pg

PASSWORD = "s3cret-Pa55word"
#: A URL with a password, on a port where nothing listens (the kernel refuses at once).
UNREACHABLE = f"postgresql+psycopg://naas:{PASSWORD}@127.0.0.1:9/naas"
CLI = [sys.executable, "-m", "naas_lab_ext.cli"]


def _open_all_stores(urls: list[str], barrier: Any, answers: Any) -> None:
    """One process opening every store of a server (runs, schedules, deployments, events,
    notification claims) on each of ``urls`` in turn, at the same moment as the others (the
    ``barrier``); puts "ok" or the error in ``answers`` for each."""
    for url in urls:
        try:
            from naas_lab_ext.deploy.store import DeploymentStore
            from naas_lab_ext.notifications.claims import ClaimStore
            from naas_lab_ext.scheduler.repository import ScheduleStore

            barrier.wait(120)
            runs = RunStore(url)
            ScheduleStore(runs)
            DeploymentStore(runs)
            ClaimStore(runs.db)
            runs.close()
            answers.put("ok")
        except BaseException as exc:  # the test shows what failed
            answers.put(f"{type(exc).__name__}: {exc}")


def open_at_once(urls: list[str], count: int = 6) -> list[str]:
    """``count`` processes open each of ``urls`` in turn, all at the same moment; what each
    open answered ("ok" or the error)."""
    context = multiprocessing.get_context("spawn")
    barrier, answers = context.Barrier(count), context.Queue()
    processes = [
        context.Process(target=_open_all_stores, args=(urls, barrier, answers))
        for _ in range(count)
    ]
    for process in processes:
        process.start()
    found = [answers.get(timeout=180) for _ in range(len(urls) * count)]
    for process in processes:
        process.join(60)
    return found


def assert_current(url: str) -> None:
    """The store of ``url`` is at the current schema, with every table and column."""
    db = Database(url)
    with db.engine.connect() as conn:
        version = conn.execute(
            select(MetaRow.value).where(MetaRow.key == "schema_version")
        ).scalar()
        found = inspect(conn)
        tables = set(found.get_table_names())
        runs = {c["name"] for c in found.get_columns("runs")}
        steps = {c["name"] for c in found.get_columns("run_steps")}
        indexes = {i["name"] for i in found.get_indexes("runs")}
    db.close()
    assert version == SCHEMA_VERSION
    assert {"runs", "run_steps", "naas_meta", "events", "schedules"} <= tables
    assert "notify" in runs and "worker" in steps
    assert {"ix_runs_created", "ix_runs_product"} <= indexes


@pytest.mark.both_databases
def test_many_processes_opening_an_empty_database_at_once_all_succeed(
    run_store_url: str,
) -> None:
    with contextlib.ExitStack() as stack:
        # Given 3 empty databases (new schemas on PostgreSQL, new files on SQLite)
        urls = [stack.enter_context(fresh(run_store_url)) for _ in range(3)]
        # When 6 processes open each at the same moment
        found = open_at_once(urls)
        # Then every one opened it, and the schema was made once, current
        assert found == ["ok"] * len(found), found
        for url in urls:
            assert_current(url)


def _as_schema_2(url: str) -> None:
    """Make the store of ``url`` what schema 2 left: no notify (3), no list indexes (4), no
    step worker (5)."""
    store = RunStore(url)
    with store.engine.begin() as conn:
        for statement in (
            "DROP INDEX ix_runs_created",
            "DROP INDEX ix_runs_product",
            "ALTER TABLE runs DROP COLUMN notify",
            "ALTER TABLE run_steps DROP COLUMN worker",
        ):
            conn.exec_driver_sql(statement)
        conn.execute(update(MetaRow).where(MetaRow.key == "schema_version").values(value="2"))
    store.close()


@pytest.mark.both_databases
def test_many_processes_opening_an_old_store_at_once_migrate_it_once(run_store_url: str) -> None:
    with contextlib.ExitStack() as stack:
        # Given 3 stores of schema 2
        urls = [stack.enter_context(fresh(run_store_url)) for _ in range(3)]
        for url in urls:
            _as_schema_2(url)
        # When 6 processes open each at the same moment
        found = open_at_once(urls)
        # Then all opened it, and it is at the current schema, with the columns added since
        assert found == ["ok"] * len(found), found
        for url in urls:
            assert_current(url)


def fresh(url: str) -> Any:
    """An empty database next to ``url``'s: a new schema of the test server, or a new file."""
    if make_url(url).get_backend_name() == "postgresql":
        base = make_url(url).difference_update_query(["options"])
        return pg.schema(base.render_as_string(hide_password=False))
    return _new_sqlite(url)


class _new_sqlite:
    def __init__(self, url: str) -> None:
        folder = Path(make_url(url).database or "").parent / uuid.uuid4().hex
        self.url = f"sqlite:///{folder / 'runs.sqlite'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A new schema of the PostgreSQL test server."""
    with pg.schema(pg_server_url) as url:
        yield url


def a_run(run_id: str) -> RunResult:
    return RunResult(
        run_id=run_id, pipeline="p", status=RunStatus.SUCCEEDED, product_root=Path("/x")
    )


def test_the_store_works_again_after_the_database_restarts(pg_url: str) -> None:
    # Given a store that used its connections
    store = RunStore(pg_url)
    store.create_run(a_run("before"))
    assert store.get_run("before").status == RunStatus.SUCCEEDED
    # When the database server restarts (every connection of the pool is cut)
    pg.restart()
    # Then the next calls work: each connection is checked before use, and replaced
    assert store.get_run("before").run_id == "before"
    store.create_run(a_run("after"))
    assert store.list_runs()[1] == 2
    store.close()


@pytest.fixture
def limited_user(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """A user of the test database that may connect but owns nothing (PostgreSQL 15's
    default: no CREATE on schema public); yields (its URL, its name)."""
    import psycopg

    name = f"limited_{uuid.uuid4().hex[:8]}"
    admin = make_url(pg_server_url)
    conninfo = {
        "host": admin.host,
        "port": admin.port,
        "user": admin.username,
        "password": admin.password,
        "dbname": admin.database,
    }
    with psycopg.connect(**conninfo, autocommit=True) as connection:  # type: ignore[arg-type]
        if connection.info.server_version < 150000:
            pytest.skip("before PostgreSQL 15 every user may create in public")
        connection.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
    url = admin.set(username=name, password=PASSWORD).render_as_string(hide_password=False)
    try:
        yield url, name
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as connection:  # type: ignore[arg-type]
            connection.execute(f"DROP SCHEMA IF EXISTS {name}_own CASCADE")
            connection.execute(f"DROP ROLE IF EXISTS {name}")


def test_a_user_without_create_on_public_is_told_what_to_grant(
    limited_user: tuple[str, str], pg_server_url: str
) -> None:
    url, name = limited_user
    # When a user who may not create in public opens an empty database
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(url)
    # Then the error names the grant to ask for, or the schema to use, and no password
    message = caught.value.message
    assert f"GRANT CREATE ON SCHEMA public TO {name};" in message
    assert "?options=-csearch_path%3Dnaas" in message
    assert caught.value.field == "db_url" and PASSWORD not in message
    # A search_path naming a schema that does not exist says to create it
    with pytest.raises(StoreUnavailable) as missing:
        RunStore(pg.with_schema(url, f"{name}_own"))
    assert "CREATE SCHEMA" in missing.value.message and PASSWORD not in missing.value.message
    # and once the user owns that schema, the store opens there
    import psycopg

    admin = make_url(pg_server_url)
    with psycopg.connect(
        host=admin.host,
        port=admin.port,
        user=admin.username,
        password=admin.password,
        dbname=admin.database,
        autocommit=True,
    ) as connection:
        connection.execute(f"CREATE SCHEMA {name}_own AUTHORIZATION {name}")
    store = RunStore(pg.with_schema(url, f"{name}_own"))
    store.create_run(a_run("mine"))
    assert store.get_run("mine").run_id == "mine"
    store.close()


def test_an_unreachable_database_is_a_clear_error_without_its_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(UNREACHABLE)
    message = caught.value.message
    assert "cannot be reached" in message and "127.0.0.1:9" in message
    assert "user name, password and database name" in message
    assert PASSWORD not in message and "naas:***@" in message


@pytest.mark.parametrize(
    "url",
    [
        f"postgres://naas:{PASSWORD}@db.example/naas",  # the scheme SQLAlchemy does not know
        f"postgresql+nosuchdriver://naas:{PASSWORD}@db.example/naas",
        f"postgresql+psycopg://naas:{PASSWORD}@x@db.example/naas",  # "@" not encoded
        f"postgresql+psycopg://naas:{PASSWORD}@db.example:54x2/naas",  # a port that is no number
    ],
)
def test_a_url_that_cannot_be_used_never_shows_its_password(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Database(url)
    assert PASSWORD not in caught.value.message and "cannot be used" in caught.value.message
    assert PASSWORD not in location_of(url)


def test_a_server_url_with_a_bad_option_says_to_check_the_url(pg_url: str) -> None:
    url = make_url(pg_url).update_query_dict({"connect_timeout": "soon"})
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(url.render_as_string(hide_password=False))
    assert "check the URL's options" in caught.value.message
    assert str(url.password) not in caught.value.message


def test_without_password_masks_it_wherever_it_is_quoted() -> None:
    text = f"failed: {UNREACHABLE} (password {PASSWORD})"
    masked = without_password(text, UNREACHABLE)
    assert PASSWORD not in masked and "127.0.0.1:9" in masked
    # the driver also takes it in the query string
    url = f"postgresql+psycopg://naas@127.0.0.1:9/naas?password={PASSWORD}&sslmode=prefer"
    assert location_of(url) == (
        "postgresql+psycopg://naas@127.0.0.1:9/naas?password=***&sslmode=prefer"
    )
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(url)
    assert PASSWORD not in caught.value.message and "password=***" in caught.value.message


def test_the_command_line_error_never_shows_the_password(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "--root", str(tmp_path), "runs", "list", "--db-url", UNREACHABLE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "cannot be reached" in done.stderr and PASSWORD not in done.stderr + done.stdout


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> dict[str, Any]:
    restarted = (
        request.node.originalname == test_the_server_answers_after_the_database_restarts.__name__
    )
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "db_url": request.getfixturevalue("pg_url") if restarted else UNREACHABLE,
            "templates_index_dir": str(tmp_path / "index"),
            "templates_sync_interval": 0,
            "templates_sync_at_start": False,
            "git_init": False,
        },
    }


async def test_a_server_on_an_unreachable_database_logs_and_answers_without_the_password(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The extension loaded without its store: the status and the routes say why
    status, body = await api("GET", "status")
    assert status == 200, body
    store = body.get("store", body)
    text = str(body)
    assert PASSWORD not in text and "cannot be reached" in text, store
    status, runs = await api("GET", "runs")
    assert status == 503 and PASSWORD not in str(runs)
    # and nothing it logged shows the password
    assert "cannot be reached" in caplog.text and "naas:***@127.0.0.1:9" in caplog.text
    assert PASSWORD not in caplog.text


async def test_the_server_answers_after_the_database_restarts(api: Any) -> None:
    # Given a server on PostgreSQL that answered (its pool holds connections)
    status, body = await api("GET", "runs")
    assert status == 200, body
    # When the database restarts, Then the next requests answer as before (no 500, no 503)
    pg.restart()
    for _ in range(3):
        status, body = await api("GET", "runs")
        assert status == 200, body
    status, body = await api("GET", "status")
    assert body["store"]["ok"] is True
