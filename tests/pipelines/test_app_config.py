"""The server's pipeline settings: run store URL, and the run options from its traits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.pipelines.api import DummyStep, Pipeline
from naas_lab_ext.pipelines.store.repository import RunStore

CUSTOM = "custom-runs.sqlite"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {
        **jp_server_config,
        "NaasLabExtApp": {
            "db_url": f"sqlite:///{tmp_path / CUSTOM}",
            "max_parallel_steps": 3,
            "prestart_kernels": 0,
            "keep_last_runs": 0,
            "keep_runs_days": 7.5,
        },
    }


async def test_the_configured_store_is_used_and_given_to_kernels(
    api: Any, root: Path, tmp_path: Path, jp_serverapp: Any
) -> None:
    url = f"sqlite:///{tmp_path / CUSTOM}"
    # Kernels started by this server (notebooks) record their runs in the same store
    assert os.environ["NAAS_LAB_DB_URL"] == url
    pipeline = Pipeline("p", root=root / "sales")
    pipeline >> DummyStep("a")
    run = pipeline.run(progress=False, store=RunStore(url))
    status, page = await api("GET", "runs")
    assert status == 200
    assert [r["id"] for r in page["runs"]] == [run.run_id]
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    options = app.run_options()
    assert options.max_parallel == 3 and options.prestart == 0
    assert options.retention.keep_last is None and options.retention.keep_days == 7.5
