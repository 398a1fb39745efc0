"""The run form of a pipeline: every parameter its notebooks declare (papermill's
``parameters`` cell), with the value a run gets when the form leaves it."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .plan import Plan

__all__ = ["Parameter", "parameters_form"]


@dataclass
class Parameter:
    """One field of the run form: a parameter some step's notebook declares."""

    name: str
    type: str | None
    default: str | None
    """As written in the notebook's parameters cell (Python source)."""
    value: Any = None
    """The value a run gets if the form leaves it: the step's own, else the notebook default
    when it is a plain literal (None otherwise)."""
    help: str = ""
    steps: list[str] = field(default_factory=list)
    """Steps whose notebook declares it (empty: the pipeline notebook itself)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "value": self.value,
            "help": self.help,
            "steps": self.steps,
        }


def _literal(source: str | None) -> Any:
    if source is None:
        return None
    try:
        value = ast.literal_eval(source)
        json.dumps(value, allow_nan=False)
        return value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _type(item: dict[str, Any], value: Any) -> str | None:
    """papermill's type (from an annotation), else the type of a literal default."""
    declared = item.get("inferred_type_name")
    if declared and declared != "None":
        return str(declared)
    if value is None:
        return None
    return type(value).__name__


def _inspect(path: Path) -> list[dict[str, Any]]:
    import papermill

    try:
        found = papermill.inspect_notebook(str(path))
    except Exception:
        return []
    return [dict(value) for value in found.values()]


def parameters_form(plan: Plan, definition: Path | None = None) -> list[Parameter]:
    """The run form: every parameter declared by the pipeline notebook and its steps."""
    form: dict[str, Parameter] = {}
    if definition is not None:
        for item in _inspect(definition):
            value = _literal(item.get("default"))
            form[item["name"]] = Parameter(
                name=item["name"],
                type=_type(item, value),
                default=item.get("default"),
                value=value,
                help=item.get("help") or "",
            )
    for planned in plan.steps.values():
        if planned.notebook is None:
            continue
        own = getattr(planned.step, "parameters", {})
        for item in _inspect(planned.notebook):
            name = item["name"]
            entry = form.get(name)
            if entry is None:
                value = own[name] if name in own else _literal(item.get("default"))
                entry = form[name] = Parameter(
                    name=name,
                    type=_type(item, _literal(item.get("default"))),
                    default=item.get("default"),
                    value=value,
                    help=item.get("help") or "",
                )
            entry.steps.append(planned.name)
    return list(form.values())
