"""The temporary folders of kernels and of DAG reads are named with their process's pid, so
the ones a killed process left are removed and the ones in use are not."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from naas_lab_ext.pipelines.executors.scratch import (
    DESCRIBE_PREFIX,
    KERNEL_PREFIX,
    remove_stale_scratch,
    scratch_folder,
)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def folder(base: Path, name: str) -> Path:
    path = base / name
    path.mkdir()
    (path / "kernel.json").write_text("{}")
    return path


def test_a_scratch_folder_is_private_and_names_its_process(tmp_path: Path) -> None:
    made = scratch_folder(KERNEL_PREFIX, base=tmp_path)
    assert made.name.startswith(f"{KERNEL_PREFIX}{os.getpid()}-")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert len(str(made / "kernel-ipc-1")) < 100  # a Unix socket path must stay short
    assert remove_stale_scratch(tmp_path) == []  # in use: kept


def test_the_folders_of_killed_processes_are_removed_the_others_kept(tmp_path: Path) -> None:
    gone = dead_pid()
    stale = [
        folder(tmp_path, f"{KERNEL_PREFIX}{gone}-0123456789"),
        folder(tmp_path, f"{DESCRIBE_PREFIX}{gone}-abc_12de"),
    ]
    kept = [
        scratch_folder(KERNEL_PREFIX, base=tmp_path),
        scratch_folder(DESCRIBE_PREFIX, base=tmp_path),
        folder(tmp_path, f"{KERNEL_PREFIX}0123456789ab"),  # no pid (older versions): fresh
        folder(tmp_path, "naas-kernel-notes"),  # not ours
    ]
    outside = tmp_path / "elsewhere"
    folder(tmp_path, "elsewhere")
    (tmp_path / f"{KERNEL_PREFIX}{gone}-link").symlink_to(outside)
    assert sorted(remove_stale_scratch(tmp_path)) == sorted(p.name for p in stale)
    assert all(p.is_dir() for p in kept) and not any(p.exists() for p in stale)
    assert (outside / "kernel.json").is_file()  # a link is never followed
    # A folder of no known process goes once untouched for an hour
    later = time.time() + 3601
    assert remove_stale_scratch(tmp_path, now=later) == [f"{KERNEL_PREFIX}0123456789ab"]
