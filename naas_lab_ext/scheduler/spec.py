"""A schedule as a product declares it (``schedule()`` in setup.ipynb), validated.

The deploy collects the declarations of setup.ipynb, then replaces the product's schedules by
the declared set; the scheduler fires them from the active deployment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import InvalidInput
from ..core.notify import validate_notify
from ..core.paths import relative_parts
from .cron import Cron, parse_cron

__all__ = ["CATCH_UP", "OVERLAP", "ScheduleSpec"]

#: What a scheduler does with the due times it missed while it was down: ``skip`` them (run
#: at the next due time), or run the ``latest`` one at once.
CATCH_UP = ("skip", "latest")
#: What happens when a due time comes while the schedule's previous run still goes: ``skip``
#: it, or ``queue`` it (it starts when the previous run ends).
OVERLAP = ("skip", "queue")


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise InvalidInput(
            f"{name} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}.",
            field=name,
        )
    return str(value)


def _json_value(value: Any, what: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{what} must be JSON values (text, numbers, booleans, null, lists, dicts).",
            field="parameters",
        ) from None
    return value


@dataclass(frozen=True)
class ScheduleSpec:
    """One declared schedule of a product's pipeline."""

    pipeline: str
    """The pipeline notebook, relative to the product root, e.g. ``models/__pipeline__.ipynb``."""
    cron: str
    timezone: str = "UTC"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Given to every notebook step of the scheduled runs (over the steps' own)."""
    notify: Mapping[str, Any] | None = None
    """Who is told of the runs: the Notify JSON of :mod:`naas_lab_ext.core.notify` (None: a
    failure mail to the server's default recipients)."""
    catch_up: str = "skip"
    overlap: str = "skip"

    def validated(self) -> ScheduleSpec:
        """The same spec, checked and normalised; :class:`InvalidInput` naming the field."""
        pipeline = self.pipeline if isinstance(self.pipeline, str) else ""
        parts = relative_parts(pipeline, field="pipeline")
        if not parts or not parts[-1].endswith(".ipynb"):
            raise InvalidInput(
                f"Schedule a pipeline notebook of the product, e.g. "
                f"'models/__pipeline__.ipynb', not {self.pipeline!r}.",
                field="pipeline",
            )
        cron = parse_cron(self.cron, self.timezone)
        if not isinstance(self.parameters, Mapping) or not all(
            isinstance(k, str) and k.isidentifier() for k in self.parameters
        ):
            raise InvalidInput(
                "parameters must be a dict of name -> value, each name a Python identifier.",
                field="parameters",
            )
        for value in self.parameters.values():
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidInput("parameters cannot hold NaN or infinity.", field="parameters")
        _json_value(dict(self.parameters), "parameters")
        notify = validate_notify(self.notify)
        return ScheduleSpec(
            pipeline="/".join(parts),
            cron=cron.expression,
            timezone=cron.timezone,
            parameters=dict(self.parameters),
            notify=notify,
            catch_up=_choice(self.catch_up, CATCH_UP, "catch_up"),
            overlap=_choice(self.overlap, OVERLAP, "overlap"),
        )

    @property
    def parsed(self) -> Cron:
        return parse_cron(self.cron, self.timezone)

    def to_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "cron": self.cron,
            "timezone": self.timezone,
            "parameters": dict(self.parameters),
            "notify": dict(self.notify) if self.notify is not None else None,
            "catch_up": self.catch_up,
            "overlap": self.overlap,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScheduleSpec:
        """A spec from its JSON (a declaration file or a deployment record), validated."""
        if not isinstance(data, Mapping):
            raise InvalidInput("A schedule must be a JSON object.", field="schedule")
        known = {"pipeline", "cron", "timezone", "parameters", "notify", "catch_up", "overlap"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(
                f"Unknown schedule field(s): {', '.join(unknown)}.", field=unknown[0]
            )
        return cls(
            pipeline=data.get("pipeline", ""),
            cron=data.get("cron", ""),
            timezone=data.get("timezone", "UTC"),
            parameters=data.get("parameters") or {},
            notify=data.get("notify"),
            catch_up=data.get("catch_up", "skip"),
            overlap=data.get("overlap", "skip"),
        ).validated()
