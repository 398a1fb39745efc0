"""The PostgreSQL server the tests run the stores on, besides SQLite.

``$NAAS_TEST_PG_URL`` names it (``scripts/test.sh`` starts one with ``scripts/postgres.sh``);
without it, a throwaway server is started with that script for the session when PostgreSQL's
programs are installed. With no PostgreSQL the tests that need one are skipped, saying why;
in CI (``$CI`` set) they fail instead, so CI cannot pass without running them.

Each test gets a schema of its own in that database (the URL's
``?options=-csearch_path%3D<schema>``, the form a team uses for a schema it owns), dropped
after it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "postgres.sh"
URL_VAR = "NAAS_TEST_PG_URL"
DATA_VAR = "NAAS_TEST_PG_DATA"


def _installed() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or bool(shutil.which("initdb"))


def unavailable(reason: str) -> None:
    """Skip the test for want of PostgreSQL, or fail it in CI (no silent skip there)."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed in CI: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


@contextmanager
def server() -> Iterator[str]:
    """The URL of the test server: ``$NAAS_TEST_PG_URL``, or one started for the session."""
    url = os.environ.get(URL_VAR, "").strip()
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[test]')")
    if not _installed():
        unavailable(f"set ${URL_VAR}, or install PostgreSQL (apt-get install postgresql)")
    env_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"naas-pg-{uuid.uuid4().hex}.env"
    done = subprocess.run(
        ["bash", str(SCRIPT), "start", str(env_file)], capture_output=True, text=True
    )
    if done.returncode != 0:
        unavailable(f"scripts/postgres.sh start failed: {done.stderr.strip()[-500:]}")
    values = dict(
        line.removeprefix("export ").split("=", 1)
        for line in env_file.read_text().splitlines()
        if "=" in line
    )
    env_file.unlink()
    started = {key: value.strip("'") for key, value in values.items()}
    os.environ.update(started)  # restart() finds the data folder there
    try:
        yield started[URL_VAR]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, check=False)
        for key in started:
            os.environ.pop(key, None)


def restart() -> None:
    """Restart the test server (its connections are cut); only for a server the script
    started (``$NAAS_TEST_PG_DATA``)."""
    if not os.environ.get(DATA_VAR):
        pytest.skip(f"the test server was not started by scripts/postgres.sh (no ${DATA_VAR})")
    subprocess.run(["bash", str(SCRIPT), "restart"], check=True, capture_output=True)


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path (where the stores create tables)."""
    from sqlalchemy import make_url

    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def schema(url: str) -> Iterator[str]:
    """A new, empty schema in the test database, dropped after; yields the URL that uses it."""
    import psycopg
    from sqlalchemy import make_url

    parsed = make_url(url)
    conninfo = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**conninfo, autocommit=True) as connection:  # type: ignore[arg-type]
        connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield with_schema(url, name)
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as connection:  # type: ignore[arg-type]
            connection.execute("SET lock_timeout = '10s'")
            # (a connection a test left open may hold it: the cluster is thrown away anyway)
            with contextlib.suppress(psycopg.Error):
                connection.execute(f'DROP SCHEMA "{name}" CASCADE')
