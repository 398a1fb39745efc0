"""Smoke test of the start-up benchmark (tiny sizes, no timing asserted), and the frontend
bundle's size limit (bytes, deterministic)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.benchmarks import bench_startup


def test_the_extension_s_own_minified_bundle_stays_under_400_kb() -> None:
    chunks = bench_startup.bundle()
    if not chunks:
        pytest.skip("the labextension is not built (jlpm build), or node_modules lacks esbuild")
    own = [chunk for chunk in chunks if chunk.kind == "own"]
    assert own, [chunk.name for chunk in chunks]
    size = sum(chunk.minified for chunk in own)
    assert 0 < size <= bench_startup.BUNDLE_LIMIT, f"{size / 1024:.1f} KB minified"


def test_chunks_are_told_apart_by_name() -> None:
    assert bench_startup.chunk_kind("remoteEntry.009e4944.js") == "runtime"
    assert bench_startup.chunk_kind("vendors-node_modules_react-window_dist.js") == "vendor"
    assert bench_startup.chunk_kind("lib_index_js.8005.js") == "own"
    assert bench_startup.chunk_kind("style_index_js.4790.js") == "own"


def test_the_cli_figures_are_measured(tmp_path: Path) -> None:
    figures = bench_startup.cli_startup(1, tmp_path / "cli")
    assert set(figures) == {"python_pass", "version", "help", "templates_search"}
    assert all(value > 0 for value in figures.values())


def test_the_listing_figures_are_measured(tmp_path: Path) -> None:
    figures = bench_startup.pipelines_listing(2, tmp_path, baseline=False)
    assert figures["count"] == 2
    assert figures["cold"] > 0 and figures["warm"] > 0 and figures["imports"] > 0


@pytest.mark.kernel
def test_the_benchmark_runs_and_reports_against_its_baselines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_startup.main(["--notebooks", "1", "--repeat", "1", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"x python -c pass", out)) == 3
    assert re.search(r"ratio cold / before\s+:\s+[0-9.]+x", out)
    assert "warm (from the cache)" in out
    assert re.search(r"ratio pool / fresh \(SUCCEEDED\)\s+:\s+[0-9.]+x", out)
