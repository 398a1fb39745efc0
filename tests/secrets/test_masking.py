"""Masking values: in text, in JSON-like data and notebooks (multi-line values split into
lines by nbformat), and in what plain Python prints once a value was revealed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from naas_lab_ext.secrets.masking import MIN_MASKED, Masker, scrub_notebook
from tests.secrets.conftest import SECRET_VALUE

PEM = "-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEEFFFF\n-----END KEY-----"


def test_text_and_data_are_masked_longest_value_first() -> None:
    masker = Masker([SECRET_VALUE, SECRET_VALUE[:10], "abc"])
    assert masker.count == 2  # "abc" is shorter than MIN_MASKED
    assert masker.text(f"key={SECRET_VALUE}; part={SECRET_VALUE[:10]}") == "key=***; part=***"
    assert masker.text("abc stays") == "abc stays"
    data = {"a": [SECRET_VALUE, 3, {"b": f"x{SECRET_VALUE}y"}], "c": None}
    assert masker.data(data) == {"a": ["***", 3, {"b": "x***y"}], "c": None}
    assert not Masker([]) and Masker([]).text(SECRET_VALUE) == SECRET_VALUE
    assert MIN_MASKED == 4


def test_a_multi_line_value_split_into_lines_is_masked(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(key)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"key:\n{PEM}\nend\n")]
    notebook.cells.append(cell)
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    assert isinstance(json.loads(path.read_text())["cells"][0]["outputs"][0]["text"], list)
    path.chmod(0o640)
    # When it is scrubbed
    assert scrub_notebook(path, Masker([PEM])) is True
    # Then the value is gone, the notebook is still valid, its mode kept
    text = path.read_text()
    assert "AAAABBBBCCCC" not in text
    read = nbformat.read(path, as_version=4)
    nbformat.validate(read)
    assert read.cells[0].outputs[0]["text"] == "key:\n***\nend\n"
    assert path.stat().st_mode & 0o777 == 0o640
    # Nothing to mask: the file is not rewritten
    before = path.stat().st_mtime_ns
    assert scrub_notebook(path, Masker([SECRET_VALUE])) is False
    assert path.stat().st_mtime_ns == before
    assert scrub_notebook(tmp_path / "missing.ipynb", Masker([PEM])) is False


def test_plain_python_prints_and_tracebacks_are_masked(
    secrets_places: dict[str, Path], tmp_path: Path
) -> None:
    # Given a script (no kernel) that sets a secret, gets it, prints it and dies with it
    script = f"""
from naas_lab_ext.secrets.notebook import secret
secret.add("API_KEY", {SECRET_VALUE!r})
value = secret.get("API_KEY")
print("printed", value)
raise ValueError("raised " + value)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    # Then stdout and the traceback on stderr show *** only
    assert "printed ***" in done.stdout
    assert "ValueError: raised ***" in done.stderr
    assert SECRET_VALUE not in done.stdout + done.stderr
