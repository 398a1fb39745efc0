"""Benchmark of what makes runs and the panel start at once (issue 16), each figure next to a
baseline measured in the same run.

CLI   wall time of ``naas-lab --version``, ``--help`` and ``templates search`` (an empty
      library), each in a fresh process, next to ``python -c pass``
      (targets: --version and --help <= 0.3 s, templates search <= 0.6 s).
DAG   listing the pipelines of a product of N pipeline notebooks (what ``GET /pipelines``
      answers), in a fresh process that first imports what a server has imported (not
      counted): cold (the first listing) and warm (again, from the cache); baseline: the same
      product read the way it was before, a kernel per notebook, one at a time (targets for
      N = 10: cold <= 2 s, warm <= 50 ms).
RUN   a one-step pipeline started as the REST API starts it: time to its step RUNNING and
      to SUCCEEDED, with the server's waiting kernels (a pool of 2), without (kernels forked
      from their template) and with every kernel started from scratch (NAAS_KERNEL_FORK=0).
Bundle the frontend's JavaScript in naas_lab_ext/labextension/static, minified with esbuild
      (a development build is not minified), split into the extension's own chunks, the
      module-federation runtime (remoteEntry) and vendor chunks (target: own <= 400 KB).

Usage: python tests/benchmarks/bench_startup.py [--notebooks 10] [--repeat 7] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "naas_lab_ext" / "labextension" / "static"
ESBUILD = REPO / "node_modules" / ".bin" / "esbuild"
BUNDLE_LIMIT = 400 * 1024

# -- CLI start-up --------------------------------------------------------------------------------


def _wall(command: list[str], repeat: int, cwd: Path) -> float:
    """Median wall time of ``command`` in a fresh process (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=True, timeout=120)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_startup(repeat: int, workdir: Path) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    console = Path(sys.executable).parent / "naas-lab"  # what users run
    script = [str(console)] if console.exists() else [sys.executable, "-m", "naas_lab_ext.cli"]
    index = str(workdir / "index")
    search = ["--root", str(workdir), "templates", "search", "csv", "--index-dir", index]
    return {
        "python_pass": _wall([sys.executable, "-c", "pass"], repeat, workdir),
        "version": _wall([*script, "--version"], repeat, workdir),
        "help": _wall([*script, "--help"], repeat, workdir),
        "templates_search": _wall([*script, *search], repeat, workdir),
    }


# -- reading a product's pipelines ---------------------------------------------------------------


