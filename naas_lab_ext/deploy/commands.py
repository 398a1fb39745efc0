"""Run a command for a deploy (pytest, venv, pip, git): its output kept, within a time limit,
stoppable, and killed with whatever it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import env

#: Variables of the process that starts a kernel that must not leak into a deploy's kernels:
#: they describe a run, a notebook or a deploy of their own.
PRIVATE = frozenset(
    {
        env.RUN_ID,
        env.RUN_VERSION,
        env.PIPELINE,
        env.PIPELINE_OUTPUT_PATH,
        env.STEP,
        env.PIPELINE_DESCRIBE,
        env.PIPELINE_NOTEBOOK,
        env.DEPLOYMENT_ID,
        env.PRODUCT_OUTPUTS,
        env.DEPLOY_DECLARATIONS,
        env.PRODUCT_ROOT,
        env.JUPYTER_SESSION,
    }
)


def base_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the variables of a run or a notebook, plus
    ``extra``; bytecode is not written (nothing lands in the product's folders)."""
    values = {k: v for k, v in os.environ.items() if k not in PRIVATE}
    values["PYTHONDONTWRITEBYTECODE"] = "1"
    values.update(extra or {})
    return values


class Stopped(Exception):
    """The deploy was stopped (the server stops) while a notebook or a command ran."""


#: How much of a command's output an error message quotes (its end: where the reason is).
TAIL = 3000


@dataclass
class Completed:
    """A command that ended (or was killed after ``timeout``)."""

    argv: list[str]
    returncode: int
    output: str
    """stdout and stderr, interleaved as the command wrote them."""
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, limit: int = TAIL) -> str:
        text = self.output.strip()
        return text if len(text) <= limit else "..." + text[-limit:]


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            process.kill()
    except ProcessLookupError:
        pass


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    environment: Mapping[str, str],
    timeout: float | None = None,
    stop: threading.Event | None = None,
) -> Completed:
    """Run ``argv`` in ``cwd`` and wait for it. Its output goes to a temporary file (a pipe
    could fill up and block it). Raises :class:`Stopped` when ``stop`` is set meanwhile, and
    ``FileNotFoundError`` when the program does not exist."""
    began = time.monotonic()
    with tempfile.TemporaryFile() as sink:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches its children
        )
        timed_out = stopped = False
        try:
            while process.poll() is None:
                if stop is not None and stop.is_set():
                    stopped = True
                    _kill(process)
                elif timeout is not None and time.monotonic() - began > timeout:
                    timed_out = True
                    _kill(process)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(0.1)
        finally:
            if process.poll() is None:
                _kill(process)
                process.wait()
        sink.seek(0)
        output = sink.read().decode("utf-8", "replace")
    if stopped:
        raise Stopped(f"stopped while {Path(argv[0]).name} ran")
    return Completed(
        list(argv),
        process.returncode,
        output,
        timed_out=timed_out,
        seconds=time.monotonic() - began,
    )
