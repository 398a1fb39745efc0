"""Loading utils/: .py modules and notebooks' code cells, with failures reported, not hidden."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from naas_lab_ext.runtime.utils_loader import load_utils


def notebook(*cells: str | tuple[str, str]) -> str:
    """A notebook JSON; a cell is code text, or (cell_type, text)."""
    made = []
    for number, cell in enumerate(cells):
        kind, text = cell if isinstance(cell, tuple) else ("code", cell)
        entry = {
            "id": f"cell-{number}",
            "cell_type": kind,
            "metadata": {},
            "source": textwrap.dedent(text),
        }
        if kind == "code":
            entry |= {"outputs": [], "execution_count": None}
        made.append(entry)
    return json.dumps({"cells": made, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def utils(tmp_path: Path) -> Path:
    folder = tmp_path / "utils"
    folder.mkdir()
    return folder


@pytest.fixture
def package() -> Iterator[str]:
    name = f"naas_test_utils_{uuid.uuid4().hex[:8]}"
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(textwrap.dedent(text) if name.endswith(".py") else text)


def test_py_and_notebook_utils_give_their_public_names(utils: Path, package: str) -> None:
    write(
        utils,
        "helpers.py",
        """
        import os
        from pathlib import Path

        RATE = 0.2
        _SECRET = 1

        def taxed(x):
            return x * (1 + RATE)

        class Money:
            pass
        """,
    )
    write(
        utils,
        "cleaning.ipynb",
        notebook(
            ("markdown", "# Cleaning helpers\nthis is not code"),
            "def strip_all(values):\n    return [v.strip() for v in values]",
            "",
            "SEPARATOR = ';'",
        ),
    )
    loaded = load_utils(utils, package=package)
    assert loaded.errors == []
    assert sorted(loaded.names) == ["Money", "RATE", "SEPARATOR", "strip_all", "taxed"]
    assert loaded.names["taxed"](10) == pytest.approx(12)
    assert loaded.names["strip_all"]([" a "]) == ["a"]
    assert loaded.origins["strip_all"] == "utils/cleaning.ipynb"
    assert loaded.names["Money"].__module__ == f"{package}.helpers"


def test_a_failing_notebook_is_reported_with_its_cell_and_hides_nothing_else(
    utils: Path, package: str
) -> None:
    # Given a notebook whose third cell raises, between two good files
    write(utils, "a_first.py", "def first():\n    return 1\n")
    write(
        utils,
        "broken.ipynb",
        notebook(
            ("markdown", "intro"),
            "BEFORE = 'defined before the failure'",
            "x = 1\ny = x / 0",
            "AFTER = 'never defined'",
        ),
    )
    write(utils, "z_last.ipynb", notebook("def last():\n    return 2"))
    # When the utils load
    loaded = load_utils(utils, package=package)
    # Then the failure names the notebook, the cell and the line
    assert len(loaded.errors) == 1
    error = loaded.errors[0]
    assert (error.file, error.cell, error.line) == ("utils/broken.ipynb", 3, 2)
    assert error.message == "ZeroDivisionError: division by zero"
    assert str(error) == "utils/broken.ipynb, cell 3, line 2: ZeroDivisionError: division by zero"
    assert "y = x / 0" in error.traceback
    # And the other files still load; the notebook keeps what ran before the failure
    assert loaded.names["first"]() == 1
    assert loaded.names["last"]() == 2
    assert loaded.names["BEFORE"] == "defined before the failure"
    assert "AFTER" not in loaded.names


def test_a_failing_py_module_is_reported_and_gives_nothing(utils: Path, package: str) -> None:
    write(utils, "bad.py", "GOOD = 1\nimport module_that_does_not_exist_anywhere\n")
    write(utils, "syntax.py", "def f(:\n    pass\n")
    write(utils, "ok.py", "OK = True\n")
    loaded = load_utils(utils, package=package)
    assert [(e.file, e.line) for e in loaded.errors] == [
        ("utils/bad.py", 2),
        ("utils/syntax.py", 1),
    ]
    assert "ModuleNotFoundError" in loaded.errors[0].message
    assert "SyntaxError" in loaded.errors[1].message
    assert loaded.names == {"OK": True}
    assert f"{package}.bad" not in sys.modules


def test_a_broken_notebook_file_is_reported(utils: Path, package: str) -> None:
    write(utils, "corrupt.ipynb", '{"cells": [')
    write(utils, "fine.py", "FINE = 1\n")
    loaded = load_utils(utils, package=package)
    assert [e.file for e in loaded.errors] == ["utils/corrupt.ipynb"]
    assert "not a readable notebook" in loaded.errors[0].message
    assert loaded.names == {"FINE": 1}


def test_utils_import_each_other_relatively(utils: Path, package: str) -> None:
    write(utils, "a_user.py", "from .b_base import base\n\ndef double():\n    return 2 * base()\n")
    write(utils, "b_base.py", "def base():\n    return 21\n")
    loaded = load_utils(utils, package=package)
    assert loaded.errors == []
    assert loaded.names["double"]() == 42
    # The imported function is exported once, from the module that defines it
    assert loaded.origins["base"] == "utils/b_base.py"


def test_all_limits_the_exports(utils: Path, package: str) -> None:
    write(utils, "m.py", "__all__ = ['shown']\nshown = 1\nhidden = 2\n")
    assert load_utils(utils, package=package).names == {"shown": 1}


def test_private_and_hidden_files_are_not_loaded(utils: Path, package: str) -> None:
    write(utils, "_private.py", "raise RuntimeError('must not run')\n")
    write(utils, ".hidden.py", "raise RuntimeError('must not run')\n")
    (utils / ".ipynb_checkpoints").mkdir()
    write(utils / ".ipynb_checkpoints", "x-checkpoint.ipynb", notebook("raise RuntimeError()"))
    loaded = load_utils(utils, package=package)
    assert loaded.errors == []
    assert loaded.names == {}


def test_magics_are_skipped_outside_ipython_with_a_note(utils: Path, package: str) -> None:
    assert "IPython" not in sys.modules or sys.modules["IPython"].get_ipython() is None
    write(
        utils,
        "setup.ipynb",
        notebook(
            "%pip install nothing-at-all\nVALUE = 3",
            "%%bash\necho this cell is a shell script",
            "if True:\n    !echo inside a block\nDONE = True",
        ),
    )
    loaded = load_utils(utils, package=package)
    assert loaded.errors == []
    assert loaded.names == {"VALUE": 3, "DONE": True}
    assert loaded.notes and "skipped 3 IPython magic" in loaded.notes[0]


def test_a_name_defined_twice_is_noted(utils: Path, package: str) -> None:
    write(utils, "a.py", "LIMIT = 1\n")
    write(utils, "b.ipynb", notebook("LIMIT = 2"))
    loaded = load_utils(utils, package=package)
    assert loaded.names["LIMIT"] == 2
    assert any("'LIMIT' is defined in utils/a.py and utils/b.ipynb" in n for n in loaded.notes)


def test_a_notebook_with_the_name_of_a_module_is_skipped(utils: Path, package: str) -> None:
    write(utils, "same.py", "FROM_PY = 1\n")
    write(utils, "same.ipynb", notebook("FROM_NOTEBOOK = 1"))
    loaded = load_utils(utils, package=package)
    assert loaded.names == {"FROM_PY": 1}
    assert [e.file for e in loaded.errors] == ["utils/same.ipynb"]


def test_no_utils_folder_is_fine(tmp_path: Path, package: str) -> None:
    loaded = load_utils(tmp_path / "utils", package=package)
    assert (loaded.names, loaded.errors) == ({}, [])


def test_reloading_runs_the_files_again(utils: Path, package: str) -> None:
    write(utils, "v.py", "VERSION = 1\n")
    assert load_utils(utils, package=package).names == {"VERSION": 1}
    # (another size: Python's bytecode cache trusts size + mtime in whole seconds)
    write(utils, "v.py", "VERSION = 22\n")
    assert load_utils(utils, package=package).names == {"VERSION": 22}
