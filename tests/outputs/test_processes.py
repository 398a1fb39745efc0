"""Outputs under real processes: writers killed with SIGKILL mid-way, concurrent writers.

The writers are separate Python processes (tests/outputs/writer.py). After each kill, the
invariants are checked straight on disk: every listed version is whole, ``latest`` is whole,
and after a read it is the newest version.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from naas_lab_ext.core import files
from naas_lab_ext.outputs.store import OutputStore
from tests.outputs.writer import check_payload, payload

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

REPO = Path(__file__).resolve().parents[1]
NAME = "raw/blob/blob.bin"


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _stop_writers() -> Iterator[None]:
    """Whatever a test asserts, no writer it started outlives it."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def writer(product: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.outputs.writer", str(product), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    STARTED.append(process)
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def check_invariants(product: Path, name: str = NAME) -> list[str]:
    """Every listed version whole; latest whole; after a read, latest = newest version."""
    store = OutputStore(product, environ={})
    folder = product / "outputs" / name.rsplit("/", 1)[0]
    file = name.rsplit("/", 1)[1]
    versions = store.versions(name)
    for version in versions:
        check_payload((folder / version / file).read_bytes())
    latest = folder / "latest" / file
    if versions:
        # Whole before any repair, even if a crash left it one version behind
        check_payload(latest.read_bytes())
        assert store.latest_path(name) == latest
        assert latest.read_bytes() == (folder / versions[-1] / file).read_bytes()
    # No temporary or trash file is ever listed as a version
    assert all(not v.startswith(".") for v in store.versions(name.rsplit("/", 1)[0]))
    return versions


def visible_temp(folder: Path) -> Path | None:
    for path in folder.glob(".naas-tmp-*"):
        if path.is_file() and path.stat().st_size > 0:
            return path
    return None


def test_a_writer_killed_mid_write_leaves_no_version_and_latest_intact(product: Path) -> None:
    # Given one complete version
    store = OutputStore(product, environ={})
    first = store.save(payload(1, 0, 100_000), NAME)
    folder = product / "outputs/raw/blob"
    # When a writer is killed while it is writing its data (slowly, so it is caught mid-way)
    process = writer(product, NAME, "--slow", "--size", "2000000", "--tag", "2")
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while (temp := visible_temp(folder)) is None:
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.01)
    kill(process)
    # Then the partial data is only in a hidden temporary file
    assert temp.exists() and temp.stat().st_size < 2_000_000 + 32
    assert check_invariants(product) == [first.version]
    assert store.load(NAME) == payload(1, 0, 100_000)
    # And the next save removes the dead writer's leftover
    store.save(payload(1, 1, 10), NAME)
    assert not temp.exists()
    assert len(check_invariants(product)) == 2


def test_a_killed_writers_leftover_goes_without_waiting_for_a_save(product: Path) -> None:
    # Given a writer killed mid-write (its partial data in a hidden temporary file)
    store = OutputStore(product, environ={})
    first = store.save(payload(1, 0, 1000), NAME)
    folder = product / "outputs/raw/blob"
    process = writer(product, NAME, "--slow", "--size", "2000000", "--tag", "2")
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while (temp := visible_temp(folder)) is None:
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.01)
    # and another one writing meanwhile (this process: alive)
    live = files.temp_path(folder, "blob.bin")
    live.write_bytes(b"being written")
    kill(process)
    # When the server's housekeeping cleans the outputs (no save of this dataset comes)
    removed = store.remove_stale_temporaries()
    # Then the dead writer's file is gone, the live one's kept, the versions untouched
    assert removed == [f"raw/blob/{temp.name}"]
    assert not temp.exists() and live.exists()
    assert check_invariants(product) == [first.version]
    live.unlink()


@pytest.mark.parametrize("point", ["before-latest", "latest-temp"])
def test_a_writer_killed_while_publishing_leaves_everything_whole(
    product: Path, point: str
) -> None:
    store = OutputStore(product, environ={})
    first = store.save(payload(1, 0, 50_000), NAME)
    process = writer(product, NAME, "--crash-at", point, "--size", "60000", "--tag", "3")
    assert process.wait(timeout=60) == -signal.SIGKILL
    folder = product / "outputs/raw/blob"
    # The new version is published whole; latest still holds the previous one, whole
    assert (folder / "latest/blob.bin").read_bytes() == payload(1, 0, 50_000)
    versions = check_invariants(product)  # reads, so latest is repaired here
    assert len(versions) == 2 and versions[0] == first.version
    assert store.load(NAME) == payload(3, 0, 60_000)


