"""What a notebook sees of its data product: where it is, its folders, parameters and settings.

The product of a notebook is the nearest folder holding a ``product.json``, from the working
directory upwards (a kernel started by JupyterLab runs in the notebook's folder), unless the
environment variable ``NAAS_PRODUCT_ROOT`` names it explicitly.

Environment variables (the contract with the pipeline engine and the server):

``NAAS_PRODUCT_ROOT``
    The product folder, for code that runs outside it (tests, docs, scripts elsewhere).
``NAAS_RUN_ID``
    Set by the pipeline engine in every step's kernel: the id of the run.
``NAAS_RUN_VERSION``
    Set by the pipeline engine in every step's kernel: the run's version string
    (:func:`naas_lab_ext.product.clock.to_version` at run start). Every output saved during the
    run uses it, so one run's outputs share one version.
``NAAS_OUTPUTS_KEEP``
    How many versions per dataset to keep when the product does not say (0 or unset: all).
    The server exports ``NaasLabExtApp.outputs_keep_versions`` through it to its kernels.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files
from .clock import parse_version
from .errors import InvalidInput, NotFound
from .manifest import MANIFEST_NAME

PRODUCT_ROOT_ENV = "NAAS_PRODUCT_ROOT"
RUN_ID_ENV = "NAAS_RUN_ID"
RUN_VERSION_ENV = "NAAS_RUN_VERSION"
KEEP_VERSIONS_ENV = "NAAS_OUTPUTS_KEEP"
PARAMS_FILE = ("inputs", "params.json")
HOW_TO_CREATE = (
    'Create one with `naas-lab new <name>` in a terminal or the "New data product" command '
    "in JupyterLab, and open your notebook inside it; or set NAAS_PRODUCT_ROOT to the folder "
    "of an existing product."
)


class NotInProduct(NotFound, ImportError):
    """No data product encloses the working directory (an ImportError for the facade)."""

    def __init__(self, message: str) -> None:
        NotFound.__init__(self, message)
        ImportError.__init__(self, message, name="naas_data_product")


def find_product_root(
    start: Path | str | None = None, *, environ: Mapping[str, str] | None = None
) -> Path:
    """The product folder: ``NAAS_PRODUCT_ROOT`` if set, else the nearest ``product.json``
    from ``start`` (default: the working directory) upwards.

    Raises :class:`NotInProduct` saying how to create a product.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(PRODUCT_ROOT_ENV, "").strip()
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not (root / MANIFEST_NAME).is_file():
            raise NotInProduct(
                f"{PRODUCT_ROOT_ENV}={explicit} is not a data product (it has no "
                f"{MANIFEST_NAME}). Point it at a product folder, or unset it. {HOW_TO_CREATE}"
            )
        return root
    begin = Path(start if start is not None else Path.cwd()).expanduser().resolve()
    if begin.is_file():
        begin = begin.parent
    for folder in (begin, *begin.parents):
        if (folder / MANIFEST_NAME).is_file():
            return folder
    raise NotInProduct(
        f"'{begin}' is not inside a data product: neither it nor any folder above it has a "
        f"{MANIFEST_NAME}. {HOW_TO_CREATE}"
    )


@dataclass(frozen=True)
class ProductPaths:
    """The absolute folders of a product, as notebooks know them (``ROOT_PATH``...)."""

    root: Path
    assets: Path
    inputs: Path
    models: Path
    outputs: Path
    tests: Path
    utils: Path

    @classmethod
    def of(cls, root: Path) -> ProductPaths:
        return cls(
            root=root,
            assets=root / "assets",
            inputs=root / "inputs",
            models=root / "models",
            outputs=root / "outputs",
            tests=root / "tests",
            utils=root / "utils",
        )

    def constants(self) -> dict[str, Path]:
        """``{"ROOT_PATH": ..., "INPUTS_PATH": ...}``: the names notebooks import."""
        return {
            "ROOT_PATH": self.root,
            "ASSETS_PATH": self.assets,
            "INPUTS_PATH": self.inputs,
            "MODELS_PATH": self.models,
            "OUTPUTS_PATH": self.outputs,
            "TESTS_PATH": self.tests,
            "UTILS_PATH": self.utils,
        }


def params_path(root: Path) -> Path:
    return root.joinpath(*PARAMS_FILE)


