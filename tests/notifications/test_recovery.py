"""A server that starts after another one died tells of the runs it finds interrupted."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.database.processes import ProcessIdentity
from naas_lab_ext.notifications import handlers
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notifications.conftest import Mailbox


@pytest.fixture
def orphan(run_store_url: str, tmp_path: Path) -> str:
    """A run left RUNNING by a process that is gone (a server that crashed)."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    store = RunStore(run_store_url)
    try:
        store.create_run(
            RunResult(
                run_id="orphan-1",
                pipeline="pipeline",
                status=RunStatus.RUNNING,
                product_root=tmp_path / "sales",
                source="scheduler",
            ),
            owner=ProcessIdentity(socket.gethostname(), dead.pid, time.time()),
        )
    finally:
        store.close()
    return "orphan-1"


@pytest.fixture
def jp_server_config(
    jp_server_config: dict[str, Any], smtp_server: Mailbox, orphan: str
) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "notify_email_to": ["ops@example.com"],
            "scheduler_enabled": False,
        },
    }


async def test_the_runs_a_starting_server_finds_interrupted_are_told_of(
    jp_serverapp: Any, smtp_server: Mailbox, orphan: str
) -> None:
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    app.settings[handlers.DISPATCHER].start()  # the test server calls no start hook
    deadline = time.monotonic() + 30
    while not smtp_server.mails:
        assert time.monotonic() < deadline, "no mail"
        await asyncio.sleep(0.1)
    [mail] = smtp_server.mails
    assert mail.subject == "[naas] INTERRUPTED: sales / pipeline"
    assert orphan in mail.text and "stopped before the run ended" in mail.text