def test_a_writer_killed_while_pruning_leaves_no_partial_version(product: Path) -> None:
    # Given three versions of two files each
    store = OutputStore(product, environ={})
    before = [f"2026-01-0{day}T00.00.00.000Z" for day in (1, 2, 3)]
    for number, version in enumerate(before):
        store.save(payload(1, number, 1000), "raw/blob/blob.bin", version=version)
        store.save(payload(1, number, 1000), "raw/blob/other.bin", version=version)
    # When a writer with keep=1 is killed half-way through deleting the oldest version
    process = writer(product, NAME, "--crash-at", "prune", "--keep", "1", "--tag", "4")
    assert process.wait(timeout=60) == -signal.SIGKILL
    # Then that version is gone entirely (its remains are hidden), the others are whole
    after = store.versions("raw/blob")
    assert after[:2] == before[1:]
    assert len(after) == 3
    for version in before[1:]:
        files_in = sorted(p.name for p in (product / "outputs/raw/blob" / version).iterdir())
        assert files_in == ["blob.bin", "other.bin"]
    check_invariants(product)
    check_invariants(product, "raw/blob/other.bin")
    # And the next save clears the remains
    store.save(b"x", "raw/blob/third.bin")
    assert list((product / "outputs/raw/blob").glob(".naas-tmp-*")) == []


def test_writers_killed_at_random_moments(product: Path) -> None:
    rng = random.Random(5)
    for _attempt in range(6):
        process = writer(
            product, NAME, "--count", "1000", "--size", "3000000", "--keep", "3", "--tag", "7"
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.4))
        kill(process)
        check_invariants(product)
    assert OutputStore(product, environ={}).versions(NAME), "no save ever completed"


def test_concurrent_writers_lose_nothing_and_latest_is_the_newest(product: Path) -> None:
    # Given four processes saving the same file at the same time, 12 times each
    processes = [
        writer(product, NAME, "--count", "12", "--size", "200000", "--tag", str(tag))
        for tag in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [o[1] for o in outputs]
    # Then every save made its own whole version
    versions = check_invariants(product)
    assert len(versions) == 48
    written = {v for out, _ in outputs for v in out.split() if v[:1].isdigit() and "T" in v}
    assert written == set(versions)
    seen = {
        check_payload((product / "outputs/raw/blob" / v / "blob.bin").read_bytes())
        for v in versions
    }
    assert seen == {(tag, n) for tag in range(4) for n in range(12)}
    # And no temporary file is left behind
    assert list((product / "outputs/raw/blob").rglob(".naas-tmp-*")) == []


def test_concurrent_writers_with_retention_keep_exactly_n(product: Path) -> None:
    processes = [
        writer(product, NAME, "--count", "10", "--size", "50000", "--keep", "4", "--tag", str(t))
        for t in range(3)
    ]
    for process in processes:
        process.communicate(timeout=120)
        assert process.returncode == 0
    assert len(check_invariants(product)) == 4


def test_concurrent_writers_of_one_run_version(product: Path) -> None:
    # Given four step kernels of one run (same NAAS_RUN_VERSION) saving the same file
    env = {"NAAS_RUN_VERSION": "2026-11-23T08.00.00.000Z"}
    processes = [writer(product, NAME, "--tag", str(t), env=env) for t in range(4)]
    results = [p.communicate(timeout=60)[0] for p in processes]
    # Then exactly one wins; the others get a conflict, and nothing is overwritten
    assert sorted(r.split("conflicts ")[1].strip() for r in results) == ["0", "1", "1", "1"]
    assert check_invariants(product) == ["2026-11-23T08.00.00.000Z"]
    # While saving different files of one run all succeed, into one version
    processes = [
        writer(product, f"raw/parts/part{t}.bin", "--tag", str(t), env=env) for t in range(4)
    ]
    for process in processes:
        assert "conflicts 0" in process.communicate(timeout=60)[0]
    store = OutputStore(product, environ={})
    assert store.versions("raw/parts") == ["2026-11-23T08.00.00.000Z"]
    for t in range(4):
        check_invariants(product, f"raw/parts/part{t}.bin")


def test_stale_temp_detection_uses_the_writers_pid(product: Path) -> None:
    folder = product / "outputs"
    folder.mkdir()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], text=True)
    STARTED.append(process)
    try:
        name = files.temp_path(folder, "x.bin").name.replace(f"-{os.getpid()}-", f"-{process.pid}-")
        (folder / name).write_bytes(b"x")
        assert not files.is_stale_temp(folder / name)
    finally:
        kill(process)
    assert files.is_stale_temp(folder / name)
    assert files.remove_stale_temps(folder) == [name]
