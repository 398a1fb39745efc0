"""How a product's outputs are kept: ``product.json``'s ``"outputs"`` object, then the
environment (``NAAS_OUTPUTS_KEEP``), then keeping everything."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import env as env_names
from ..core.errors import InvalidInput
from ..products.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class OutputSettings:
    """How a product's outputs are kept; from ``product.json`` then the environment."""

    keep_versions: int = 0
    """Versions kept per dataset, the oldest pruned first; 0 keeps them all."""
    fsync: bool = False
    """Flush every version to disk before publishing it (survives power loss; slower)."""


def keep_value(value: Any, where: str) -> int:
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
    raw_env = env.get(env_names.OUTPUTS_KEEP, "").strip()
    if raw_env:
        if not raw_env.isdigit():
            raise InvalidInput(
                f"{env_names.OUTPUTS_KEEP}={raw_env!r} must be a whole number >= 0.", field="keep"
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
        keep = keep_value(section["keep_versions"], f'"outputs.keep_versions" in {MANIFEST_NAME}')
    fsync = section.get("fsync", False)
    if not isinstance(fsync, bool):
        raise InvalidInput(f'"outputs.fsync" in {MANIFEST_NAME} must be true or false.')
    return OutputSettings(keep_versions=keep, fsync=fsync)
