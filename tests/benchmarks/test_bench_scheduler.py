"""Smoke test of the scheduler benchmark's code path (tiny sizes, no timing asserts)."""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.bench_scheduler import main


def test_the_benchmark_runs_and_reports_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--schedules", "20", "--idle", "1", "--lead", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("launched 20/20") == 2
    ratios = re.findall(r":\s+([0-9.]+)x\s+\(target <= 1.0\)", out)
    assert len(ratios) == 3 and all(float(r) >= 0 for r in ratios)
    assert "scaled x60 to 60 s" in out
