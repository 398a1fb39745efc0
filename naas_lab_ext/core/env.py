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
``NAAS_KERNEL_POOL_SIZE``
    The default of the server's ``kernel_pool_size``: kernels per kernelspec started ahead,
    waiting for runs (0: none).
``NAAS_KERNEL_FORK``
    ``0`` turns off the kernel templates: every kernel is started from scratch
    (:mod:`naas_lab_ext.pipelines.executors.forking`). The default of the server's
    ``kernel_fork``, which exports its value through it.
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
``NAAS_SMTP_HOST``, ``NAAS_SMTP_PORT``, ``NAAS_SMTP_SECURITY``, ``NAAS_SMTP_USER``,
``NAAS_MAIL_FROM``
    The SMTP server mail goes through (``starttls``, ``ssl`` or ``none``), its user, and the
    sender address. The server exports its ``smtp_*`` and ``mail_from`` settings through them
    to its kernels (``notify()`` and ``notification.send()`` send from there); ``naas-lab
    scheduler`` and ``naas-lab notify`` read them, and they are the traits' defaults.
``NAAS_SMTP_PASSWORD_ENV``
    The NAME of the variable that holds the SMTP password (default ``NAAS_SMTP_PASSWORD``).
    The password itself is never exported: a kernel inherits that variable from its server.
``NAAS_NOTIFY_EMAIL_TO``, ``NAAS_NOTIFY_WEBHOOK_URLS``
    Default recipients of failure notifications (comma- or space-separated). The server
    exports the addresses to its kernels, never the webhooks (their URLs hold tokens).
``NAAS_PUBLIC_URL``
    The URL users open JupyterLab at (links in notifications).
``NAAS_NOTIFY_RETRIES``
    Tries per notification before it is recorded failed (default 3).
``NAAS_SMTP_PASSWORD_SECRET``
    The NAME of the secret (see ``NAAS_SECRETS_*`` below) that holds the SMTP password; when
    set it wins over ``NAAS_SMTP_PASSWORD_ENV``. The server exports its
    ``smtp_password_secret`` through it, never the password.
``NAAS_SECRETS_BACKEND``
    Where secrets are kept: ``auto`` (the default: the OS keyring when a real one exists,
    else the encrypted file), ``keyring`` or ``file``. The server exports the backend it
    chose, so its kernels, pipeline steps and the scheduler read the same vault.
``NAAS_SECRETS_DIR``
    The folder of ``secrets.json`` (the encrypted values of the file backend) and of the
    index of names (both backends); default ``<Jupyter data dir>/naas_lab_ext``. Exported by
    the server.
``NAAS_SECRETS_KEY_FILE``
    The key file the file backend encrypts with (a Fernet key, created 0600 on first use);
    default ``<Jupyter config dir>/naas_lab_ext/secrets.key``. Exported by the server.
``NAAS_SECRETS_KEY``
    The Fernet key itself, for servers that get it from their environment (it then wins over
    the key file). Never exported: a kernel inherits it from its server.
``NAAS_SECRETS_PRODUCT``
    Set by the pipeline engine in every step's kernel (and in a deploy's setup.ipynb): the
    product whose secrets ``secret.get()`` reads (its real path). A production run executes a
    deployment's frozen copy but reads the live product's secrets.
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
KERNEL_POOL_SIZE = "NAAS_KERNEL_POOL_SIZE"
KERNEL_FORK = "NAAS_KERNEL_FORK"


def kernel_fork_requested() -> bool:
    """Whether ``NAAS_KERNEL_FORK`` asks for kernels forked from a template (unset: yes;
    ``0``, ``false`` or ``no``: no)."""
    return os.environ.get(KERNEL_FORK, "1").strip().lower() not in ("0", "false", "no")


PIPELINE_DESCRIBE = "NAAS_PIPELINE_DESCRIBE"
PIPELINE_NOTEBOOK = "NAAS_PIPELINE_NOTEBOOK"
DEPLOYMENT_ID = "NAAS_DEPLOYMENT_ID"
PRODUCT_OUTPUTS = "NAAS_PRODUCT_OUTPUTS"
DEPLOY_DECLARATIONS = "NAAS_DEPLOY_DECLARATIONS"
SMTP_HOST = "NAAS_SMTP_HOST"
SMTP_PORT = "NAAS_SMTP_PORT"
SMTP_SECURITY = "NAAS_SMTP_SECURITY"
SMTP_USER = "NAAS_SMTP_USER"
SMTP_PASSWORD_ENV = "NAAS_SMTP_PASSWORD_ENV"  # noqa: S105 - names a variable
#: Where the SMTP password is when ``NAAS_SMTP_PASSWORD_ENV`` names no other variable.
SMTP_PASSWORD = "NAAS_SMTP_PASSWORD"  # noqa: S105 - names a variable
MAIL_FROM = "NAAS_MAIL_FROM"
NOTIFY_EMAIL_TO = "NAAS_NOTIFY_EMAIL_TO"
NOTIFY_WEBHOOK_URLS = "NAAS_NOTIFY_WEBHOOK_URLS"
PUBLIC_URL = "NAAS_PUBLIC_URL"
NOTIFY_RETRIES = "NAAS_NOTIFY_RETRIES"
SMTP_PASSWORD_SECRET = "NAAS_SMTP_PASSWORD_SECRET"  # noqa: S105 - names a variable
SECRETS_BACKEND = "NAAS_SECRETS_BACKEND"
SECRETS_DIR = "NAAS_SECRETS_DIR"
SECRETS_KEY = "NAAS_SECRETS_KEY"
SECRETS_KEY_FILE = "NAAS_SECRETS_KEY_FILE"
SECRETS_PRODUCT = "NAAS_SECRETS_PRODUCT"
#: Set by JupyterLab in a notebook's kernel: the notebook's path.
JUPYTER_SESSION = "JPY_SESSION_NAME"

__all__ = [
    "DB_URL",
    "DEPLOYMENT_ID",
    "DEPLOY_DECLARATIONS",
    "JUPYTER_SESSION",
    "MAIL_FROM",
    "NOTIFY_EMAIL_TO",
    "NOTIFY_RETRIES",
    "NOTIFY_WEBHOOK_URLS",
    "OUTPUTS_KEEP",
    "PIPELINE",
    "PIPELINE_DESCRIBE",
    "PIPELINE_NOTEBOOK",
    "PIPELINE_OUTPUT_PATH",
    "PRODUCT_OUTPUTS",
    "PRODUCT_ROOT",
    "PUBLIC_URL",
    "RUN_ID",
    "RUN_VERSION",
    "SECRETS_BACKEND",
    "SECRETS_DIR",
    "SECRETS_KEY",
    "SECRETS_KEY_FILE",
    "SECRETS_PRODUCT",
    "SMTP_HOST",
    "SMTP_PASSWORD",
    "SMTP_PASSWORD_ENV",
    "SMTP_PASSWORD_SECRET",
    "SMTP_PORT",
    "SMTP_SECURITY",
    "SMTP_USER",
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
