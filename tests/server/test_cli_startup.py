"""``naas-lab`` starts fast because it imports what a command needs, when it runs: checked by
the modules a fresh interpreter holds after a command (deterministic, no timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from naas_lab_ext.cli import build_parser
from naas_lab_ext.core.version import __version__

#: Slow to import (each 0.2-1 s), and needed by no command below.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "papermill",
    "nbformat",
    "jsonschema",
    "tornado",
    "jupyter_server",
)

PROBE = """
import contextlib, io, json, sys
from naas_lab_ext.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print(json.dumps({"code": code, "out": out.getvalue(), "heavy": heavy}))
"""


def _probe(*argv: str, cwd: Path) -> dict[str, object]:
    script = PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    env = {**os.environ, "JUPYTER_DATA_DIR": str(cwd / "data")}  # nothing written elsewhere
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_version_imports_no_heavy_module(tmp_path: Path) -> None:
    answer = _probe("--version", cwd=tmp_path)
    assert answer["code"] == 0
    assert answer["out"] == f"naas-lab {__version__}\n"
    assert answer["heavy"] == []


def test_the_fast_version_says_what_the_parser_says(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert capsys.readouterr().out == f"naas-lab {__version__}\n"


def test_help_imports_no_heavy_module(tmp_path: Path) -> None:
    answer = _probe("--help", cwd=tmp_path)
    assert answer["code"] == 0
    assert "templates" in str(answer["out"]) and "run" in str(answer["out"])
    assert answer["heavy"] == []


def test_a_template_search_imports_neither_the_store_nor_nbformat(tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    answer = _probe(
        "--root", str(tmp_path), "templates", "search", "csv", "--index-dir", index, cwd=tmp_path
    )
    assert answer["code"] == 0
    assert answer["heavy"] == []