def _notebook(path: Path, *cells: str, parameters: str | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def make_product(folder: Path, notebooks: int) -> Path:
    """A product with ``notebooks`` small pipeline notebooks, as the starter writes them."""
    product = folder / "bench"
    (product / "models").mkdir(parents=True)
    (product / "product.json").write_text(json.dumps({"name": "bench", "title": "Bench"}))
    _notebook(product / "models" / "work.ipynb", "print(days)", parameters="days = 1")
    for index in range(notebooks):
        _notebook(
            product / "models" / f"pipeline_{index}.ipynb",
            "from naas_data_product import DummyStep, End, NotebookStep, Pipeline",
            "pipeline = Pipeline()\n"
            f"collect = NotebookStep('Collect {index}', 'work.ipynb', {{'days': {index}}})\n"
            "a, b = DummyStep('Clean A'), DummyStep('Clean B')\n"
            "pipeline >> collect >> [a, b] >> DummyStep('Publish') >> End()\n"
            "collect.on_error >> DummyStep('Alert')",
            "pipeline.run()",
            parameters="days = 7",
        )
    return product


LISTING = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
import naas_lab_ext.app  # what a running server has imported before any request
from naas_lab_ext.pipelines import describe, service as service_module
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
imports = time.perf_counter() - start
root, kernel = Path(sys.argv[1]), sys.argv[2] == "kernel"
if kernel:  # as before issue 16: a kernel per notebook, one at a time
    def by_kernel(notebook, **kwargs):
        return describe.describe_notebook(notebook, static=False, **kwargs)
    service_module.describe_notebook = by_kernel
    service_module.DESCRIBE_PARALLEL = 1
service = RunService(root, RunStore(f"sqlite:///{root / 'runs.sqlite'}"))  # open in a server
start = time.perf_counter()
listed = service.list_pipelines("bench")
cold = time.perf_counter() - start
warm = []
for _ in range(5):
    again = time.perf_counter()
    service.list_pipelines("bench")
    warm.append(time.perf_counter() - again)
errors = [info.error for info in listed if info.error]
figures = {"imports": imports, "cold": cold, "warm": sorted(warm)[2], "count": len(listed)}
print(json.dumps({**figures, "errors": errors}))
"""


def _listing(root: Path, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", LISTING, str(root), mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["errors"]:
        raise SystemExit(f"the benchmark's pipelines cannot be read: {figures['errors']}")
    return figures


def pipelines_listing(notebooks: int, workdir: Path, baseline: bool) -> dict[str, float]:
    product = make_product(workdir, notebooks)
    now = _listing(product.parent, "static")
    result = {key: now[key] for key in ("imports", "cold", "warm", "count")}
    if baseline:
        before = _listing(product.parent, "kernel")
        result.update(kernel_cold=before["cold"], kernel_warm=before["warm"])
    return result


# -- a run's start, with and without the server's waiting kernels -----------------------------

RUN = """
import json, statistics, sys, time
from pathlib import Path
from naas_lab_ext.pipelines.executors.choice import executor_factory
from naas_lab_ext.pipelines.executors.pool import KernelPool
from naas_lab_ext.pipelines.service import RunService
from naas_lab_ext.pipelines.store.repository import RunStore
root, pooled, repeat = Path(sys.argv[1]), sys.argv[2] == "pool", int(sys.argv[3])
pool = KernelPool(2) if pooled else None
store = RunStore(f"sqlite:///{root / 'runs.sqlite'}")
service = RunService(root, store, executor=executor_factory("local", pool=pool))
if pool is not None:
    pool.start()
running, done = [], []
for _ in range(repeat):
    if pool is not None:
        pool.wait_ready()
    start = time.perf_counter()
    run = service.start("bench/models/run.ipynb", source="api")
    first = None
    while True:
        seen = store.get_run(run.run_id)
        if first is None and any(s.status.value != "PENDING" for s in seen.steps):
            first = time.perf_counter() - start
        if seen.status.finished:
            break
        time.sleep(0.01)
    if seen.status.value != "SUCCEEDED":
        raise SystemExit(seen.summary())
    running.append(first if first is not None else time.perf_counter() - start)
    done.append(time.perf_counter() - start)
service.shutdown()
if pool is not None:
    pool.close()
store.close()
print(json.dumps({"running": statistics.median(running), "done": statistics.median(done)}))
"""


def run_start(workdir: Path, repeat: int) -> dict[str, float]:
    """A run started as the REST API starts it (RunService.start) of a one-step pipeline:
    time to its step RUNNING and to SUCCEEDED, with a pool of waiting kernels, without (kernels
    forked from their template), and with kernels started from scratch (no template)."""
    product = make_product(workdir, 0)
    _notebook(
        product / "models" / "run.ipynb",
        "from naas_data_product import End, NotebookStep, Pipeline",
        "pipeline = Pipeline()\npipeline >> NotebookStep('Work', 'work.ipynb') >> End()",
        "pipeline.run()",
    )
    figures: dict[str, float] = {}
    for mode in ("pool", "fresh", "scratch"):
        # scratch: every kernel started as a new interpreter (no template to fork from)
        fork = "0" if mode == "scratch" else "1"
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", RUN, str(workdir), mode, str(repeat)],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
            env={**os.environ, "NAAS_KERNEL_FORK": fork},
        )
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        figures[f"{mode}_running"], figures[f"{mode}_done"] = answer["running"], answer["done"]
    return figures


# -- the frontend bundle ---------------------------------------------------------------------------


@dataclass
class Chunk:
    name: str
    kind: str
    """``own`` (the extension's code and styles), ``runtime`` (remoteEntry) or ``vendor``."""
    on_disk: int
    minified: int


def chunk_kind(name: str) -> str:
    if name.startswith("remoteEntry."):
        return "runtime"
    if name.startswith("vendors-") or "node_modules" in name:
        return "vendor"
    return "own"


def minified_size(path: Path) -> int:
    """Bytes of ``path`` minified by esbuild (a minified file stays about the same)."""
    done = subprocess.run(
        [str(ESBUILD), str(path), "--minify", "--log-level=error"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return len(done.stdout)


def bundle(static: Path = STATIC) -> list[Chunk]:
    """The labextension's JavaScript chunks (source maps aside); empty when not built."""
    if not static.is_dir() or not ESBUILD.exists():
        return []
    return [
        Chunk(path.name, chunk_kind(path.name), path.stat().st_size, minified_size(path))
        for path in sorted(static.glob("*.js"))
    ]


# -- report ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each CLI command")
    parser.add_argument("--runs", type=int, default=3, help="runs started, with and without pool")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the kernel reading (slow) of the DAGs"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="naas-bench-startup-"))
    try:
        cli = cli_startup(args.repeat, workdir / "cli")
        listing = pipelines_listing(args.notebooks, workdir / "dag", not args.no_baseline)
        run = run_start(workdir / "run", args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    chunks = bundle()

    base = cli["python_pass"]
    print(f"CLI start-up, median of {args.repeat} fresh processes")
    print(f"    python -c pass                  : {base * 1000:6.0f} ms")
    for key, label, target in (
        ("version", "naas-lab --version", 300),
        ("help", "naas-lab --help", 300),
        ("templates_search", "naas-lab templates search", 600),
    ):
        ms = cli[key] * 1000
        print(
            f"    {label:<32}: {ms:6.0f} ms   {cli[key] / base:5.1f}x python -c pass "
            f"(target <= {target} ms)"
        )
    n = listing["count"]
    print(f"DAG  listing the pipelines of a product of {n:g} pipeline notebooks (GET /pipelines)")
    print(f"    (the server's imports, before   : {listing['imports']:6.2f} s, not counted)")
    print(f"    cold (first listing)            : {listing['cold']:6.2f} s   (target <= 2 s)")
    print(
        f"    warm (from the cache)           : {listing['warm'] * 1000:6.1f} ms  (target <= 50 ms)"
    )
    if "kernel_cold" in listing:
        print(f"    before: a kernel per notebook   : {listing['kernel_cold']:6.2f} s cold")
        ratio = listing["cold"] / listing["kernel_cold"]
        print(f"    ratio cold / before             : {ratio:6.3f}x")
    print(f"RUN  a one-step pipeline started as over REST (median of {args.runs})")
    for mode, label in (
        ("scratch", "kernels started from scratch"),
        ("fresh", "kernels forked for the run"),
        ("pool", "waiting kernels (pool)"),
    ):
        print(
            f"    {label:<32}: step RUNNING {run[f'{mode}_running']:5.2f} s, "
            f"SUCCEEDED {run[f'{mode}_done']:5.2f} s"
        )
    print(f"    ratio pool / fresh (SUCCEEDED)  : {run['pool_done'] / run['fresh_done']:6.2f}x")
    ratio = run["fresh_done"] / run["scratch_done"]
    print(f"    ratio forked / scratch          : {ratio:6.2f}x")
    if not chunks:
        print("Bundle  not measured: build the labextension (jlpm build) with node_modules")
        return 0
    own = sum(c.minified for c in chunks if c.kind == "own")
    total = sum(c.minified for c in chunks)
    print("Bundle  naas_lab_ext/labextension/static, minified with esbuild")
    for chunk in chunks:
        print(
            f"    {chunk.name:<40} {chunk.kind:<8} {chunk.on_disk / 1024:7.1f} KB on disk "
            f"{chunk.minified / 1024:7.1f} KB minified"
        )
    print(f"    own chunks                      : {own / 1024:6.1f} KB   (target <= 400 KB)")
    print(f"    total                           : {total / 1024:6.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
