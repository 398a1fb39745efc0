"""Smoke test of the outputs benchmark's code path (tiny sizes, no timing asserts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks import bench_outputs


def test_the_benchmark_runs_and_reports_ratios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bench_outputs.main(
        ["--size-mb", "0.5", "--rounds", "2", "--dir", str(tmp_path), "--fsync"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("ratio save/copy") == 2
    assert "latest made by  : " in out
    assert "copy\n" not in out.split("latest made by")[1]
    # It cleans up after itself
    assert list(tmp_path.iterdir()) == []
