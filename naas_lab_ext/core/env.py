"""Every environment variable naas_lab_ext reads or sets, by name, in one place.

They are the contract between the server, the CLI, the pipeline engine and the kernels they
start (a kernel inherits its starter's environment):

``NAAS_PRODUCT_ROOT``
    The product folder, for code that runs outside it (tests, docs, scripts elsewhere).
``NAAS_RUN_ID``
    Set by the pipeline engine in every step's kernel: the id of the run.
``NAAS_RUN_VERSION``
    Set by the pipeline engine in every step's kernel: the run's version string
    (:func:`naas_lab_ext.core.clock.to_version` at run start). Every output saved during the
    run uses it, so one run's outputs share one version.
``NAAS_PIPELINE``, ``NAAS_PIPELINE_OUTPUT_PATH``, ``NAAS_STEP``
    Set by the pipeline engine in every step's kernel: the pipeline, the run's folder of
    executed notebooks, the step.
``NAAS_OUTPUTS_KEEP``
    How many versions per dataset to keep when the product does not say (0 or unset: all).
    The server exports ``NaasLabExtApp.outputs_keep_versions`` through it to its kernels.
``NAAS_LAB_DB_URL``
    SQLAlchemy URL of the run store; the server exports its ``db_url`` through it.
``NAAS_PIPELINE_DESCRIBE``
    Set by the server and the CLI while they read a pipeline notebook to learn its DAG:
    ``pipeline.run()`` then writes the DAG to this file instead of running anything.
``NAAS_PIPELINE_NOTEBOOK``
    The pipeline notebook being read or run (absolute path), set by the server and the CLI.
``NAAS_DEPLOYMENT_ID``
    Set in the kernels of a production run (and of the deploy's setup.ipynb): the deployment.
``NAAS_PRODUCT_OUTPUTS``
    The folder outputs are written to when it is not ``<product>/outputs``: a production run
    executes a deployment's frozen copy but writes into the live product's outputs.
``NAAS_DEPLOY_DECLARATIONS``
    Set while a deploy executes setup.ipynb: the file where ``schedule()``, ``unschedule()``,
    ``dependency()`` and ``install_requirements()`` record what they declare.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .clock import parse_version
from .errors import InvalidInput

PRODUCT_ROOT = "NAAS_PRODUCT_ROOT"
RUN_ID = "NAAS_RUN_ID"
RUN_VERSION = "NAAS_RUN_VERSION"
PIPELINE = "NAAS_PIPELINE"
PIPELINE_OUTPUT_PATH = "NAAS_PIPELINE_OUTPUT_PATH"
STEP = "NAAS_STEP"
OUTPUTS_KEEP = "NAAS_OUTPUTS_KEEP"
DB_URL = "NAAS_LAB_DB_URL"
PIPELINE_DESCRIBE = "NAAS_PIPELINE_DESCRIBE"
PIPELINE_NOTEBOOK = "NAAS_PIPELINE_NOTEBOOK"
DEPLOYMENT_ID = "NAAS_DEPLOYMENT_ID"
PRODUCT_OUTPUTS = "NAAS_PRODUCT_OUTPUTS"
DEPLOY_DECLARATIONS = "NAAS_DEPLOY_DECLARATIONS"
#: Set by JupyterLab in a notebook's kernel: the notebook's path.
JUPYTER_SESSION = "JPY_SESSION_NAME"

__all__ = [
    "DB_URL",
    "DEPLOYMENT_ID",
    "DEPLOY_DECLARATIONS",
    "JUPYTER_SESSION",
    "OUTPUTS_KEEP",
    "PIPELINE",
    "PIPELINE_DESCRIBE",
    "PIPELINE_NOTEBOOK",
    "PIPELINE_OUTPUT_PATH",
    "PRODUCT_OUTPUTS",
    "PRODUCT_ROOT",
    "RUN_ID",
    "RUN_VERSION",
    "STEP",
    "Exports",
    "run_id",
    "run_version",
]


def run_id(*, environ: Mapping[str, str] | None = None) -> str | None:
    """The pipeline run this code runs in (``NAAS_RUN_ID``), or None outside a run."""
    env = os.environ if environ is None else environ
    return env.get(RUN_ID) or None


def run_version(*, environ: Mapping[str, str] | None = None) -> str | None:
    """The version every output of the current pipeline run uses (``NAAS_RUN_VERSION``)."""
    env = os.environ if environ is None else environ
    version = env.get(RUN_VERSION, "").strip()
    if not version:
        return None
    try:
        parse_version(version)
    except InvalidInput:
        raise InvalidInput(
            f"{RUN_VERSION}={version!r} is not a version (expected UTC time like "
            "2026-11-23T08.00.00.000Z); the pipeline engine sets it, unset it outside a run.",
            field="version",
        ) from None
    return version


class Exports:
    """Environment variables a process sets for the children it starts (kernels inherit
    their server's environment), each put back as it was by :meth:`restore`."""

    def __init__(self) -> None:
        #: What each variable held before (None: it was not set).
        self.previous: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self.previous.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, before in self.previous.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before
        self.previous.clear()
