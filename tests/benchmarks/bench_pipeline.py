"""Benchmark of the pipeline engine against plain papermill calls, measured in the same run.

P1: a linear pipeline of N trivial notebook steps vs N sequential ``papermill.execute_notebook``
    calls in one Python process (target: ratio <= 0.25, issue 16), and the same pipeline with
    its kernels started from scratch instead of forked from a template (NAAS_KERNEL_FORK=0).
P2: two parallel branches of a notebook that sleeps S seconds vs the sequential sum
    (target: ratio <= 0.6).
Per-step overhead: wall time minus the cells' own execution time, divided by the steps.

Usage: python tests/benchmarks/bench_pipeline.py [--steps 10] [--sleep 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from naas_lab_ext.pipelines.api import End, NotebookStep, Pipeline
from naas_lab_ext.pipelines.store.repository import RunStore


def _notebook(path: Path, *cells: str, parameters: str = "") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)


def make_product(folder: Path, sleep: float) -> Path:
    product = folder / "bench-product"
    (product / "models").mkdir(parents=True)
    (product / "product.json").write_text(json.dumps({"name": "bench-product", "title": "Bench"}))
    _notebook(product / "models" / "trivial.ipynb", "y = x + 1\ny", parameters="x = 1")
    _notebook(
        product / "models" / "sleep.ipynb", f"import time\ntime.sleep({sleep})", parameters="x = 0"
    )
    return product


def _cells_seconds(nb: Any) -> float:
    return sum(
        float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
        for cell in nb.cells
    )


def papermill_sequential(notebooks: list[Path], out: Path) -> tuple[float, float]:
    """(wall, cells' own time) of sequential papermill calls, the way users chain notebooks."""
    import papermill

    out.mkdir(parents=True, exist_ok=True)
    cells = 0.0
    start = time.perf_counter()
    for index, notebook in enumerate(notebooks):
        nb = papermill.execute_notebook(
            str(notebook),
            str(out / f"{index}.ipynb"),
            parameters={"x": index},
            progress_bar=False,
            cwd=str(notebook.parent),
        )
        cells += _cells_seconds(nb)
    return time.perf_counter() - start, cells


def pipeline_run(pipeline: Pipeline, store: RunStore) -> tuple[float, float]:
    start = time.perf_counter()
    result = pipeline.run(parameters={"x": 2}, progress=False, store=store)
    wall = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"benchmark pipeline failed:\n{result.summary()}")
    cells = sum(
        _cells_seconds(nbformat.read(step.output_path, as_version=4))
        for step in result.steps
        if step.output_path is not None
    )
    return wall, cells


def linear(product: Path, steps: int) -> Pipeline:
    pipeline = Pipeline("linear", root=product, keep_last=5)
    chain: Any = pipeline
    for index in range(steps):
        chain = chain >> NotebookStep(f"step-{index}", "models/trivial.ipynb")
    chain >> End()
    return pipeline


def branches(product: Path) -> Pipeline:
    pipeline = Pipeline("branches", root=product, max_parallel=2, keep_last=5)
    a = NotebookStep("branch-a", "models/sleep.ipynb")
    b = NotebookStep("branch-b", "models/sleep.ipynb")
    pipeline >> [a, b] >> End()
    return pipeline


def run_benchmark(steps: int = 10, sleep: float = 2.0, repeat: int = 1) -> dict[str, float]:
    """Measure P1, P2 and the overheads; return the medians (seconds) and ratios."""
    with tempfile.TemporaryDirectory(prefix="naas-bench-") as tmp:
        folder = Path(tmp)
        product = make_product(folder, sleep)
        store = RunStore(f"sqlite:///{folder / 'runs.sqlite'}")
        trivial = product / "models" / "trivial.ipynb"
        sleeper = product / "models" / "sleep.ipynb"
        # Warm up both sides once (imports, kernel spec lookup, disk caches).
        papermill_sequential([trivial], folder / "warm")
        pipeline_run(linear(product, 1), store)

        figures: dict[str, list[float]] = {}

        def note(name: str, value: float) -> None:
            figures.setdefault(name, []).append(value)

        for _ in range(repeat):
            wall, cells = papermill_sequential([trivial] * steps, folder / "p1-base")
            note("p1_papermill", wall)
            note("p1_papermill_overhead", (wall - cells) / steps)
            wall, cells = pipeline_run(linear(product, steps), store)
            note("p1_pipeline", wall)
            note("p1_pipeline_overhead", (wall - cells) / steps)
            os.environ["NAAS_KERNEL_FORK"] = "0"  # every kernel started from scratch
            try:
                wall, cells = pipeline_run(linear(product, steps), store)
            finally:
                os.environ.pop("NAAS_KERNEL_FORK")
            note("p1_unforked", wall)
            note("p1_unforked_overhead", (wall - cells) / steps)
            wall, _ = papermill_sequential([sleeper, sleeper], folder / "p2-base")
            note("p2_sequential", wall)
            wall, cells = pipeline_run(branches(product), store)
            note("p2_pipeline", wall)
            note("p2_pipeline_overhead", (wall - cells / 2) / 1)
        store.close()
    result = {name: statistics.median(values) for name, values in figures.items()}
    result["p1_ratio"] = result["p1_pipeline"] / result["p1_papermill"]
    result["p2_ratio"] = result["p2_pipeline"] / result["p2_sequential"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--sleep", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    r = run_benchmark(args.steps, args.sleep, args.repeat)
    n = args.steps
    print(f"P1  {n} trivial notebook steps, linear (median of {args.repeat})")
    print(f"    papermill, {n} sequential calls : {r['p1_papermill']:6.2f} s")
    print(f"    pipeline.run()                 : {r['p1_pipeline']:6.2f} s")
    print(f"    ratio                          : {r['p1_ratio']:6.2f}x   (target <= 0.25)")
    print(f"    pipeline.run(), kernels not forked: {r['p1_unforked']:6.2f} s")
    print("    per-step overhead (wall - cells' own time) / steps:")
    overheads = r["p1_papermill_overhead"], r["p1_pipeline_overhead"], r["p1_unforked_overhead"]
    print(
        "      papermill {:5.2f} s   pipeline {:5.2f} s   not forked {:5.2f} s".format(*overheads)
    )
    print(f"P2  two parallel branches sleeping {args.sleep:g} s")
    print(f"    sequential sum (papermill)     : {r['p2_sequential']:6.2f} s")
    print(f"    pipeline.run(), 2 in parallel  : {r['p2_pipeline']:6.2f} s")
    print(f"    ratio                          : {r['p2_ratio']:6.2f}x   (target <= 0.6)")
    print(f"    overhead over one branch's cells: {r['p2_pipeline_overhead']:5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
