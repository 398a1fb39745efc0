"""Smoke test of the template benchmark's code path (tiny sizes, no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.benchmarks import bench_templates


def test_the_generator_writes_valid_template_notebooks(tmp_path: Path) -> None:
    paths = bench_templates.generate_corpus(tmp_path, 12)
    assert len(paths) == 12
    for path in paths:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert 5 <= len(cells) <= 30
        assert cells[1]["source"].startswith("# ")


def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    figures = bench_templates.run(count=40, queries=8, workdir=tmp_path)
    assert figures["count"] == 40 and figures["queries"] == 8
    for key in ("build_ms", "reindex_one_ms", "search_p95_ms", "grep_mean_ms", "speedup_mean"):
        assert figures[key] > 0, key
    assert not list(tmp_path.iterdir())  # the corpus is removed


def test_the_queries_are_varied() -> None:
    queries = bench_templates.make_queries(200)
    assert len({q.text for q in queries}) > 100
    assert any(q.tools for q in queries) and any(" " in q.text for q in queries)
