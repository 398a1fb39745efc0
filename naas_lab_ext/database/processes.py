"""Who works on a record (a run, a deployment...) and whether that process still runs: how
work left behind by a crashed or killed process is told from work in progress."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

import psutil

__all__ = ["ProcessIdentity", "owner_alive", "process_alive"]


@dataclass(frozen=True)
class ProcessIdentity:
    """Who runs a run: enough to tell, later, whether that process is still alive."""

    host: str
    pid: int
    started: float

    @classmethod
    def current(cls) -> ProcessIdentity:
        return cls(socket.gethostname(), os.getpid(), psutil.Process().create_time())


def process_alive(host: str | None, pid: int | None, started: float | None) -> bool | None:
    """True/False for a process on this host; None when it cannot be told from here."""
    if host != socket.gethostname() or not pid:
        return None
    try:
        process = psutil.Process(pid)
        if started is not None and abs(process.create_time() - started) > 1.0:
            return False  # the pid was reused by another process
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return None


def owner_alive(
    host: str | None,
    pid: int | None,
    started: float | None,
    heartbeat: datetime,
    *,
    now: datetime,
    stale_after: float,
) -> bool:
    """Whether the process that owns a record still runs: on this host its pid (and the pid's
    start time) says; for another host, a heartbeat younger than ``stale_after`` seconds."""
    alive = process_alive(host, pid, started)
    if alive is None:
        alive = (now - heartbeat).total_seconds() < stale_after
    return alive
