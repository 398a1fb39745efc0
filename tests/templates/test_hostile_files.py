"""Template sources hold anything: file names that are not UTF-8, notebooks whose JSON holds a
lone surrogate ("\\ud800") or is not JSON, names too long to copy. The sync and the index
report such files and keep the rest; the status never says ok when the index could not take
the sync in; a copy of a long-named template gets a shortened name."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import nbformat
import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from naas_lab_ext.templates import metadata
from naas_lab_ext.templates.copies import MAX_NAME_BYTES, add_to_models, open_in_lab
from naas_lab_ext.templates.index import TemplateIndex
from naas_lab_ext.templates.library import TemplateLibrary
from naas_lab_ext.templates.sources import TemplateSource
from tests.template_factory import template_notebook, write_template

#: A file name that is not UTF-8 (Latin-1 "é"), as bytes.
LATIN1_NAME = b"Caf\xe9_Menu.ipynb"
SURROGATE = "team/Bad/Bad_Surrogate.ipynb"
NOT_JSON = "team/Bad/Not_JSON.ipynb"
GOOD = ["team/Gmail/Gmail_Send.ipynb", "team/Pandas/Pandas_Read_CSV.ipynb"]


def notebook_with_lone_surrogate() -> str:
    text = nbformat.writes(template_notebook(title="Bad - Surrogate"))
    # JSON may escape any code point, a lone surrogate too: json.loads gives "\ud800"
    return text.replace("Bad - Surrogate", "Bad \\ud800 Surrogate")


def write_latin1_named(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(template_notebook(title="Cafe - Menu"))
    with open(os.fsencode(folder) + b"/" + LATIN1_NAME, "wb") as handle:
        handle.write(text.encode("utf-8"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / "team"
    write_template(folder / "Pandas/Pandas_Read_CSV.ipynb")
    write_template(folder / "Gmail/Gmail_Send.ipynb", title="Gmail - Send")
    write_latin1_named(folder / "Latin1")
    (folder / "Bad").mkdir()
    (folder / "Bad/Bad_Surrogate.ipynb").write_text(notebook_with_lone_surrogate())
    (folder / "Bad/Not_JSON.ipynb").write_text("{not json", encoding="utf-8")
    return folder


@pytest.fixture
def library(tmp_path: Path, source: Path) -> TemplateLibrary:
    root = tmp_path / "root"
    root.mkdir()
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    lib = TemplateLibrary(
        root,
        index_path=tmp_path / "index" / "templates.sqlite",
        sources=[TemplateSource("team", "folder", str(source))],
        events=EventStore(store.db),
    )
    yield lib  # type: ignore[misc]
    lib.close()
    store.close()


def ids(library: TemplateLibrary) -> list[str]:
    return [item.id for item in library.index.search("").items]


def test_the_sync_reports_hostile_files_and_indexes_the_rest(library: TemplateLibrary) -> None:
    report = library.sync()
    # The good templates are indexed and found
    assert report["ok"] is True and report["templates"] == 2
    assert ids(library) == GOOD
    # The file whose name is not UTF-8 is not copied; the sync says so, readably
    [team] = report["sources"]
    assert team["skipped"] == [
        "Caf\\xe9_Menu.ipynb: the name is not UTF-8 text (rename it in the source)"
    ]
    assert not list(os.listdir(os.fsencode(library.folder_path / "team" / "Latin1")))
    # The notebooks the index cannot read are reported as broken, with why
    broken = {b["id"]: b["error"] for b in library.status().to_json()["broken"]}
    assert set(broken) == {SURROGATE, NOT_JSON}
    assert "lone surrogate" in broken[SURROGATE] and "not a notebook" in broken[NOT_JSON]
    assert {b["id"] for b in report["index"]["broken"]} == {SURROGATE, NOT_JSON}
    # Searches keep working, and a broken template says why when asked for
    assert [i.id for i in library.index.search("gmail").items] == [GOOD[0]]
    with pytest.raises(InvalidInput, match="not a readable notebook"):
        library.get(SURROGATE)
    # The status and the event tell the truth
    status = library.status().to_json()
    assert status["last"]["ok"] is True and status["templates"] == 2
    assert library.events is not None
    [event] = library.events.page(kinds=["templates.synced"]).events
    assert "2 templates" in event.message
    # A second sync changes nothing and reports the same
    again = library.sync()
    assert again["index"]["added"] == again["index"]["updated"] == 0
    assert ids(library) == GOOD
    assert {b.id for b in library.index.broken()} == {SURROGATE, NOT_JSON}


def test_the_index_reports_a_file_whose_name_is_not_utf8(tmp_path: Path) -> None:
    # Given a templates folder that holds such a file (put there by hand, or an older sync)
    folder = tmp_path / "__templates__"
    write_template(folder / "src/Pandas/Pandas_Read_CSV.ipynb")
    write_latin1_named(folder / "src/Latin1")
    index = TemplateIndex(tmp_path / "templates.sqlite")
    report = index.refresh(folder)
    assert report.added == 1
    assert [b.to_json() for b in index.broken()] == [
        {
            "id": "src/Latin1/Caf\\xe9_Menu.ipynb",
            "error": "its file name is not UTF-8 text: rename it in its source",
        }
    ]
    # and the next refresh finds it unchanged (no duplicate, no error)
    again = index.refresh(folder)
    assert (again.added, again.removed, again.broken, again.unchanged) == (0, 0, [], 2)
    assert [i.id for i in index.search("csv").items] == ["src/Pandas/Pandas_Read_CSV.ipynb"]
    index.close()


def test_a_notebook_the_database_refuses_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the text check let through (as an older version did): SQLite itself refuses it
    monkeypatch.setattr(metadata, "is_text", lambda _text: True)
    folder = tmp_path / "__templates__"
    write_template(folder / "src/Pandas/Pandas_Read_CSV.ipynb")
    (folder / "src/Bad_Surrogate.ipynb").write_text(notebook_with_lone_surrogate())
    index = TemplateIndex(tmp_path / "templates.sqlite")
    report = index.refresh(folder)
    # Then that one is broken (the refresh rolled back only its own rows), the other indexed
    assert report.added == 1
    [broken] = index.broken()
    assert broken.id == "src/Bad_Surrogate.ipynb"
    assert broken.error.startswith("cannot be indexed (UnicodeEncodeError")
    assert [i.id for i in index.search("").items] == ["src/Pandas/Pandas_Read_CSV.ipynb"]
    index.close()


def test_when_the_index_cannot_take_the_sync_the_status_says_so(
    library: TemplateLibrary, monkeypatch: pytest.MonkeyPatch, source: Path
) -> None:
    library.sync()
    # When the next sync brings a template but the index cannot be written (a full disk)
    write_template(source / "Pandas/Pandas_Join.ipynb", title="Pandas - Join")

    def full_disk(_folder: Path) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library.index, "refresh", full_disk)
    report = library.sync()
    # Then the report is not ok, says why and what searches show; so do the status and event
    assert report["ok"] is False
    assert report["index"] == {"error": "OperationalError: database or disk is full"}
    assert any("searches show the templates of the previous sync" in w for w in report["warnings"])
    assert report["templates"] == 2  # what the index still holds
    assert library.status().to_json()["last"]["ok"] is False
    assert library.events is not None
    [failed] = library.events.page(kinds=["templates.sync_failed"]).events
    assert "could not be refreshed" in failed.message
    assert failed.details["error"] == "OperationalError: database or disk is full"
    # and the templates already indexed are still found
    assert ids(library) == GOOD


@pytest.mark.parametrize("char", ["a", "é", "語"])
def test_a_template_name_too_long_to_copy_gets_a_shortened_name(tmp_path: Path, char: str) -> None:
    # Given a template whose file name is as long as a file system takes (255 bytes)
    root = tmp_path / "root"
    stem = char * ((MAX_NAME_BYTES - len(".ipynb")) // len(char.encode()))
    template_id = f"src/{stem}.ipynb"
    write_template(root / "__templates__" / template_id)
    templates = root / "__templates__"
    create_product(root, ProductSpec(name="sales"), framework_version="1", git=False)
    # When it is copied again and again, to the root and to a product's models
    copies = [open_in_lab(root, templates, template_id).path for _ in range(3)]
    copies += [add_to_models(root, templates, template_id, "sales").path for _ in range(2)]
    # Then each copy has a name that fits (shortened at a character), all different
    names = [Path(path).name for path in copies]
    assert len(set(copies)) == 5
    for name in names:
        assert len(name.encode()) <= MAX_NAME_BYTES
        assert name.startswith(char) and stem.startswith(name.split("_(")[0].removesuffix(".ipynb"))
    assert names[1].endswith("_(1).ipynb") and names[4].endswith("_(1).ipynb")
    for path in copies:
        assert json.loads((root / path).read_text(encoding="utf-8"))["cells"]
    # and no temporary file is left behind
    assert not [p for p in root.rglob(".naas-tmp*")]
