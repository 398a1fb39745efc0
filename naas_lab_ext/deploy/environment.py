"""Step 3 of a deploy: an environment of the deployment's own, so installing its requirements
never changes the environment JupyterLab runs in.

``<deployment>/venv`` is made with ``python -m venv --system-site-packages``. A link module in
its site-packages makes the packages of JupyterLab's environment visible (read-only) *after*
the venv's own packages and after its user site: a requirement installed here wins, and
everything the Lab has (ipykernel, naas_lab_ext, pandas...) is there without a second copy.
``PYTHONUSERBASE=<deployment>/userbase``, so a ``pip install --user`` in setup.ipynb (as Naas
setup notebooks do) lands in the deployment, never in the user's own site. The deployment's
kernelspec, ``<deployment>/kernels/<name>/kernel.json``, runs the venv's python; it is kept out
of Lab's launcher (production runs find it through ``Production.kernel_dirs``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import site
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InvalidInput
from .commands import Completed, base_environment, run_command

LINK_MODULE = "_naas_deploy_site"
LINK_TEMPLATE = '''"""Written by naas_lab_ext when it deployed a data product.

This deployment's environment sees the packages of the environment JupyterLab runs in
(read-only), after its own packages and after its user site (pip install --user).
"""

import os
import site

LAB_SITES = {sites!r}


def _link():
    enabled = site.ENABLE_USER_SITE
    if enabled is None:  # site.main() has not decided yet when it reads a venv's .pth files
        enabled = site.check_enableusersite()
    if enabled:
        user = site.getusersitepackages()
        if os.path.isdir(user):
            site.addsitedir(user)
    for folder in LAB_SITES:
        if os.path.isdir(folder):
            site.addsitedir(folder)


_link()
'''


#: Asked of a venv's python: its site-packages and its user site (PYTHONUSERBASE).
WHERE = (
    "import json, site, sysconfig; "
    "print(json.dumps([sysconfig.get_path('purelib'), site.getusersitepackages()]))"
)


@dataclass(frozen=True)
class Environment:
    """A deployment's environment: its venv, user base and kernelspec."""

    venv: Path
    userbase: Path
    kernel_dir: Path
    kernel_name: str

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def variables(self) -> dict[str, str]:
        """What a production kernel's environment gets: the venv first on PATH, the venv, and
        the user base of ``pip install --user``."""
        path = os.environ.get("PATH", "")
        return {
            "PATH": os.pathsep.join(filter(None, [str(self.bin), path])),
            "VIRTUAL_ENV": str(self.venv),
            "PYTHONUSERBASE": str(self.userbase),
        }


def kernel_name_for(product: str, deployment_id: str) -> str:
    """``naas-<product>-<short id>``: a valid kernelspec name (letters, digits, ``.-_``)."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", product.lower()).strip("-.")[:40] or "product"
    return f"naas-{slug}-{deployment_id.rsplit('-', 1)[-1]}"


def lab_sites() -> list[str]:
    """Where the packages of the environment JupyterLab runs in are (user site first, as the
    Lab sees them)."""
    found = []
    if site.ENABLE_USER_SITE and Path(site.getusersitepackages()).is_dir():
        found.append(site.getusersitepackages())
    found += [folder for folder in site.getsitepackages() if Path(folder).is_dir()]
    return found


def _write_pip_launchers(environment: Environment) -> None:
    """``pip`` in the venv's bin, running the venv's python (so ``!pip install`` in a notebook
    of the deployment installs into the deployment). pip itself comes from the Lab's
    environment through the link: no copy of pip per deployment."""
    script = f'#!/bin/sh\nexec {shlex.quote(str(environment.python))} -m pip "$@"\n'
    major, minor = sys.version_info[:2]
    for name in ("pip", "pip3", f"pip{major}.{minor}"):
        launcher = environment.bin / name
        launcher.write_text(script, encoding="utf-8")
        launcher.chmod(0o755)


def create_environment(
    folder: Path,
    *,
    kernel_name: str,
    display_name: str,
    stop: threading.Event | None = None,
) -> Environment:
    """Make the venv, user base and kernelspec of a deployment in ``folder``."""
    environment = Environment(
        venv=folder / "venv",
        userbase=folder / "userbase",
        kernel_dir=folder / "kernels",
        kernel_name=kernel_name,
    )
    with_pip = os.name == "nt" or importlib.util.find_spec("pip") is None
    argv = [sys.executable, "-m", "venv", "--system-site-packages"]
    done = run_command(
        [*argv, *([] if with_pip else ["--without-pip"]), str(environment.venv)],
        cwd=folder,
        environment=base_environment(),
        timeout=600,
        stop=stop,
    )
    if not done.ok:
        raise InvalidInput(
            f"The deployment's virtual environment cannot be created: {done.tail(1500)}",
            field="requirements",
        )
    # Asked of the venv's python itself: distributions patch sysconfig's schemes.
    where = run_command(
        [str(environment.python), "-c", WHERE],
        cwd=folder,
        environment=base_environment(environment.variables()),
        timeout=120,
        stop=stop,
    )
    try:
        packages, user_site = (Path(p) for p in json.loads(where.output.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        raise InvalidInput(
            f"The deployment's virtual environment does not start: {where.tail(1500)}",
            field="requirements",
        ) from None
    packages.mkdir(parents=True, exist_ok=True)
    (packages / f"{LINK_MODULE}.py").write_text(
        LINK_TEMPLATE.format(sites=lab_sites()), encoding="utf-8"
    )
    (packages / "naas-deploy.pth").write_text(f"import {LINK_MODULE}\n", encoding="utf-8")
    if not with_pip:
        _write_pip_launchers(environment)
    # The user site exists from the start, so what `pip install --user` puts there is
    # importable without restarting the kernel that installed it.
    user_site.mkdir(parents=True, exist_ok=True)
    spec = environment.kernel_dir / kernel_name
    spec.mkdir(parents=True)
    argv = [str(environment.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {
        "argv": argv,
        "display_name": display_name,
        "language": "python",
        "metadata": {"naas_lab_ext": {"deployment": folder.name}},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=2) + "\n", encoding="utf-8")
    return environment


def pip_error(done: Completed) -> str:
    """pip's own words about why it failed (its ERROR lines, else the end of its output)."""
    errors = [line for line in done.output.splitlines() if line.startswith("ERROR:")]
    text = "\n".join(errors) if errors else done.tail(1500)
    return text if len(text) <= 1500 else "..." + text[-1500:]


def install_requirements(
    environment: Environment,
    requirements: Path,
    *,
    cwd: Path,
    timeout: float | None,
    stop: threading.Event | None = None,
) -> Completed:
    """``pip install -r requirements`` into the deployment's venv; :class:`InvalidInput` with
    pip's message when it fails."""
    done = run_command(
        [
            str(environment.python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            str(requirements),
        ],
        cwd=cwd,
        environment=base_environment(environment.variables()),
        timeout=timeout,
        stop=stop,
    )
    if done.timed_out:
        raise InvalidInput(
            f"pip install -r requirements.txt took longer than {timeout:.0f} s and was stopped.",
            field="requirements",
        )
    if not done.ok:
        raise InvalidInput(
            f"pip could not install requirements.txt:\n{pip_error(done)}", field="requirements"
        )
    return done
