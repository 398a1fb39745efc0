"""Write small template notebooks for tests (awesome-notebooks style)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def template_notebook(
    *,
    title: str = "Pandas - Read CSV",
    tags: Sequence[str] = ("pandas", "csv"),
    author: str = "[Ada Lovelace](https://example.com/ada)",
    description: str = "Reads a CSV file into a DataFrame.",
    body: Sequence[str] = ("import pandas as pd",),
    parameters: str | None = 'csv_path = "data.csv"',
) -> nbformat.NotebookNode:
    header = (
        f"# {title}\n\n**Tags:** {' '.join('#' + t for t in tags)}\n\n"
        f"**Author:** {author}\n\n**Description:** {description}"
    )
    cells = [new_markdown_cell(header), new_markdown_cell("## Input")]
    if parameters is not None:
        cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [new_code_cell(code) for code in body]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def write_template(path: Path, **kwargs: object) -> Path:
    """Write a template notebook at ``path`` (folders created); return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(template_notebook(**kwargs)), encoding="utf-8")  # type: ignore[arg-type]
    return path
