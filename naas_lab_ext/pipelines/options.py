"""How runs execute: options, run ids, and the parameters a run accepts."""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.clock import to_version
from ..core.errors import InvalidInput
from .graph import RESERVED_PARAMETERS
from .results import RunResult, StepResult
from .retention import RetentionPolicy

__all__ = [
    "MAX_PARAMETERS_BYTES",
    "ProgressCallback",
    "RunOptions",
    "check_parameters",
    "default_max_parallel",
    "new_run_id",
]

ProgressCallback = Callable[[RunResult, "StepResult | None"], None]
#: The most a run's parameters may weigh, as JSON.
MAX_PARAMETERS_BYTES = 64 * 1024


def new_run_id(moment: datetime | None = None) -> str:
    """A run id that sorts by start time: ``2026-11-23T08.00.00.000Z-1a2b3c``."""
    return f"{to_version(moment)}-{secrets.token_hex(3)}"


def default_max_parallel() -> int:
    return max(2, min(8, os.cpu_count() or 2))


@dataclass
class RunOptions:
    """How runs execute (the server sets them from its traits)."""

    max_parallel: int = field(default_factory=default_max_parallel)
    prestart: int = 2
    """Kernels started ahead for upcoming notebook steps (0: start each when its turn comes)."""
    heartbeat_interval: float = 5.0
    start_timeout: float = 60.0
    kill_grace: float = 10.0
    """After a kill, how long to wait for the step to report before giving up on it."""
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)


def _finite(value: Any) -> bool:
    """Whether ``value`` holds no NaN or infinite number, at any depth."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(item) for item in value)
    return True


def check_parameters(parameters: Any) -> dict[str, Any]:
    """``parameters`` as a run takes them: an object of Python identifiers to JSON values,
    at most :data:`MAX_PARAMETERS_BYTES` of JSON (each run's record, and every page of runs
    listing it, carries them), else :class:`InvalidInput` saying what to do."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
        raise InvalidInput("Parameters must be an object of name -> value.", field="parameters")
    for name, value in parameters.items():
        try:
            finite = _finite(value)
        except RecursionError:
            break  # said below: nested too deeply
        if not finite:
            raise InvalidInput(
                f"The parameter '{name}' holds a number that is not finite (NaN or "
                "Infinity), which JSON and the run store do not take: pass a finite number, "
                'null, or a text such as "nan" that the notebook converts.',
                field="parameters",
            )
    try:
        size = len(json.dumps(parameters, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(
            "A parameter holds an invalid character (a lone surrogate): send valid UTF-8 text.",
            field="parameters",
        ) from None
    except (TypeError, ValueError, RecursionError):
        raise InvalidInput(
            "Parameter values must be JSON values (text, numbers, true/false, null, lists and "
            "objects of them), nested at most a few hundred levels.",
            field="parameters",
        ) from None
    if size > MAX_PARAMETERS_BYTES:
        raise InvalidInput(
            f"The parameters take {size} bytes of JSON, more than the "
            f"{MAX_PARAMETERS_BYTES // 1024} KiB a run takes: save large inputs to a file (in "
            "the product's inputs/ folder) and pass its path.",
            field="parameters",
        )
    for name in parameters:
        if not name.isidentifier():
            raise InvalidInput(
                f"'{name}' is not a valid parameter name (use a Python identifier).",
                field="parameters",
            )
    reserved = sorted(RESERVED_PARAMETERS & set(parameters))
    if reserved:
        raise InvalidInput(
            f"'{reserved[0]}' is set by the pipeline itself and cannot be passed.",
            field="parameters",
        )
    return dict(parameters)