def read_params(root: Path) -> dict[str, Any]:
    """``inputs/params.json`` as a dict (``{}`` if the file does not exist).

    Raises :class:`InvalidInput` if the file is not a JSON object, so a typo is not silently
    replaced by defaults (and never overwritten by :func:`write_params`).
    """
    path = params_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"inputs/params.json in '{root}' is not valid JSON ({exc}): fix the file.",
            field="params",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            f"inputs/params.json in '{root}' must hold a JSON object ({{...}}), not a "
            f"{type(data).__name__}: fix the file.",
            field="params",
        )
    return data


def write_params(
    root: Path, updates: Mapping[str, Any], *, replace: bool = False
) -> dict[str, Any]:
    """Merge ``updates`` into ``inputs/params.json`` (or ``replace`` its content), atomically.

    Returns the parameters now stored. Keys must be text and values JSON-able.
    """
    if not isinstance(updates, Mapping) or not all(isinstance(k, str) for k in updates):
        raise InvalidInput("Parameters must be a mapping with text keys.", field="params")
    current = {} if replace else read_params(root)
    current.update(updates)
    try:
        text = json.dumps(current, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"Parameters must be JSON-able (text, numbers, bool, None, lists, dicts): {exc}.",
            field="params",
        ) from None
    path = params_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = files.temp_path(path.parent, path.name)
    try:
        with temp.open("x", encoding="utf-8") as out:
            out.write(text)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return current


@dataclass(frozen=True)
class OutputSettings:
    """How a product's outputs are kept; from ``product.json`` then the environment."""

    keep_versions: int = 0
    """Versions kept per dataset, the oldest pruned first; 0 keeps them all."""
    fsync: bool = False
    """Flush every version to disk before publishing it (survives power loss; slower)."""


def _keep_value(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            f"{where} must be a whole number >= 0 (0 keeps every version), not {value!r}.",
            field="keep",
        )
    return value


def output_settings(root: Path, *, environ: Mapping[str, str] | None = None) -> OutputSettings:
    """The product's output settings: ``product.json``'s ``"outputs"`` object, e.g.
    ``{"outputs": {"keep_versions": 10, "fsync": false}}``; unset keys fall back to the
    ``NAAS_OUTPUTS_KEEP`` environment variable, then to keeping everything.
    """
    env = os.environ if environ is None else environ
    keep = 0
    raw_env = env.get(KEEP_VERSIONS_ENV, "").strip()
    if raw_env:
        if not raw_env.isdigit():
            raise InvalidInput(
                f"{KEEP_VERSIONS_ENV}={raw_env!r} must be a whole number >= 0.", field="keep"
            )
        keep = int(raw_env)
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        manifest = {}
    section = manifest.get("outputs") if isinstance(manifest, dict) else None
    if section is None:
        return OutputSettings(keep_versions=keep)
    if not isinstance(section, dict):
        raise InvalidInput(f'"outputs" in {MANIFEST_NAME} must be an object.', field="outputs")
    if "keep_versions" in section:
        keep = _keep_value(section["keep_versions"], f'"outputs.keep_versions" in {MANIFEST_NAME}')
    fsync = section.get("fsync", False)
    if not isinstance(fsync, bool):
        raise InvalidInput(f'"outputs.fsync" in {MANIFEST_NAME} must be true or false.')
    return OutputSettings(keep_versions=keep, fsync=fsync)


def run_id(*, environ: Mapping[str, str] | None = None) -> str | None:
    """The pipeline run this code runs in (``NAAS_RUN_ID``), or None outside a run."""
    env = os.environ if environ is None else environ
    return env.get(RUN_ID_ENV) or None


def run_version(*, environ: Mapping[str, str] | None = None) -> str | None:
    """The version every output of the current pipeline run uses (``NAAS_RUN_VERSION``)."""
    env = os.environ if environ is None else environ
    version = env.get(RUN_VERSION_ENV, "").strip()
    if not version:
        return None
    try:
        parse_version(version)
    except InvalidInput:
        raise InvalidInput(
            f"{RUN_VERSION_ENV}={version!r} is not a version (expected UTC time like "
            "2026-11-23T08.00.00.000Z); the pipeline engine sets it, unset it outside a run.",
            field="version",
        ) from None
    return version
