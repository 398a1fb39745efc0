"""`naas-lab templates sync|search|show|open|add|status` over the same domain code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from naas_lab_ext.cli import main
from tests.template_factory import write_template

CSV = "default/Pandas/Pandas_Read_CSV.ipynb"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


def cli(root: Path, tmp_path: Path, *args: str) -> list[str]:
    return ["--root", str(root), "templates", *args, "--index-dir", str(tmp_path / "index")]


def test_sync_search_show_open_add_status(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(cli(root, tmp_path, "sync")) == 0
    out = capsys.readouterr().out
    assert "default" in out and "templates in __templates__/" in out

    assert main(cli(root, tmp_path, "search", "read csv", "--json")) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["items"][0]["id"] == CSV

    assert main(cli(root, tmp_path, "search", "--tool", "matplotlib")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["Matplotlib - Plot Chart"]

    assert main(cli(root, tmp_path, "show", CSV)) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("Pandas - Read CSV") and "parameter:   csv_path" in shown

    assert main(cli(root, tmp_path, "open", CSV)) == 0
    assert capsys.readouterr().out.strip() == "Pandas_Read_CSV.ipynb"
    assert (root / "Pandas_Read_CSV.ipynb").is_file()

    assert main(["--root", str(root), "new", "sales", "--no-git"]) == 0
    capsys.readouterr()
    assert main(cli(root, tmp_path, "add", CSV, "sales", "--json")) == 0
    assert json.loads(capsys.readouterr().out)["path"] == "sales/models/Pandas_Read_CSV.ipynb"

    assert main(cli(root, tmp_path, "status")) == 0
    assert "templates, 0 broken" in capsys.readouterr().out


def test_a_failing_source_exits_6_and_keeps_the_rest(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "team"
    write_template(team / "Mine.ipynb", title="Team - Mine")
    args = ["--no-default", "--source", str(team), "--source", str(tmp_path / "missing")]
    assert main(cli(root, tmp_path, "sync", *args)) == 6
    out = capsys.readouterr().out
    assert "FAILED" in out and "does not exist" in out
    assert (root / "__templates__/team/Mine.ipynb").is_file()


def test_search_before_any_sync_says_what_to_do(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(cli(root, tmp_path, "search", "csv")) == 0
    assert "naas-lab templates sync" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("open", "../../etc/passwd"), 2, "goes up"),
        (("open", "default/Nope.ipynb"), 3, "no template"),
        (("add", CSV, "not-a-product"), 3, "Nothing exists"),
        (("search", "--limit", "0"), 2, "limit"),
    ],
)
def test_errors_give_a_message_and_an_exit_code(
    root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    main(cli(root, tmp_path, "sync"))
    capsys.readouterr()
    assert main(cli(root, tmp_path, *args)) == code
    assert message in capsys.readouterr().err


def test_the_console_script_runs(root: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "naas_lab_ext.cli", *cli(root, tmp_path, "sync", "--json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["templates"] >= 15
