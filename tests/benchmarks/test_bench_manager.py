"""Smoke test of the Manager benchmark's code path (a tiny store, no timing asserted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.benchmarks import bench_manager


def test_the_benchmark_builds_caches_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--runs", "400", "--events", "3000", "--products", "5", "--repeat", "3"]
    assert bench_manager.main([*args, "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("built manager-s")
    for key in ("R1", "R2", "R3", "R4", "E1", "E2", "E3"):
        assert re.search(rf"^{key} .* ([0-9.]+)x +[0-9.]+x$", out, re.MULTILINE), key
    assert "baseline: a run by primary key" in out
    # The store is cached: a second run measures without building it again
    assert bench_manager.main([*args, "--corpus", str(tmp_path)]) == 0
    assert "built" not in capsys.readouterr().out
    [cached] = tmp_path.glob("manager-*.sqlite")
    # and what it built reads back through the services like any store
    store = RunStore(f"sqlite:///{cached}")
    try:
        page = RunService(bench_manager.ROOT, store).list_runs(
            statuses=(RunStatus.FAILED,), text="Error", limit=5
        )
        assert page.runs and all(r.status == RunStatus.FAILED for r in page.runs)
        assert all(r.steps[1].error is not None for r in page.runs)
        assert page.runs[0].created_at is not None and page.runs[0].created_at.tzinfo
        events = EventStore(store.db).page(under=bench_manager.ROOT, limit=5).events
        assert len(events) == 5 and events[0].at.tzinfo is not None
    finally:
        store.close()
