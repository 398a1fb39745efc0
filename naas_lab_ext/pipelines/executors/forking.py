"""Kernels forked from a template process instead of started from scratch.

Starting ``python -m ipykernel_launcher`` costs about half a second of CPU, nearly all of it
importing ipykernel, IPython, zmq and tornado. A **template** (:mod:`.forkserver`) does those
imports once per interpreter and forks each kernel: a forked kernel is ready in a few tens of
milliseconds. Every kernel is still a process of its own, used for one step, with its own
session, process group, working folder, environment and random state; nothing runs in the
template between forks, so no state passes from one kernel to the next.

:class:`ForkProvisioner` is the jupyter_client provisioner that asks a template for the kernel
when the kernelspec is plain ipykernel (``<python> -m ipykernel_launcher -f
{connection_file}``) and starts it the usual way otherwise, or when the template cannot be
started. One template serves an interpreter and the variables that change how Python starts
(``PYTHONUSERBASE``, ``PYTHONHOME``...): the Lab's python, and each deployment's venv.
A template unused for ``idle_timeout`` seconds with no kernel left alive exits, unless it is
kept warm (:meth:`Templates.keep_warm`, a deployment with active schedules); all exit with
the process that started them.

``NAAS_KERNEL_FORK=0`` turns forking off (every kernel started from scratch).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from ...core.env import kernel_fork_requested

__all__ = [
    "ForkProvisioner",
    "Templates",
    "base_environment",
    "fork_enabled",
    "keep_warm_kernels",
    "startup_environment",
    "templates",
    "use_fork",
]

log = logging.getLogger(__name__)

#: Variables read while Python starts (they change ``sys.path`` or the site) or while the
#: kernel's modules are imported (jupyter_core, traitlets, IPython, jupyter_client, tornado):
#: a template per distinct value. ``PYTHONPATH`` is not one: each kernel puts its entries on
#: its own path; nor ``JPY_PARENT_PID``, which each kernel sets to its template.
_STARTUP_VARIABLES = (
    "USER",
    "JUPYTER_ALLOW_INSECURE_WRITES",
    "IPYTHON_SUPPRESS_CONFIG_ERRORS",
    "TRAITLETS_APPLICATION_RAISE_CONFIG_FILE_ERROR",
    "TORNADO_NO_EXTENSION",
    "TORNADO_EXTENSION",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "PYTHONSTARTUP",
    "PYTHONNODEBUGRANGES",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONWARNINGS",
    "PYTHONDEVMODE",
    "PYTHONUTF8",
    "PYTHONIOENCODING",
    "VIRTUAL_ENV",
)
_SERVER_SCRIPT = Path(__file__).with_name("forkserver.py")


def base_environment(env: Mapping[str, str]) -> dict[str, str]:
    """What a template (or a pool's waiting kernel) starts with: this process's environment
    (kernels inherit it anyway) with the kernel's start-up variables, never the kernel's own
    variables. A forked child
    shows its template's initial environment in ``/proc/<pid>/environ``: one step's values
    (a run's secrets) must not be there for the next kernels."""
    start = {k: v for k, v in os.environ.items() if k not in _STARTUP_VARIABLES}
    start.update({k: env[k] for k in _STARTUP_VARIABLES if k in env})
    start.pop("PYTHONPATH", None)
    return start


_BOOT = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__naas_forkserver__')"


def startup_environment(env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of the variables Python and the kernel's modules read when they start
    (``\\0``: unset): two kernels with the same are interchangeable before their step."""
    return tuple(env.get(name, "\0") for name in _STARTUP_VARIABLES)


def fork_enabled() -> bool:
    """Whether kernels may be forked (``NAAS_KERNEL_FORK`` unset or not ``0``/``false``)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and kernel_fork_requested()


class _ForkedProcess:
    """What jupyter_client expects of a kernel's ``Popen``, for a kernel forked by a template
    (a child of the template, not of this process: followed through a pidfd)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._signalled: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = None
            self.returncode = 0

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd is not None and self._readable(0):
            self._ended()
        return self.returncode

    def _readable(self, seconds: float) -> bool:
        """Whether the pidfd says the process ended (within ``seconds``). ``select.poll``, not
        ``select.select``: a server's descriptors go past select's limit of 1024."""
        if self._pidfd is None:
            return True
        poller = select.poll()
        poller.register(self._pidfd, select.POLLIN)
        return bool(poller.poll(int(seconds * 1000)))

    def _ended(self) -> None:
        # Its exit status belongs to the template (its parent): a kill we sent, or 0.
        self.returncode = -self._signalled if self._signalled else 0
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            self._readable(0.5 if left is None else min(left, 0.5))
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is not None:
            return
        if signum in (signal.SIGKILL, signal.SIGTERM):
            self._signalled = signum
        if self._pidfd is not None and hasattr(signal, "pidfd_send_signal"):
            try:
                signal.pidfd_send_signal(self._pidfd, signum)
                return
            except ProcessLookupError:
                return
            except OSError:
                pass
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self) -> None:
        if getattr(self, "_pidfd", None) is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)  # type: ignore[arg-type]


class TemplateUnavailable(RuntimeError):
    """A template could not be started or answered with an error."""


class _Template:
    """One template process and the socket to it."""

    def __init__(self, python: str, env: Mapping[str, str], start_timeout: float) -> None:
        self.used = time.monotonic()
        self.children: list[_ForkedProcess] = []
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair()
        try:
            start_env = base_environment(env)
            self.process = subprocess.Popen(
                [python, "-c", _BOOT, str(_SERVER_SCRIPT), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=start_env,
                cwd="/",
                start_new_session=True,  # a Ctrl-C in the server's terminal is for the server
            )
        except OSError as exc:
            ours.close()
            raise TemplateUnavailable(f"{python} could not be started: {exc}") from exc
        finally:
            theirs.close()
        self._socket = ours
        self._socket.settimeout(start_timeout)
        self._stream = ours.makefile("rwb")
        try:
            hello = self._read()
        except TemplateUnavailable:
            self.close()
            raise
        if not hello.get("ready"):
            self.close()
            raise TemplateUnavailable(str(hello.get("error") or hello))
        self.pid = int(hello["pid"])
        self._socket.settimeout(30.0)

    def _read(self) -> dict[str, Any]:
        try:
            line = self._stream.readline()
        except OSError as exc:
            raise TemplateUnavailable(f"the kernel template did not answer: {exc}") from exc
        if not line:
            raise TemplateUnavailable("the kernel template ended")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(self, argv: list[str], cwd: str, env: Mapping[str, str]) -> _ForkedProcess:
        request = json.dumps({"argv": argv, "cwd": cwd, "env": dict(env)}).encode() + b"\n"
        with self._lock:
            self.used = time.monotonic()
            try:
                self._stream.write(request)
                self._stream.flush()
            except OSError as exc:
                raise TemplateUnavailable(f"the kernel template ended: {exc}") from exc
            answer = self._read()
            if "refused" in answer:  # as Popen fails: the kernel cannot start there
                raise OSError(str(answer["refused"]))
            if "pid" not in answer:
                raise TemplateUnavailable(str(answer.get("error") or answer))
            child = _ForkedProcess(int(answer["pid"]))
            self.children = [c for c in self.children if c.poll() is None]
            self.children.append(child)
            return child

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def busy(self) -> bool:
        with self._lock:
            self.children = [c for c in self.children if c.poll() is None]
            return bool(self.children)

    def close(self) -> None:
        """Close the socket: the template exits (its kernels with it, as kernels of a server
        that ended)."""
        for closing in (self._stream.close, self._socket.close):
            with contextlib.suppress(OSError):
                closing()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class Templates:
    """This process's kernel templates, one per interpreter and start-up environment."""

    def __init__(self, *, idle_timeout: float = 600.0, start_timeout: float = 60.0) -> None:
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._templates: dict[tuple[str, ...], _Template] = {}
        self._starting: dict[tuple[str, ...], threading.Lock] = {}
        #: Keys whose template could not start: kernels start the usual way until the next cull.
        self._failed: set[tuple[str, ...]] = set()
        self._warm: set[tuple[str, ...]] = set()
        self._closed = False
        self._stop = threading.Event()
        self._culler: threading.Thread | None = None

    @staticmethod
    def key(python: str, env: Mapping[str, str]) -> tuple[str, ...]:
        # Not resolved: a venv's python is a symlink to the base interpreter, yet another one.
        return (str(Path(python).absolute()), *startup_environment(env))

    def spawn(
        self, python: str, argv: list[str], cwd: str, env: Mapping[str, str]
    ) -> _ForkedProcess | None:
        """A kernel forked from ``python``'s template; None: that template cannot be had
        (the reason is logged once; start the kernel the usual way)."""
        key = self.key(python, env)
        for attempt in (1, 2):
            template = self._template(key, python, env)
            if template is None:
                return None
            try:
                return template.spawn(argv, cwd, env)
            except TemplateUnavailable as exc:
                self._drop(key, template)
                if attempt == 2:
                    self._fail(key, str(exc))
        return None

    def _template(
        self, key: tuple[str, ...], python: str, env: Mapping[str, str]
    ) -> _Template | None:
        with self._lock:
            if self._closed or key in self._failed:
                return None
            template = self._templates.get(key)
            if template is not None and template.alive:
                return template
            starting = self._starting.setdefault(key, threading.Lock())
        with starting:  # one start per key; others wait for it
            with self._lock:
                template = self._templates.get(key)
                if template is not None and template.alive:
                    return template
                if key in self._failed or self._closed:
                    return None
            try:
                template = _Template(python, env, self.start_timeout)
            except TemplateUnavailable as exc:
                self._fail(key, str(exc))
                return None
            with self._lock:
                if self._closed:
                    template.close()
                    return None
                self._templates[key] = template
                if self._culler is None:
                    self._culler = threading.Thread(
                        target=self._cull_loop, name="naas-kernel-templates", daemon=True
                    )
                    self._culler.start()
            log.debug("Kernel template for %s started (pid %s)", python, template.pid)
            return template

    def _fail(self, key: tuple[str, ...], reason: str) -> None:
        with self._lock:
            self._failed.add(key)
        log.warning("Kernels of %s are started without a template (slower): %s", key[0], reason)

    def _drop(self, key: tuple[str, ...], template: _Template) -> None:
        with self._lock:
            if self._templates.get(key) is template:
                del self._templates[key]
        template.close()

    def warm(self, python: str, env: Mapping[str, str]) -> bool:
        """Start ``python``'s template now (not at the first kernel); whether it runs."""
        return self._template(self.key(python, env), python, env) is not None

    def keep_warm(self, keys: Iterable[tuple[str, Mapping[str, str]]]) -> threading.Thread:
        """Keep the templates of these ``(python, env)`` started: never culled while listed
        (replaces the previous list). They start in the background (the thread returned)."""
        pairs = list(keys)
        with self._lock:
            self._warm = {self.key(python, env) for python, env in pairs}

        def start() -> None:
            for python, env in pairs:
                self.warm(python, env)

        thread = threading.Thread(target=start, name="naas-kernel-templates-warm", daemon=True)
        thread.start()
        return thread

    def _cull_loop(self) -> None:
        period = max(1.0, min(60.0, self.idle_timeout / 4))
        while not self._stop.wait(period):
            try:
                self.cull()
            except Exception:  # pragma: no cover - logged, the loop goes on
                log.exception("Culling idle kernel templates failed")

    def cull(self, now: float | None = None) -> int:
        """Close the templates unused for ``idle_timeout`` with no kernel left alive, and
        forget start failures (the next kernel tries again); how many were closed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failed.clear()
            idle = [
                (key, t)
                for key, t in self._templates.items()
                if key not in self._warm and now - t.used >= self.idle_timeout
            ]
        closed = 0
        for key, template in idle:
            if template.busy():
                continue
            self._drop(key, template)
            closed += 1
        return closed

    def running(self) -> list[int]:
        """The process ids of the running templates."""
        with self._lock:
            return [t.pid for t in self._templates.values() if t.alive]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            templates = list(self._templates.values())
            self._templates.clear()
        self._stop.set()
        for template in templates:
            template.close()


_templates: Templates | None = None
_templates_lock = threading.Lock()


def templates() -> Templates:
    """This process's templates (made on first use, closed at exit)."""
    global _templates
    with _templates_lock:
        if _templates is None:
            _templates = Templates()
            atexit.register(_templates.close)
        return _templates


def _forkable(argv: list[str]) -> bool:
    return len(argv) >= 3 and argv[1:3] == ["-m", "ipykernel_launcher"]


class ForkProvisioner(LocalProvisioner):
    """Starts a plain ipykernel kernel by forking its interpreter's template (see the
    module); any other kernel, or when no template can be had, the usual way."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if _forkable(cmd) and fork_enabled():
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or Path.cwd())
            child = templates().spawn(interpreter(cmd), cmd[3:], cwd, env)
            if child is not None:
                self.process = child  # type: ignore[assignment]  # Popen's interface
                self.pid = child.pid
                self.pgid = child.pid  # the child leads a new session (setsid)
                self.cwd = cwd
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


def use_fork(km: Any) -> None:
    """Have the kernel manager ``km`` (not started) start its kernel with
    :class:`ForkProvisioner` when its kernelspec is plain ipykernel."""
    if not fork_enabled():
        return
    spec = km.kernel_spec
    if spec is None or not _forkable(list(spec.argv)):
        return
    if (spec.metadata or {}).get("kernel_provisioner"):
        return  # the kernelspec asks for a provisioner of its own
    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=spec, parent=km)


def keep_warm_kernels(
    kernels: Iterable[tuple[str | None, Iterable[Path], Mapping[str, str]]],
) -> threading.Thread | None:
    """Keep the templates of these kernels started (``(kernelspec name, the folders holding
    it, the run's environment)``: a deployment's kernel while it has active schedules);
    the others may be culled once idle. None: forking is off."""
    if not fork_enabled():
        return None
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from .base import default_kernel_name

    pairs: list[tuple[str, Mapping[str, str]]] = []
    for name, folders, env in kernels:
        dirs = [str(folder) for folder in folders]
        manager = KernelSpecManager(kernel_dirs=dirs) if dirs else KernelSpecManager()
        try:
            spec = manager.get_kernel_spec(name or default_kernel_name())
        except (NoSuchKernel, OSError, ValueError) as exc:
            log.debug("No kernel template for %s: %s", name, exc)
            continue
        argv = list(spec.argv)
        if not _forkable(argv) or (spec.metadata or {}).get("kernel_provisioner"):
            continue
        pairs.append((interpreter(argv), {**os.environ, **env, **(spec.env or {})}))
    return templates().keep_warm(pairs)


def interpreter(argv: list[str]) -> str:
    """The interpreter a kernelspec's ``argv`` runs (``python`` means this one, as in
    jupyter_client)."""
    first = argv[0] if argv else sys.executable
    major, minor = sys.version_info[:2]
    if first in {"python", f"python{major}", f"python{major}.{minor}"}:
        return sys.executable
    return first
