"""The embedded default set: every template follows the conventions and runs offline."""

from __future__ import annotations

import re
from importlib.metadata import requires
from pathlib import Path

import nbformat
import papermill
import pytest
from packaging.requirements import Requirement

from naas_lab_ext.templates.metadata import parse_template
from naas_lab_ext.templates.sources import embedded_templates

TEMPLATES = sorted(embedded_templates().rglob("*.ipynb"))
IDS = [p.stem for p in TEMPLATES]
#: Environment variables that would make a template reach the network.
SECRETS = ("API_TOKEN", "WEBHOOK_URL", "SMTP_PASSWORD")


def templates_extra() -> set[str]:
    """Package names of the ``templates`` extra of naas_lab_ext."""
    names = set()
    for line in requires("naas_lab_ext") or []:
        requirement = Requirement(line)
        if requirement.marker and requirement.marker.evaluate({"extra": "templates"}):
            names.add(requirement.name.lower())
    return names


def test_there_are_at_least_15_templates_with_distinct_titles() -> None:
    assert len(TEMPLATES) >= 15
    titles = [parse_template(p.read_text(encoding="utf-8"), p.name).title for p in TEMPLATES]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_template_follows_the_conventions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    nbformat.validate(nbformat.reads(text, as_version=4))
    meta = parse_template(text, f"default/{path.parent.name}/{path.name}")
    assert re.fullmatch(r"[A-Za-z0-9 ]+ - [A-Za-z0-9 ]+", meta.title), meta.title
    assert meta.tool == path.parent.name
    assert path.stem == meta.title.replace(" - ", "_").replace(" ", "_")
    assert len(meta.tags) >= 3
    assert meta.author and len(meta.description) > 60
    assert meta.has_parameters
    headings = [
        line for c in meta.cells if c.cell_type == "markdown" for line in c.source.splitlines()
    ]
    for section in ("## Input", "## Model", "## Output"):
        assert section in headings, f"{path.name} has no '{section}' section"
    # Every package the template says it needs is in the `templates` extra
    header = meta.cells[0].source
    match = re.search(r"\*\*Requirements:\*\* (.+)", header)
    assert match, f"{path.name} does not state its requirements"
    needed = {Requirement(r).name.lower() for r in re.findall(r"`([^`]+)`", match.group(1))}
    assert needed <= templates_extra(), needed - templates_extra()


@pytest.mark.kernel
@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_template_runs_with_papermill_offline(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no secret in the environment (so no template reaches the network)
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / f"out-{path.name}"
    # When the template runs as a pipeline step would (a real kernel, its own folder)
    papermill.execute_notebook(
        str(path),
        str(output),
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
        execution_timeout=120,
    )
    # Then every code cell ran, without error
    executed = nbformat.read(output, as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
