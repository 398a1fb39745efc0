"""The data product of this notebook: its folders, parameters, utils, outputs and pipelines.

In any notebook of a data product (at any depth, in JupyterLab, in a pipeline run, or in plain
Python)::

    from naas_data_product import *

gives:

- ``ROOT_PATH``, ``ASSETS_PATH``, ``INPUTS_PATH``, ``MODELS_PATH``, ``OUTPUTS_PATH``,
  ``TESTS_PATH``, ``UTILS_PATH``: absolute :class:`pathlib.Path` of the product's folders;
- ``PARAMS``: the dict in ``inputs/params.json``, and :func:`save_parameters` to store it;
- :func:`save`, :func:`load`, :func:`versions`, :func:`latest_path`: versioned outputs in
  ``outputs/<layer>/<dataset>/<version>/<file>`` with ``latest/<file>`` beside them;
- every public function, class and variable defined in ``utils/*.py`` and ``utils/*.ipynb``
  (code cells). A utils file that fails is reported (file, cell, line) by a
  :class:`UtilsWarning` and listed in ``UTILS_ERRORS``; the other files still load.

What setup.ipynb calls to deploy the product (see docs/deploy.md): :func:`install_requirements`,
:func:`schedule`, :func:`unschedule`, :func:`dependency`, and the Naas spellings
``scheduler.add(path, cron=...)``, ``scheduler.delete(path)`` and ``dependency.add(path)`` (so
``import naas_data_product as naas`` runs a Naas setup.ipynb unchanged). During a deploy they
declare what the deployment needs; run by hand they check it and say it takes effect at the next
deploy.

API keys and tokens come from :data:`secret` (Naas's ``secret.add(name, secret)``,
``secret.get(name, default_value=None)``, ``secret.delete(name)``, ``secret.list()``), never
from the notebook itself: what the kernel prints shows their values as ``***``.

A notebook sends its own message with :func:`notify` (``notify(subject, body, to=...,
webhook=..., html=..., files=...)``) or Naas's ``notification.send(email_to, subject, html,
files=[], email_from=None)``, through the SMTP server its JupyterLab server exports to it (see
docs/notifications.md).

The pipeline API is imported by name (it is loaded on first use, so this import stays fast)::

    from naas_data_product import Pipeline, NotebookStep, DummyStep, End

Naas's other pipeline names work as well: ``DummyErrorStep``, ``ParallelStep`` and
``pipeline.run(outputs_path=...)`` (see docs/from-naas.md).

The product is the nearest folder with a ``product.json`` above the working directory, or the
folder named by the environment variable ``NAAS_PRODUCT_ROOT``. Outside a product, importing
this module raises :class:`ImportError` saying how to create one. Tools that only need the
machinery (not a product) import :mod:`naas_lab_ext.runtime`, :mod:`naas_lab_ext.outputs` and
:mod:`naas_lab_ext.pipelines.api` instead.

Inside a pipeline run, the engine sets ``NAAS_RUN_ID`` and ``NAAS_RUN_VERSION`` in each step's
kernel; :func:`save` then uses ``NAAS_RUN_VERSION``, so one run's outputs share one version.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Mapping as _Mapping
from pathlib import Path
from typing import Any as _Any

# The calls of setup.ipynb (re-exported: listed in _FRAMEWORK_NAMES below).
from naas_lab_ext.deploy.declarations import dependency as dependency
from naas_lab_ext.deploy.declarations import install_requirements as install_requirements
from naas_lab_ext.deploy.declarations import schedule as schedule
from naas_lab_ext.deploy.declarations import scheduler as scheduler
from naas_lab_ext.deploy.declarations import unschedule as unschedule
from naas_lab_ext.notifications.notebook import notification as notification
from naas_lab_ext.notifications.notebook import notify as notify
from naas_lab_ext.outputs.store import OutputStore as _OutputStore
from naas_lab_ext.outputs.store import Saved
from naas_lab_ext.runtime import params as _params
from naas_lab_ext.runtime import product as _product
from naas_lab_ext.runtime.utils_loader import UtilsFailure, UtilsWarning
from naas_lab_ext.runtime.utils_loader import load_utils as _load_utils
from naas_lab_ext.secrets.notebook import Secret as _Secret

#: The record of a utils file that failed to load (its former name, kept for notebooks).
UtilsError = UtilsFailure

#: Names served lazily from the pipeline API module (see __getattr__).
_PIPELINE_NAMES = (
    "Pipeline",
    "NotebookStep",
    "DummyStep",
    "DummyErrorStep",
    "End",
    "ParallelStep",
)
_PIPELINE_MODULE = "naas_lab_ext.pipelines.api"

ROOT_PATH: Path = _product.locate_product()
_paths = _product.ProductPaths.of(ROOT_PATH)
ASSETS_PATH: Path = _paths.assets
INPUTS_PATH: Path = _paths.inputs
MODELS_PATH: Path = _paths.models
OUTPUTS_PATH: Path = _paths.outputs
TESTS_PATH: Path = _paths.tests
UTILS_PATH: Path = _paths.utils

#: The parameters of ``inputs/params.json``; change them and call :func:`save_parameters`.
PARAMS: dict[str, _Any] = _params.read_params(ROOT_PATH)


def save_parameters(params: _Mapping[str, _Any] | None = None, /, **values: _Any) -> Path:
    """Store parameters in ``inputs/params.json`` (atomically) and return its path.

    - ``save_parameters()`` writes ``PARAMS`` as it is now (after you edited it);
    - ``save_parameters({"days": 7})`` or ``save_parameters(days=7)`` merges these values into
      the file's current content, and into ``PARAMS``.
    """
    if params is None and not values:
        stored = _params.write_params(ROOT_PATH, PARAMS, replace=True)
    else:
        stored = _params.write_params(ROOT_PATH, {**(params or {}), **values})
    PARAMS.clear()
    PARAMS.update(stored)
    return _params.params_path(ROOT_PATH)


_store = _OutputStore(ROOT_PATH, outputs=OUTPUTS_PATH)

#: Naas's ``naas.secret``: ``secret.add(name, secret)``, ``secret.get(name,
#: default_value=None)``, ``secret.delete(name)``, ``secret.list()`` (this product's secrets,
#: with ``product=True``, and yours; see docs/secrets.md).
secret = _Secret(product_root=lambda: ROOT_PATH)


def save(
    obj: _Any,
    name: str,
    *,
    version: str | None = None,
    keep: int | None = None,
    link: bool = False,
    **options: _Any,
) -> Saved:
    """Save ``obj`` as a new version of ``name`` = ``"layer/dataset/file.ext"``.

    Writes ``outputs/<layer>/<dataset>/<version>/<file>`` and makes
    ``outputs/<layer>/<dataset>/latest/<file>`` hold it (a hard link or reflink: no second
    copy). What is saved, by type then by the file's extension:

    - ``bytes`` as is; ``str`` as UTF-8 text;
    - a :class:`pathlib.Path` to a file: copied (``link=True`` hard-links it instead, if the
      file will never change);
    - a pandas DataFrame as ``.csv``, ``.tsv``, ``.parquet`` (needs pyarrow) or ``.xlsx``
      (needs openpyxl); ``options`` go to the pandas writer (e.g. ``sep=";"``);
    - JSON-able data (dict, list, numbers, bool, None) as ``.json``.

    The version is the pipeline run's (``NAAS_RUN_VERSION``) inside a run, else now (UTC,
    e.g. ``2026-11-23T08.00.00.000Z``); ``version=`` pins one. A version is never overwritten
    (:class:`~naas_lab_ext.core.errors.Conflict`). ``keep`` overrides how many versions are
    kept (product.json ``"outputs": {"keep_versions": N}``, else ``NAAS_OUTPUTS_KEEP``, else
    all). Returns a :class:`Saved` (version, paths, size).
    """
    return _store.save(obj, name, version=version, keep=keep, link=link, **options)


def load(name: str, version: str = "latest", *, kind: str = "auto", **options: _Any) -> _Any:
    """Load ``"layer/dataset/file.ext"`` at ``version`` (default: the latest).

    Returns a DataFrame for ``.csv``, ``.tsv``, ``.parquet``, ``.xlsx``; the data of a
    ``.json``; ``str`` for text files (``.txt``, ``.md``, ``.sql``...); else ``bytes``.
    ``kind="bytes" | "text" | "json" | "dataframe"`` forces a reading; ``options`` go to the
    pandas reader (e.g. ``index_col=0``).
    """
    return _store.load(name, version, kind=kind, **options)


def versions(name: str) -> list[str]:
    """Versions of ``"layer/dataset"`` or ``"layer/dataset/file.ext"``, oldest first."""
    return _store.versions(name)


def latest_path(name: str) -> Path:
    """Path of ``outputs/<layer>/<dataset>/latest/<file>`` for ``"layer/dataset/file.ext"``.

    Read it, never write it: it may be the version's own file (a hard link).
    """
    return _store.latest_path(name)


_FRAMEWORK_NAMES = [
    "ROOT_PATH",
    "ASSETS_PATH",
    "INPUTS_PATH",
    "MODELS_PATH",
    "OUTPUTS_PATH",
    "TESTS_PATH",
    "UTILS_PATH",
    "PARAMS",
    "save_parameters",
    "save",
    "load",
    "versions",
    "latest_path",
    "install_requirements",
    "schedule",
    "unschedule",
    "dependency",
    "scheduler",
    "notify",
    "notification",
    "secret",
]


def _load_product_utils() -> tuple[dict[str, _Any], list[UtilsFailure]]:
    loaded = _load_utils(UTILS_PATH, package=f"{__name__}.utils", product_root=ROOT_PATH)
    for note in loaded.notes:
        _warnings.warn(note, UtilsWarning, stacklevel=3)
    for failure in loaded.errors:
        _warnings.warn(f"utils not loaded: {failure}", UtilsWarning, stacklevel=3)
    names: dict[str, _Any] = {}
    for name, value in loaded.names.items():
        if name in _FRAMEWORK_NAMES or name in _PIPELINE_NAMES or name == "UTILS_ERRORS":
            _warnings.warn(
                f"{loaded.origins[name]} defines '{name}', a name of naas_data_product: the "
                "framework's is kept; rename yours.",
                UtilsWarning,
                stacklevel=3,
            )
            continue
        names[name] = value
    return names, loaded.errors


# Utils come last, so a utils file can itself `from naas_data_product import ROOT_PATH`.
_utils_names, _utils_errors = _load_product_utils()
#: The utils files that failed to load (file, cell, line, message, traceback).
UTILS_ERRORS: list[UtilsFailure] = _utils_errors
globals().update(_utils_names)

__all__ = [*_FRAMEWORK_NAMES, *sorted(_utils_names)]


def __getattr__(name: str) -> _Any:
    # PEP 562: the pipeline API is imported on first use, keeping this import fast.
    if name in _PIPELINE_NAMES:
        import importlib

        try:
            module = importlib.import_module(_PIPELINE_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name != _PIPELINE_MODULE:
                raise
            raise ImportError(
                f"{name} is not available: this naas_lab_ext has no pipeline engine "
                f"({_PIPELINE_MODULE}). Upgrade naas_lab_ext.",
                name=__name__,
            ) from None
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PIPELINE_NAMES})
