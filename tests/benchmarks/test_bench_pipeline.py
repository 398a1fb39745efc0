"""Smoke test of the pipeline benchmark's code path (tiny sizes, no timing asserts)."""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.bench_pipeline import main


@pytest.mark.kernel
def test_the_benchmark_runs_and_reports_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--steps", "2", "--sleep", "0.1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    ratios = re.findall(r"ratio\s+:\s+([0-9.]+)x", out)
    assert len(ratios) == 2 and all(float(r) > 0 for r in ratios)
    assert "per-step overhead" in out
