"""Benchmark: ``save`` of a large file vs a plain ``shutil.copyfile`` of it, in the same run.

    python tests/benchmarks/bench_outputs.py [--size-mb 500] [--rounds 3] [--dir DIR] [--fsync]

Target: save <= 1.2x copyfile. ``save`` writes the version (a copy, or a reflink where the file
system can) and makes ``latest`` a hard link or reflink of it, so ``latest`` must cost nothing:
the benchmark fails (exit 1) if ``latest`` was a second copy. Source, copies and versions live
in one temporary folder (one file system), removed at the end. Rounds alternate copyfile and
save after reading the source once, so both see the same (warm) page cache; medians are shown.
``--fsync`` also compares save with fsync on (product.json ``"outputs": {"fsync": true}``)
against copyfile followed by fsync.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from naas_lab_ext.outputs.store import OutputStore

TARGET_RATIO = 1.2
BLOCK = 1 << 20


def make_source(path: Path, size: int) -> None:
    """``size`` bytes that do not compress or deduplicate trivially."""
    block = os.urandom(BLOCK)
    with path.open("wb") as out:
        for index in range(0, size, BLOCK):
            # Vary each block a little so no layer can share identical blocks.
            out.write(index.to_bytes(8, "little") + block[8 : min(BLOCK, size - index)])


def read_through(path: Path) -> None:
    with path.open("rb") as stream:
        while stream.read(16 * BLOCK):
            pass


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def product(folder: Path, fsync: bool) -> Path:
    root = folder / "product"
    root.mkdir()
    manifest = {"name": "bench", "title": "Bench", "outputs": {"fsync": fsync}}
    (root / "product.json").write_text(json.dumps(manifest))
    return root


def run(size_mb: float, rounds: int, base: str | None, fsync: bool) -> dict[str, object]:
    size = int(size_mb * 1_000_000)
    with tempfile.TemporaryDirectory(prefix="naas-bench-", dir=base) as temp:
        folder = Path(temp)
        source = folder / "source.bin"
        make_source(source, size)
        read_through(source)
        root = product(folder, fsync)
        store = OutputStore(root, environ={})
        copies: list[float] = []
        saves: list[float] = []
        methods: set[str] = set()
        for index in range(rounds):
            target = folder / f"copy-{index}.bin"
            start = time.perf_counter()
            shutil.copyfile(source, target)
            if fsync:
                fsync_path(target)
            copies.append(time.perf_counter() - start)
            target.unlink()

            start = time.perf_counter()
            saved = store.save(source, "raw/bench/source.bin")
            saves.append(time.perf_counter() - start)
            methods.add(saved.latest_method)
            if saved.latest_method == "hardlink":
                assert os.path.samefile(saved.path, saved.latest_path)
            assert saved.size == size
            shutil.rmtree(root / "outputs")
        copy_time, save_time = statistics.median(copies), statistics.median(saves)
        return {
            "size_mb": size / 1_000_000,
            "rounds": rounds,
            "fsync": fsync,
            "copyfile_s": copy_time,
            "save_s": save_time,
            "ratio": save_time / copy_time if copy_time else float("inf"),
            "latest": sorted(methods),
            "copyfile_all_s": copies,
            "save_all_s": saves,
        }


def report(result: dict[str, object]) -> bool:
    ratio = float(result["ratio"])  # type: ignore[arg-type]
    size = float(result["size_mb"])  # type: ignore[arg-type]
    copy_time = float(result["copyfile_s"])  # type: ignore[arg-type]
    save_time = float(result["save_s"])  # type: ignore[arg-type]
    latest = result["latest"]
    label = "with fsync" if result["fsync"] else "no fsync"
    print(f"file of {size:.0f} MB, {label}, median of {result['rounds']} round(s)")
    print(f"  shutil.copyfile : {copy_time:8.3f} s  ({size / copy_time:7.0f} MB/s)")
    print(f"  save            : {save_time:8.3f} s  ({size / save_time:7.0f} MB/s)")
    print(f"  ratio save/copy : {ratio:8.2f}x  (target <= {TARGET_RATIO}x)")
    print(f"  latest made by  : {', '.join(latest)}")  # type: ignore[arg-type]
    return "copy" not in latest  # type: ignore[operator]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=float, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to make the temporary folder")
    parser.add_argument("--fsync", action="store_true", help="also compare with fsync on")
    args = parser.parse_args(argv)
    ok = report(run(args.size_mb, args.rounds, args.dir, fsync=False))
    if args.fsync:
        ok = report(run(args.size_mb, args.rounds, args.dir, fsync=True)) and ok
    if not ok:
        print("FAIL: latest was a second copy of the data (no hard link or reflink)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
