"""Smoke test of the Dask benchmark's code path (2 tiny steps, no timing asserted)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("distributed")

from tests.benchmarks import bench_dask

pytestmark = pytest.mark.kernel


def test_the_benchmark_runs_the_three_ways_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--steps", "2", "--sleep", "0.1", "--workers", "2", "--local-parallel", "2"]
    assert bench_dask.main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 parallel steps sleeping 0.1 s; LocalCluster of 2")
    for label in ("D dask executor", "L local executor", "S sequential papermill"):
        assert re.search(rf"^{label} +[0-9.]+ +[0-9.]+$", out, re.MULTILINE), label
    assert re.search(r"^ratios: D/L [0-9.]+x  D/S [0-9.]+x  L/S [0-9.]+x$", out, re.MULTILINE)
