"""The headless CLI: `naas-lab new` and `naas-lab list` over the same domain code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from naas_lab_ext.cli import main


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "naas_lab_ext.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_new_creates_the_product_and_list_shows_it(tmp_path: Path) -> None:
    done = run_cli(
        "new",
        "sales-report",
        "--title",
        "Sales Report",
        "--contact-email",
        "ada@example.com",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Created data product 'sales-report'" in done.stdout
    assert (tmp_path / "sales-report" / "models" / "__pipeline__.ipynb").is_file()
    listed = run_cli("list", cwd=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.strip() == "sales-report\tSales Report"


def test_the_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "naas-lab"
    assert script.exists(), "pip install -e . should install the naas-lab command"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("naas-lab ")


def test_new_json_output_and_root_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--root", str(tmp_path), "new", "churn", "--parent", "team", "--no-git", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["product"]["path"] == "team/churn"
    assert result["git_commit"] is None


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["new", "../x"], 2, "single folder name"),
        (["new", "ok", "--contact-email", "bad"], 2, "email"),
        (["new", "ok", "--parent", "/etc"], 2, "absolute"),
    ],
)
def test_bad_input_exits_non_zero_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str
) -> None:
    assert main(["--root", str(tmp_path), *args]) == code
    err = capsys.readouterr().err
    assert err.startswith("naas-lab: error")
    assert words in err
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    assert main(["--root", str(tmp_path), "new", "taken"]) == 4
    assert "not empty" in capsys.readouterr().err


def test_list_when_empty_says_how_to_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), "list"]) == 0
    assert "naas-lab new" in capsys.readouterr().out
