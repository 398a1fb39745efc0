"""The Python packages a template needs, and adding them to a product's requirements.txt.

A template says what it needs in its header (``**Requirements:** `pandas>=2.0`, `openpyxl```,
as the bundled templates do) or installs it in a code cell (``!pip install requests`` or
``%pip install -q "gspread>=5"``, as awesome-notebooks do). Add to models offers to add the
ones the product's ``requirements.txt`` does not list yet.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

REQUIREMENTS_FILE = "requirements.txt"
HEADER_LINE = re.compile(r"\*\*\s*Requirements\s*:?\s*\*\*\s*:?(?P<value>.*)", re.IGNORECASE)
PIP_LINE = re.compile(r"^\s*[!%]\s*pip3?\s+install\s+(?P<args>.+)$", re.MULTILINE)
#: pip options followed by a value (the value is no requirement).
PIP_VALUE_OPTIONS = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
}


def _requirement(text: str) -> str | None:
    """``text`` as a normalised requirement line, or None if it is none (a URL, a path)."""
    text = text.strip().strip("'\"").strip()
    if not text or "/" in text or text.startswith((".", "-", "$", "{")):
        return None
    try:
        return str(Requirement(text))
    except InvalidRequirement:
        return None


def _cells(notebook_text: str) -> list[dict[str, Any]]:
    try:
        cells = json.loads(notebook_text).get("cells", [])
    except (ValueError, AttributeError):
        return []
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def template_requirements(notebook_text: str) -> list[str]:
    """The requirements a template states (header) or installs (pip cells), in order."""
    found: list[str] = []
    for cell in _cells(notebook_text):
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            for match in HEADER_LINE.finditer(source):
                # only the `quoted` names: "Python standard library only" names none
                found += re.findall(r"`([^`]+)`", match.group("value"))
        elif cell.get("cell_type") == "code":
            for match in PIP_LINE.finditer(source):
                try:
                    words = shlex.split(match.group("args").split("#")[0])
                except ValueError:
                    continue
                skip = False
                for word in words:
                    if skip:
                        skip = False
                    elif word in PIP_VALUE_OPTIONS:
                        skip = True
                    elif not word.startswith("-"):
                        found.append(word)
    result: list[str] = []
    names: set[str] = set()
    for text in found:
        requirement = _requirement(text)
        if requirement is None:
            continue
        name = canonicalize_name(Requirement(requirement).name)
        if name not in names:
            names.add(name)
            result.append(requirement)
    return result


def listed_names(requirements_txt: Path) -> set[str]:
    """Canonical names of the packages a requirements file lists (none if it is missing)."""
    try:
        text = requirements_txt.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return set()
    names: set[str] = set()
    for line in text.splitlines():
        requirement = _requirement(line.split("#")[0])
        if requirement is not None:
            names.add(canonicalize_name(Requirement(requirement).name))
    return names


def missing_requirements(requirements_txt: Path, requirements: list[str]) -> list[str]:
    """The ``requirements`` whose package the file does not list yet."""
    listed = listed_names(requirements_txt)
    return [r for r in requirements if canonicalize_name(Requirement(r).name) not in listed]


def add_requirements(requirements_txt: Path, requirements: list[str]) -> list[str]:
    """Append the missing ``requirements`` to the file (created if needed), keeping what it
    holds; return the lines added."""
    missing = missing_requirements(requirements_txt, requirements)
    if not missing:
        return []
    text = requirements_txt.read_text(encoding="utf-8") if requirements_txt.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    requirements_txt.write_text(text + "".join(f"{r}\n" for r in missing), encoding="utf-8")
    return missing
