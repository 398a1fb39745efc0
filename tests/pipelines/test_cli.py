"""``naas-lab run``, ``runs`` and ``pipelines``: headless runs, live status, exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.pipelines.api import DummyStep, Pipeline
from naas_lab_ext.pipelines.store.repository import RunStore
from tests.notebooks import make_product, pipeline_notebook, write_notebook

pytestmark = pytest.mark.kernel


@pytest.fixture
def product(tmp_path: Path) -> Path:
    product = make_product(tmp_path, "sales")
    write_notebook(
        product / "models" / "work.ipynb",
        "import time\ntime.sleep(seconds)\nassert days > 0, 'days must be positive'",
        parameters="days = 1\nseconds = 0",
    )
    pipeline_notebook(
        product / "models" / "__pipeline__.ipynb",
        "p = Pipeline('daily')\n"
        "work = NotebookStep('Work', 'models/work.ipynb', parameters={'days': days})\n"
        "p >> DummyStep('Start') >> work >> DummyStep('Publish')\n"
        "work.on_error >> DummyStep('Alert')\n"
        "p.run()",
        parameters="days = 2",
    )
    return product


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "naas_lab_ext.cli", "--root", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_run_succeeds_prints_live_status_and_exits_0(
    tmp_path: Path, product: Path, run_store_url: str
) -> None:
    done = cli(tmp_path, "run", "sales/models/__pipeline__.ipynb", "-p", "days=3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Run ") and "of 'daily' started" in lines[0]
    assert any(line.strip().startswith("RUNNING   Work") for line in lines)
    assert any(line.strip().startswith("SUCCEEDED Work") for line in lines)
    assert "SUCCEEDED in" in lines[-2]
    run = RunStore(run_store_url).list_runs()[0][0]
    assert run.source == "cli" and run.parameters == {"days": 3}
    assert run.pipeline_path == "models/__pipeline__.ipynb"
    assert (product / "outputs" / "pipeline_executions" / "daily" / run.run_id).is_dir()


def test_a_failed_run_exits_6_and_json_says_why(tmp_path: Path, product: Path) -> None:
    done = cli(
        tmp_path,
        "run",
        str(product / "models" / "__pipeline__.ipynb"),  # an absolute path inside the root
        "-p",
        "days=-1",
        "--json",
    )
    assert done.returncode == 6, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "FAILED"
    steps = {s["name"]: s for s in result["steps"]}
    assert steps["Work"]["error"]["name"] == "AssertionError"
    assert steps["Publish"]["status"] == "SKIPPED"
    assert steps["Alert"]["status"] == "SUCCEEDED"
    assert "FAILED    Work" in done.stderr  # live status goes to stderr with --json


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["run", "sales/models/nope.ipynb"], 3, "Nothing exists"),
        (["run", "../outside.ipynb"], 2, ".."),
        (["run", "sales/models/work.ipynb", "-p", "novalue"], 2, "name=value"),
        (["run", "sales/models/work.ipynb"], 2, "not a pipeline notebook"),
        (["runs", "show", "nope"], 3, "No run 'nope'"),
        (["runs", "list", "--status", "DONE"], 2, "Unknown status"),
    ],
)
def test_bad_input_exits_with_its_code(
    tmp_path: Path,
    product: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    words: str,
) -> None:
    assert main(["--root", str(tmp_path), *args]) == code
    assert words in capsys.readouterr().err


def test_ctrl_c_cancels_the_run_and_exits_7(
    tmp_path: Path, product: Path, run_store_url: str
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "naas_lab_ext.cli",
            "--root",
            str(tmp_path),
            "run",
            "sales/models/__pipeline__.ipynb",
            "-p",
            "seconds=120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "RUNNING   Work" in line:
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 7, err
    assert "Cancelling the run" in err
    assert "CANCELLED" in out
    run = RunStore(run_store_url).list_runs()[0][0]
    assert run.status.value == "CANCELLED"
    assert run["Work"].status.value == "CANCELLED"


def test_runs_list_show_and_cancel(
    tmp_path: Path, product: Path, run_store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = RunStore(run_store_url)
    pipeline = Pipeline("weekly", root=product)
    pipeline >> DummyStep("a")
    run = pipeline.run(progress=False, store=store)
    assert main(["--root", str(tmp_path), "runs", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{run.run_id}\tSUCCEEDED")
    assert "\tsales\tweekly\t" in out
    assert main(["--root", str(tmp_path), "runs", "list", "--json", "--pipeline", "other"]) == 0
    assert json.loads(capsys.readouterr().out) == {"runs": [], "total": 0, "next_before": None}
    assert main(["--root", str(tmp_path), "runs", "show", run.run_id]) == 0
    assert "SUCCEEDED   a" in capsys.readouterr().out
    assert main(["--root", str(tmp_path), "runs", "cancel", run.run_id]) == 4
    assert "already ended" in capsys.readouterr().err


def test_pipelines_lists_the_dag_of_each_pipeline_notebook(
    tmp_path: Path, product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), "pipelines", "sales"]) == 0
    out = capsys.readouterr().out
    assert "sales/models/__pipeline__.ipynb\tpipeline 'daily'" in out
    assert "  - Work [notebook] after Start; on error: Alert" in out
    assert "  - Alert [dummy] (error handler)" in out
    assert not (product / "outputs").exists()
