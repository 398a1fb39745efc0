"""Templates shaped like awesome-notebooks (one header field a cell) and what people type.

The notebooks here are written for the tests, in the shape of Naas's public library: a logo
cell, the title, then Tags, Author, Last update and Description each in a markdown cell of
its own (the description is the 6th markdown cell), then the code.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from naas_lab_ext.core.clock import to_version
from naas_lab_ext.templates.index import RefreshReport, TemplateIndex
from naas_lab_ext.templates.library import open_library
from naas_lab_ext.templates.metadata import parse_template

LOGO = '<img width="10%" alt="Naas" src="https://example.com/logo.png?w=160"/>'


def awesome_notebook(
    title: str,
    *,
    tags: Sequence[str] = ("python",),
    description: str = "A notebook.",
    code: Sequence[str] = ("import os",),
    text: Sequence[str] = (),
) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(LOGO),
        new_markdown_cell(f"# {title}\n<a href='https://example.com'>Open in Naas</a>"),
        new_markdown_cell(f"**Tags:** {' '.join('#' + t for t in tags)}"),
        new_markdown_cell("**Author:** [Ada Lovelace](https://example.com/ada)"),
        new_markdown_cell("**Last update:** 2023-05-12 (Created: 2023-05-12)"),
        new_markdown_cell(f"**Description:** {description}"),
        new_markdown_cell("**References:**\n- [Docs](https://example.com/docs)"),
        new_markdown_cell("## Input"),
        *(new_markdown_cell(t) for t in text),
        *(new_code_cell(c) for c in code),
    ]
    notebook: nbformat.NotebookNode = new_notebook(cells=cells)
    return notebook


def write(folder: Path, name: str, title: str, **kwargs: object) -> None:
    path = folder / "awesome" / title.split(" - ")[0] / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(awesome_notebook(title, **kwargs)), encoding="utf-8")  # type: ignore[arg-type]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "__templates__"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[TemplateIndex]:
    idx = TemplateIndex(tmp_path / "index" / "templates.sqlite")
    yield idx
    idx.close()


def titles(index: TemplateIndex, query: str) -> list[str]:
    return [item.title for item in index.search(query).items]


def test_every_header_field_is_read_from_its_own_leading_cell() -> None:
    # Given a notebook whose description is its 6th markdown cell
    notebook = awesome_notebook(
        "Gmail - Send email",
        tags=("gmail", "email"),
        description="Send an email from a Gmail account.",
    )
    # When it is parsed
    meta = parse_template(nbformat.writes(notebook), "awesome/Gmail/Gmail_Send_email.ipynb")
    # Then every field is read
    assert (meta.title, meta.tool, meta.action) == ("Gmail - Send email", "Gmail", "Send email")
    assert meta.tags == ("gmail", "email")
    assert meta.author == "Ada Lovelace"
    assert meta.description == "Send an email from a Gmail account."


def test_fields_after_the_first_code_cell_are_not_header_fields() -> None:
    # Given a notebook whose code starts after 4 markdown cells, with a field-like line later
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Tool - Action"),
            new_markdown_cell("text"),
            new_markdown_cell("text"),
            new_markdown_cell("text"),
            new_code_cell("x = 1"),
            new_markdown_cell("**Description:** not the header"),
        ]
    )
    # Then it is not read as the description
    assert parse_template(nbformat.writes(notebook), "s/T/a.ipynb").description == ""


def test_an_index_of_an_older_schema_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    # Given an index built by a version that read no description from such notebooks
    write(folder, "Gmail_Send_email", "Gmail - Send email", description="Send an email.")
    db = tmp_path / "index" / "templates.sqlite"
    index = TemplateIndex(db)
    index.refresh(folder)
    index.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE templates SET description = ''")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    # When this version opens it
    index = TemplateIndex(db)
    index.refresh(folder)
    # Then the notebooks are read again
    assert [i.description for i in index.search().items] == ["Send an email."]
    index.close()


def test_a_search_finds_other_forms_of_the_words(folder: Path, index: TemplateIndex) -> None:
    # Given a notebook saying "scraping" and "websites" only in its text
    write(
        folder,
        "BeautifulSoup_Get_links",
        "BeautifulSoup - Get links",
        text=("Scraping websites for their links",),
    )
    write(folder, "Pandas_Read_CSV", "Pandas - Read CSV")
    index.refresh(folder)
    # Then what people type finds it, and type-ahead still follows typing
    for typed in ("scrape website", "scraped", "scrape", "scrapi", "website", "websit", "links"):
        assert titles(index, typed) == ["BeautifulSoup - Get links"], typed
    assert titles(index, "scrape csv") == []


def test_send_email_ranks_the_notebook_that_sends_email_first(
    folder: Path, index: TemplateIndex
) -> None:
    # Given the SMTP notebook among others whose titles start words with "send" and "email"
    write(
        folder,
        "SMTP_Send_Email_Notification",
        "SMTP - Send Email Notification",
        tags=("smtp", "email", "notification"),
        description="Send an email notification with SMTP.",
    )
    for what in ("no of emails opened", "no of emails sent", "no of undelivered emails"):
        write(
            folder,
            f"Sendinblue_Get_{what.replace(' ', '_')}",
            f"Sendinblue - Get {what}",
            tags=("sendinblue", "email"),
            description=f"Get the {what} of a campaign sent by email.",
        )
    write(
        folder,
        "SendGrid_Get_email_stats",
        "SendGrid - Get email stats",
        description="Statistics of the emails you send.",
    )
    write(
        folder,
        "LinkedIn_Send_followers_by_email",
        "LinkedIn - Send profile followers by email",
        tags=("linkedin", "email"),
    )
    index.refresh(folder)
    # When a user types "send email"
    found = titles(index, "send email")
    # Then the notebooks that send email come first, the closest title first
    assert found[:2] == [
        "SMTP - Send Email Notification",
        "LinkedIn - Send profile followers by email",
    ]
    assert len(found) == 6


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pd.read_csv", ["Pandas - Read file"]),
        ("read_csv", ["Pandas - Read file"]),
        ("gpt-4", ["OpenAI - Chat"]),
        ("GPT-4", ["OpenAI - Chat"]),
        ("gpt", ["OpenAI - Chat"]),
        ("df.merge", ["Pandas - Join"]),
        ("merge", ["Pandas - Join"]),
        ("df.merge pandas", ["Pandas - Join"]),
    ],
)
def test_code_tokens_are_found_whole_and_by_their_parts(
    folder: Path, index: TemplateIndex, typed: str, expected: list[str]
) -> None:
    # Given notebooks naming code tokens in their code only
    write(folder, "Pandas_Read_file", "Pandas - Read file", code=("df = pd.read_csv(path)",))
    write(folder, "OpenAI_Chat", "OpenAI - Chat", code=('model = "gpt-4"',))
    write(folder, "Pandas_Join", "Pandas - Join", code=("out = df.merge(other, on='id')",))
    write(folder, "Pandas_Other", "Pandas - Other", code=("pd.read_excel(df)",))
    index.refresh(folder)
    # Then the token finds them, whole or by its parts
    assert titles(index, typed) == expected


def test_exact_title_and_tool_matches_come_first(folder: Path, index: TemplateIndex) -> None:
    # Given a tool named "Gmail", and other notebooks naming gmail in their title or text
    write(folder, "Gmail_Clean_mailbox", "Gmail - Clean mailbox")
    write(folder, "Gmail_Send_email", "Gmail - Send email")
    write(folder, "Zapier_Gmail", "Zapier - Gmail")
    write(folder, "Google_Gmail_trigger", "Google Gmailer - Trigger")
    write(folder, "HubSpot_Send", "HubSpot - Send mail", text=("Gmail gmail gmail",))
    index.refresh(folder)
    # Then the tool's notebooks come first, then the title naming it whole
    assert titles(index, "gmail") == [
        "Gmail - Clean mailbox",
        "Gmail - Send email",
        "Zapier - Gmail",
        "Google Gmailer - Trigger",
        "HubSpot - Send mail",
    ]
    # And a query that is a whole title puts that notebook first
    assert titles(index, "gmail send email")[0] == "Gmail - Send email"


def test_a_syncs_finished_at_is_stamped_after_the_indexing(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a folder source, and an index that takes a moment to take the templates in
    source = tmp_path / "source"
    write(source, "Gmail_Send_email", "Gmail - Send email")
    root = tmp_path / "root"
    root.mkdir()
    library = open_library(
        root,
        sources=[str(source)],
        include_default=False,
        index_dir=str(tmp_path / "index"),
    )
    refresh = library.index.refresh
    indexed: list[str] = []

    def slow_refresh(path: Path) -> RefreshReport:
        report = refresh(path)
        time.sleep(0.05)
        indexed.append(to_version())
        return report

    monkeypatch.setattr(library.index, "refresh", slow_refresh)
    # When it syncs
    report = library.sync()
    library.close()
    # Then the sync finished once the indexing had ended
    assert report["finished_at"] >= indexed[0] > report["started_at"]
    assert report["templates"] == 1
