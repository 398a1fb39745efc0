"""Benchmark of the Dask executor against the local executor and plain papermill, measured in
the same run (figures and ratios are printed, never asserted).

On a LocalCluster of W single-thread worker processes (default 4): N parallel steps (default 8)
of a notebook that sleeps S seconds (default 2), run

* D: with the Dask executor (every step submitted at once, W at a time on the workers),
* L: with the local executor, at most P at once (default 2),
* S: as N sequential ``papermill.execute_notebook`` calls in one process.

Per-step overhead: (wall time x the steps running at once - the cells' own seconds) / N: what
each step costs beyond its own code (kernel start, papermill, the executor's traffic).

Usage: python tests/benchmarks/bench_dask.py [--steps 8] [--sleep 2] [--workers 4]
       [--local-parallel 2]        (or: bash scripts/bench.sh dask)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from naas_lab_ext.pipelines.api import End, NotebookStep, Pipeline
from naas_lab_ext.pipelines.executors.base import Executor
from naas_lab_ext.pipelines.executors.dask import DaskCluster
from naas_lab_ext.pipelines.executors.local import LocalKernelExecutor
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.benchmarks.bench_pipeline import _cells_seconds, make_product, papermill_sequential


def parallel(product: Path, steps: int, max_parallel: int) -> Pipeline:
    pipeline = Pipeline("parallel", root=product, max_parallel=max_parallel, keep_last=3)
    (
        pipeline
        >> [
            NotebookStep(f"step-{index}", "models/sleep.ipynb", parameters={"x": index})
            for index in range(steps)
        ]
        >> End()
    )
    return pipeline


def timed_run(pipeline: Pipeline, store: RunStore, executor: Executor) -> tuple[float, float]:
    """(wall, cells' own seconds) of one run."""
    start = time.perf_counter()
    result = pipeline.run(progress=False, store=store, executor=executor)
    wall = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"benchmark pipeline failed:\n{result.summary()}")
    cells = sum(
        _cells_seconds(nbformat.read(step.output_path, as_version=4))
        for step in result.steps
        if step.output_path is not None
    )
    return wall, cells


def overhead(wall: float, cells: float, at_once: int, steps: int) -> float:
    return max(0.0, wall * at_once - cells) / steps


def run_benchmark(
    steps: int = 8, sleep: float = 2.0, workers: int = 4, local_parallel: int = 2
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="naas-bench-dask-") as tmp:
        folder = Path(tmp)
        product = make_product(folder, sleep)
        store = RunStore(f"sqlite:///{folder / 'runs.sqlite'}")
        cluster = DaskCluster("", workers=workers)
        try:
            started = time.perf_counter()
            cluster.client().wait_for_workers(workers)
            cluster_start = time.perf_counter() - started
            # Warm up: every worker imports papermill and starts a kernel once; so does this
            # process for the local executor.
            timed_run(parallel(product, workers, workers), store, cluster())
            timed_run(parallel(product, 1, 1), store, LocalKernelExecutor())
            papermill_sequential([product / "models" / "trivial.ipynb"], folder / "warm")

            dask_wall, dask_cells = timed_run(parallel(product, steps, steps), store, cluster())
            local_wall, local_cells = timed_run(
                parallel(product, steps, local_parallel), store, LocalKernelExecutor()
            )
            notebooks = [product / "models" / "sleep.ipynb"] * steps
            seq_wall, seq_cells = papermill_sequential(notebooks, folder / "sequential")
        finally:
            cluster.close()
            store.close()
    at_once = min(workers, steps)
    return {
        "cluster_start": cluster_start,
        "dask": dask_wall,
        "local": local_wall,
        "sequential": seq_wall,
        "dask_overhead": overhead(dask_wall, dask_cells, at_once, steps),
        "local_overhead": overhead(local_wall, local_cells, min(local_parallel, steps), steps),
        "sequential_overhead": overhead(seq_wall, seq_cells, 1, steps),
        "dask_vs_local": dask_wall / local_wall,
        "dask_vs_sequential": dask_wall / seq_wall,
        "local_vs_sequential": local_wall / seq_wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--local-parallel", type=int, default=2)
    args = parser.parse_args(argv)
    figures = run_benchmark(args.steps, args.sleep, args.workers, args.local_parallel)
    print(
        f"{args.steps} parallel steps sleeping {args.sleep:g} s; LocalCluster of "
        f"{args.workers} single-thread workers (started in {figures['cluster_start']:.1f} s); "
        f"local executor at most {args.local_parallel} at once"
    )
    print(f"{'':<28}{'wall s':>9}{'overhead/step s':>17}")
    for key, label in (
        ("dask", "D dask executor"),
        ("local", "L local executor"),
        ("sequential", "S sequential papermill"),
    ):
        print(f"{label:<28}{figures[key]:>9.2f}{figures[key + '_overhead']:>17.2f}")
    print(
        f"ratios: D/L {figures['dask_vs_local']:.2f}x  D/S {figures['dask_vs_sequential']:.2f}x  "
        f"L/S {figures['local_vs_sequential']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
