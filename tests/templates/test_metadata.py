"""Reading a template's metadata (title, tool, tags, author, description, cells)."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from naas_lab_ext.templates.metadata import (
    BrokenTemplate,
    parse_tags,
    parse_template,
    plain,
    split_title,
)
from naas_lab_ext.templates.sources import embedded_templates
from tests.template_factory import template_notebook


def test_awesome_notebooks_header_is_read() -> None:
    text = nbformat.writes(
        template_notebook(
            title="Google Sheets - Get data",
            tags=("gsheet", "Data", "naas_drivers"),
            author="[Ada Lovelace](https://example.com/ada)",
            description="This notebook reads a **sheet** into pandas.",
        )
    )
    meta = parse_template(text, "src/Google Sheets/Google_Sheets_Get_data.ipynb")
    assert meta.title == "Google Sheets - Get data"
    assert (meta.tool, meta.action) == ("Google Sheets", "Get data")
    assert meta.tags == ("gsheet", "data", "naas_drivers")
    assert meta.author == "Ada Lovelace"
    assert meta.description == "This notebook reads a sheet into pandas."
    assert meta.has_parameters
    assert [c.cell_type for c in meta.cells] == ["markdown", "markdown", "code", "code"]
    assert "import pandas as pd" in meta.body


def test_header_with_logo_multiline_description_and_separate_cells() -> None:
    # Given the layout awesome-notebooks used for years: a logo above the title, fields in a
    # second cell, a description wrapped over two lines
    notebook = new_notebook(
        cells=[
            new_markdown_cell('<img width="10%" alt="Naas" src="https://x/logo.png"/>'),
            new_markdown_cell("# Slack - Send message"),
            new_markdown_cell(
                "**Tags:** #slack #message\n**Author:** [A](u), [B](v)\n"
                "**Description:** Sends a message\nto a channel.\n\n**Last update:** 2024"
            ),
            new_code_cell("x = 1"),
        ]
    )
    meta = parse_template(nbformat.writes(notebook), "s/Slack/Slack_Send_message.ipynb")
    assert meta.title == "Slack - Send message"
    assert meta.tool == "Slack"
    assert meta.tags == ("slack", "message")
    assert meta.author == "A, B"
    assert meta.description == "Sends a message to a channel."
    assert not meta.has_parameters


def test_fallbacks_when_the_notebook_has_no_header() -> None:
    notebook = new_notebook(cells=[new_code_cell("print('hello')")])
    meta = parse_template(nbformat.writes(notebook), "src/Tools/My_Nice_Notebook.ipynb")
    assert meta.title == "My Nice Notebook"
    assert meta.tool == "Tools"  # the folder names the tool
    assert meta.tags == ()
    assert meta.author == meta.description == ""


def test_old_notebook_format_is_upgraded() -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "source": "Pandas - Old one"},
                    {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []},
                ]
            }
        ],
    }
    meta = parse_template(json.dumps(v3), "src/old.ipynb")
    assert meta.title == "Pandas - Old one"
    assert meta.tool == "Pandas"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not a notebook"),
        ("[]", "not a notebook"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "no list of cells"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{}]}', "cell 0"),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
            '"cells": [{"cell_type": "code", "source": 3}]}',
            "source",
        ),
    ],
)
def test_broken_notebooks_raise_broken_template(text: str, reason: str) -> None:
    with pytest.raises(BrokenTemplate, match=reason):
        parse_template(text, "x.ipynb")


def test_helpers() -> None:
    assert parse_tags("#Pandas #csv, #pandas") == ("pandas", "csv")
    assert parse_tags("pandas, csv; read") == ("pandas", "csv", "read")
    assert split_title("Pandas \u2013 Read CSV") == ("Pandas", "Read CSV")
    assert split_title("No tool here") == ("", "No tool here")
    assert (
        plain("![logo](x.png) See [the docs](u) and `code` **now**") == "See the docs and code now"
    )


@pytest.mark.parametrize(
    ("template", "placeholder"),
    [
        ("Python/Python_Save_Versioned_Output.ipynb", "outputs/<layer>/<dataset>/<version>/<file>"),
        ("Python/Python_Read_Latest_Output.ipynb", "outputs/<layer>/<dataset>/<version>/"),
    ],
)
def test_placeholders_in_angle_brackets_stay_in_descriptions(
    template: str, placeholder: str
) -> None:
    """UI finding 1: `<layer>/<dataset>` is text, not an HTML tag to strip."""
    path = embedded_templates() / template
    meta = parse_template(path.read_text(encoding="utf-8"), template)
    assert placeholder in meta.description


def test_html_tags_are_dropped_but_placeholders_are_not() -> None:
    assert (
        plain('<img src="logo.png" width="10%"/> Save to <a href="u">the</a><br> `<layer>/<x>`')
        == "Save to the <layer>/<x>"
    )
    assert plain("<!-- note\nhidden --> <B>bold</B> <name>") == "bold <name>"
