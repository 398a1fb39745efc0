"""The kernel template: a process that imported ipykernel once and forks each new kernel.

A kernel start is mostly a new Python process importing ipykernel (IPython, zmq, tornado...):
about half a second of CPU, which on a small machine bounds how fast short steps follow one
another. This process is started once per interpreter (the Lab's, a deployment's venv) by
:mod:`.forking`. It imports ipykernel, then waits on a socket; each request forks a child that
becomes a fresh kernel (a new session, its own folder, environment, ``sys.argv`` and random
state) and runs ``IPKernelApp`` exactly as ``python -m ipykernel_launcher -f <file>`` would.
Nothing runs in this process between forks, so no state passes from one kernel to another: each
starts from the state right after the imports.

It runs in the kernel's interpreter, which may not have naas_lab_ext on its path: only the
standard library is imported before ipykernel. It is run with ``runpy.run_path`` (never as a
script, so its folder, holding modules named like well-known packages, is not on ``sys.path``).

Protocol (one JSON object per line on the socket given as file descriptor ``argv[2]``):
request ``{"argv": [...], "cwd": "...", "env": {...}}`` (``argv``: the arguments after
``-m ipykernel_launcher``), answer ``{"pid": N}``, ``{"refused": "..."}`` (no kernel can
start with that request: its folder is missing) or ``{"error": "..."}``. The first line
this process writes is ``{"ready": true, "pid": N}``, or ``{"error": "..."}`` when it cannot
fork kernels. It exits when the socket closes (its server ended).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from pathlib import Path

__all__: list[str] = []


def _write(stream: object, message: dict[str, object]) -> None:
    stream.write(json.dumps(message).encode() + b"\n")  # type: ignore[attr-defined]
    stream.flush()  # type: ignore[attr-defined]


def _prepare() -> str | None:
    """Import what a kernel imports; an error message when kernels cannot be forked here."""
    if sys.path and sys.path[0] in ("", str(Path.cwd())):
        del sys.path[0]  # -c put the working folder first; each kernel puts its own there
    try:
        import ipykernel_launcher  # noqa: F401  (the module ``-m`` runs; its path is argv[0])
        from ipykernel import ipkernel, kernelapp  # noqa: F401
    except Exception as exc:
        return f"ipykernel cannot be imported: {type(exc).__name__}: {exc}"
    import threading

    if threading.active_count() != 1:
        # A fork copies only the calling thread; a lock another thread held stays held.
        return f"{threading.active_count()} threads run after the imports; cannot fork safely"
    import gc

    gc.collect()
    gc.freeze()  # kept out of the collector: the children share these pages longer
    return None


def _child(request: dict[str, object]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher <argv>``; never returns."""
    code = 1
    try:
        os.setsid()  # its own session and process group, as jupyter_client starts kernels
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as Python starts
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        cwd = str(request["cwd"])
        os.chdir(cwd)
        env = {str(k): str(v) for k, v in dict(request["env"]).items()}  # type: ignore[call-overload]
        # The kernel exits when its parent (this template) ends, and the template when the
        # server ends; ipykernel watches the parent it is given.
        env["JPY_PARENT_PID"] = str(os.getppid())
        os.environ.clear()
        os.environ.update(env)
        # (random reseeds itself in a forked child: os.register_at_fork)
        import ipykernel_launcher

        # As `python -m`: the working folder first, then PYTHONPATH's entries.
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:0] = [cwd, *(p for p in paths if p not in sys.path)]
        sys.argv = [str(ipykernel_launcher.__file__), *map(str, request["argv"])]  # type: ignore[call-overload]
        import tempfile

        from ipykernel import kernelapp

        tempfile.tempdir = None  # TMPDIR may differ from the template's
        try:
            # parent_handle's default was read from the environment when ipykernel was
            # imported (in the template): given here, the kernel ends when the template ends.
            kernelapp.IPKernelApp.launch_instance(parent_handle=os.getppid())
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    stream = sock.makefile("rwb")
    problem = _prepare()
    if problem is not None:
        _write(stream, {"error": problem})
        return
    # Children are reaped at once (no zombies); the server follows them by pidfd.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _write(stream, {"ready": True, "pid": os.getpid()})
    for line in stream:
        try:
            request = json.loads(line)
            if not Path(str(request["cwd"])).is_dir():
                _write(stream, {"refused": f"No such folder: {request['cwd']!r}"})
                continue
            pid = os.fork()
        except Exception as exc:
            _write(stream, {"error": f"{type(exc).__name__}: {exc}"})
            continue
        if pid == 0:
            stream.close()
            sock.close()
            _child(request)
        _write(stream, {"pid": pid})


if __name__ == "__naas_forkserver__":
    serve(int(sys.argv[2]))  # sys.argv: -c, this file, the socket
