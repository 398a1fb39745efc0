"""A separate process that saves outputs, for the crash and concurrency tests.

Run as ``python -m tests.outputs.writer ROOT NAME --count N --size BYTES --tag T``.
``--crash-at`` makes the process SIGKILL itself at one precise point of a save;
``--slow`` makes it write its data slowly, so a test can kill it in the middle of a write.
Each payload records its own size and fill byte, so a reader can tell a whole file from a
partial one (:func:`check_payload`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from naas_lab_ext.core import files
from naas_lab_ext.core.errors import Conflict
from naas_lab_ext.outputs import formats
from naas_lab_ext.outputs import store as outputs

HEADER = 32


def payload(tag: int, number: int, size: int) -> bytes:
    """``size`` bytes of one fill value, after a header naming tag, number, size and fill."""
    fill = (tag * 31 + number) % 251
    header = f"{tag:06d}:{number:06d}:{size:012d}:{fill:03d}".encode().ljust(HEADER - 1) + b"\n"
    return header + bytes([fill]) * size


def check_payload(data: bytes) -> tuple[int, int]:
    """(tag, number) of a complete payload; AssertionError for a partial or foreign one."""
    assert len(data) >= HEADER, f"truncated header ({len(data)} bytes)"
    tag, number, size, fill = (int(x) for x in data[: HEADER - 1].split(b":")[:4])
    assert len(data) == HEADER + size, f"size {len(data) - HEADER} instead of {size}"
    assert data.count(bytes([fill]), HEADER) == size, "content is not the written content"
    return tag, number


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _crash_at(point: str) -> None:
    """Patch the store so this process is killed exactly at ``point``."""
    store_cls: Any = outputs.OutputStore
    if point == "before-latest":
        store_cls._refresh_latest = lambda *a, **k: _die()
    elif point == "latest-temp":
        original_share = files.share

        def share_then_die(source: Path, target: Path) -> files.CopyMethod:
            original_share(source, target)
            _die()
            raise AssertionError("unreachable")

        files.share = share_then_die  # type: ignore[assignment]
    elif point == "prune":

        def remove_then_die(path: Path) -> None:
            # Renamed to its hidden trash name, half deleted, then killed.
            for child in sorted(path.iterdir())[:1]:
                child.unlink()
            _die()

        files.remove_tree = remove_then_die  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown crash point {point}")


def _slow_writes() -> None:
    def slow_writer(data: Any) -> formats.Writer:
        def write(path: Path) -> None:
            view = memoryview(data).cast("B")
            with path.open("xb") as out:
                for start in range(0, len(view), 4096):
                    out.write(view[start : start + 4096])
                    out.flush()
                    time.sleep(0.01)

        return write

    formats._write_bytes = slow_writer  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("name")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--tag", type=int, default=0)
    parser.add_argument("--keep", type=int, default=None)
    parser.add_argument("--crash-at", default=None)
    parser.add_argument("--slow", action="store_true")
    args = parser.parse_args()
    if args.crash_at:
        _crash_at(args.crash_at)
    if args.slow:
        _slow_writes()
    store = outputs.OutputStore(args.root)
    conflicts = 0
    print("ready", flush=True)
    for number in range(args.count):
        try:
            saved = store.save(payload(args.tag, number, args.size), args.name, keep=args.keep)
        except Conflict:
            conflicts += 1
            continue
        print(saved.version, flush=True)
    print(f"conflicts {conflicts}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
