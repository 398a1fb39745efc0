"""What a template needs (UI finding 10): read from its header and its pip install cells."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from naas_lab_ext.templates.requirements import (
    add_requirements,
    missing_requirements,
    template_requirements,
)
from naas_lab_ext.templates.sources import embedded_templates


def notebook(*cells: nbformat.NotebookNode) -> str:
    return str(nbformat.writes(new_notebook(cells=list(cells))))


def test_header_and_pip_cells_are_read_once_each() -> None:
    text = notebook(
        new_markdown_cell("# X - Y\n\n**Requirements:** `pandas>=2.0`, `openpyxl`"),
        new_code_cell("try:\n    import gspread\nexcept ImportError:\n    !pip install gspread"),
        new_code_cell(
            '%pip install -q --upgrade "requests>=2.28" -r extra.txt -i https://x.org/simple '
            "git+https://github.com/a/b.git ./local Pandas  # again"
        ),
        new_code_cell("import os  # pip install nothing-here is no install line"),
    )
    assert template_requirements(text) == ["pandas>=2.0", "openpyxl", "gspread", "requests>=2.28"]


def test_a_template_that_needs_nothing() -> None:
    text = notebook(new_markdown_cell("**Requirements:** Python standard library only"))
    assert template_requirements(text) == []
    assert template_requirements("{not json") == []


def test_bundled_templates_state_theirs() -> None:
    path = embedded_templates() / "Excel" / "Excel_Export_Report.ipynb"
    assert template_requirements(path.read_text(encoding="utf-8")) == [
        "pandas>=2.0",
        "openpyxl>=3.1",
    ]


def test_only_what_is_missing_is_added_keeping_the_file(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_text("# comment\npandas_gbq\nPANDAS[excel]==2.2  # pinned", encoding="utf-8")
    wanted = ["pandas>=2.0", "openpyxl>=3.1", "pandas-gbq"]
    assert missing_requirements(target, wanted) == ["openpyxl>=3.1"]
    assert add_requirements(target, wanted) == ["openpyxl>=3.1"]
    assert target.read_text(encoding="utf-8") == (
        "# comment\npandas_gbq\nPANDAS[excel]==2.2  # pinned\nopenpyxl>=3.1\n"
    )
    assert add_requirements(target, wanted) == []
    created = tmp_path / "new" / "requirements.txt"
    created.parent.mkdir()
    assert add_requirements(created, ["requests"]) == ["requests"]
    assert created.read_text(encoding="utf-8") == "requests\n"
