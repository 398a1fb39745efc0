"""A deployment's environment: its own venv that sees the Lab's packages after its own, a user
base for `pip install --user`, a kernelspec; the Lab's environment never changes."""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.deploy.environment import (
    Environment,
    create_environment,
    install_requirements,
    kernel_name_for,
)
from tests.deploy.conftest import build_wheel


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    folder = tmp_path_factory.mktemp("deployment")
    return create_environment(folder, kernel_name="naas-sales-abc123", display_name="sales")


def python(environment: Environment, code: str, **extra: str) -> str:
    done = subprocess.run(
        [str(environment.python), "-c", code],
        env={**os.environ, **environment.variables(), **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_venv_sees_its_own_packages_first_then_the_user_base_then_the_labs(
    environment: Environment,
) -> None:
    found = json.loads(
        python(
            environment,
            "import json, sys, site, sysconfig, naas_lab_ext, ipykernel, papermill\n"
            "print(json.dumps({'prefix': sys.prefix, 'path': sys.path,"
            " 'own': sysconfig.get_path('purelib'), 'user': site.getusersitepackages(),"
            " 'naas': naas_lab_ext.__file__}))",
        )
    )
    assert found["prefix"] == str(environment.venv)
    assert found["user"].startswith(str(environment.userbase))
    lab = site.getsitepackages()[0]
    order = [found["path"].index(p) for p in (found["own"], found["user"], lab)]
    assert order == sorted(order), found["path"]
    kernel = json.loads((environment.kernel_dir / "naas-sales-abc123" / "kernel.json").read_text())
    assert kernel["argv"] == [
        str(environment.python),
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]


def test_pip_install_user_lands_in_the_deployment(environment: Environment, tmp_path: Path) -> None:
    # Given a wheel only this test has
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "naas_user_dep", "1.0")
    variables = {**os.environ, **environment.variables(), "PIP_NO_INDEX": "1"}
    # When a notebook of the deployment runs `pip install --user` (pip found on its PATH)
    done = subprocess.run(
        ["pip", "install", "--user", "--find-links", str(wheels), "naas_user_dep"],
        env=variables,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Then it is in the deployment's user base, importable there, and nowhere in the Lab
    assert "from the wheel" in python(
        environment, "import naas_user_dep; print(naas_user_dep.VALUE)"
    )
    installed = python(environment, "import naas_user_dep; print(naas_user_dep.__file__)")
    assert installed.startswith(str(environment.userbase))
    assert importlib.util.find_spec("naas_user_dep") is None


def test_pips_message_is_shown_when_it_fails(environment: Environment, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("naas-no-such-package==9.9\n")
    with pytest.raises(InvalidInput) as caught:
        install_requirements(environment, requirements, cwd=tmp_path, timeout=300)
    assert caught.value.message.startswith("pip could not install requirements.txt:\nERROR:")
    assert "naas-no-such-package==9.9" in caught.value.message
    assert caught.value.field == "requirements"


def test_kernel_names_are_valid_kernelspec_names() -> None:
    assert kernel_name_for("Sales Report (EU)", "2026-11-29T23.50.00.000Z-ab12cd") == (
        "naas-sales-report-eu-ab12cd"
    )
    assert kernel_name_for("???", "x-1") == "naas-product-1"
