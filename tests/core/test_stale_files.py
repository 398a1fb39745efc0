"""Which temporary files are a killed writer's leftovers: on this host, those whose writer's
process is gone (or whose pid a newer process now has); made on another host, those untouched
for an hour. A live writer's file is never one, even when it copies an old file's times."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from naas_lab_ext.core import files


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def named(folder: Path, host: str, pid: int, suffix: str = "data.csv") -> Path:
    path = folder / f"{files.TEMP_PREFIX}{host}-{pid}-0123456789ab-{suffix}"
    path.write_bytes(b"partial")
    return path


HOST = socket.gethostname().replace("-", "_")


def test_a_temp_of_this_host_goes_when_its_writer_is_gone(tmp_path: Path) -> None:
    live = files.temp_path(tmp_path, "data.csv")
    live.write_bytes(b"being written")
    gone = named(tmp_path, HOST, dead_pid())
    assert not files.is_stale_temp(live)
    assert files.is_stale_temp(gone)
    assert files.remove_stale_temps(tmp_path) == [gone.name]
    assert live.exists() and not gone.exists()


def test_a_pid_reused_by_a_newer_process_does_not_keep_a_leftover() -> None:
    # e.g. a container restarted: the new server has the same small pid as the killed one
    started = psutil.Process().create_time()
    assert files.owner_gone(os.getpid(), started - 120)  # written before this process began
    assert not files.owner_gone(os.getpid(), time.time())  # written by this process


def test_a_temp_of_another_host_goes_after_an_hour_untouched(tmp_path: Path) -> None:
    other = named(tmp_path, "another_host", 4242)
    now = time.time()
    assert not files.is_stale_temp(other, now=now)
    assert files.is_stale_temp(other, now=now + files.STALE_AFTER_SECONDS + 1)
    # A copy keeps its source's (old) modification time while it is written: its change
    # time says it is fresh, so a writer on another host never loses it
    two_hours_ago = now - 2 * 3600
    os.utime(other, (two_hours_ago, two_hours_ago))
    assert not files.is_stale_temp(other, now=now)
    assert files.remove_stale_temps(tmp_path, now=now) == []
    assert files.remove_stale_temps(tmp_path, now=now + 2 * 3600) == [other.name]


def test_only_temporary_names_are_ever_removed(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_bytes(b"x")
    (tmp_path / ".hidden").write_bytes(b"x")
    assert files.remove_stale_temps(tmp_path, now=time.time() + 10 * 3600) == []
    assert files.remove_stale_temps(tmp_path / "missing") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "data.csv"]
