"""``naas-lab schedules list|pause|resume|run|delete`` and ``naas-lab scheduler``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.pipelines.production import Production
from naas_lab_ext.pipelines.results import RunResult, RunStatus
from naas_lab_ext.scheduler.repository import Claim, ScheduleStore
from tests.notebooks import write_notebook
from tests.scheduler.conftest import production, spec
from tests.server.test_openapi import response_validator

YEARLY = "0 8 1 1 *"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def deployed(root: Path, tmp_path: Path) -> Production:
    """A deployed product whose frozen pipeline notebook defines no pipeline (its runs end
    FAILED without a kernel)."""
    prod = production(tmp_path, root=root)
    write_notebook(prod.copy_root / "models" / "__pipeline__.ipynb", "print('no pipeline')")
    return prod


def naas_lab(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


def test_list_says_how_schedules_come_when_there_is_none(
    root: Path, capsys: pytest.CaptureFixture[str], schedules: ScheduleStore
) -> None:
    assert naas_lab(root, "schedules", "list") == 0
    assert "naas-lab deploy PRODUCT" in capsys.readouterr().out


def test_list_shows_each_schedule_in_words_and_as_json(
    root: Path,
    capsys: pytest.CaptureFixture[str],
    schedules: ScheduleStore,
    deployed: Production,
    tmp_path: Path,
) -> None:
    daily, weekly = schedules.replace(
        deployed.product_root,
        deployed,
        [spec(YEARLY), spec("30 9 * * 1", timezone="Europe/Paris")],
    )
    schedules.pause(weekly.id)
    other = production(tmp_path, "hr", root=root)
    schedules.replace(other.product_root, other, [spec(YEARLY)])
    assert naas_lab(root, "schedules", "list", "--product", "sales") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{daily.id}\tsales/models/__pipeline__.ipynb\tevery year on ")
    assert "\tnext " in lines[0] and lines[0].endswith("\tnever ran")
    assert "every Monday at 09:30 (Europe/Paris)\tpaused" in lines[1]
    assert naas_lab(root, "schedules", "list", "--json") == 0
    answer = json.loads(capsys.readouterr().out)
    response_validator("/schedules", "get", 200).validate(answer)
    assert [s["product"] for s in answer["schedules"]] == ["hr", "sales", "sales"]


def test_pause_resume_delete(
    root: Path, capsys: pytest.CaptureFixture[str], schedules: ScheduleStore, deployed: Production
) -> None:
    [schedule] = schedules.replace(deployed.product_root, deployed, [spec(YEARLY)])
    assert naas_lab(root, "schedules", "pause", schedule.id) == 0
    assert "Paused schedule" in capsys.readouterr().out and schedules.get(schedule.id).paused
    assert naas_lab(root, "schedules", "resume", schedule.id) == 0
    assert "next run" in capsys.readouterr().out and not schedules.get(schedule.id).paused
    assert naas_lab(root, "schedules", "delete", schedule.id) == 0
    assert "Deleted schedule" in capsys.readouterr().out
    assert schedules.all() == []


def test_mistakes_exit_with_their_code_and_say_what_to_do(
    root: Path, capsys: pytest.CaptureFixture[str], schedules: ScheduleStore
) -> None:
    for command in ("pause", "resume", "run", "delete"):
        assert naas_lab(root, "schedules", command, "nope") == 3
        assert "No schedule 'nope'" in capsys.readouterr().err
    assert naas_lab(root, "schedules", "list", "--product", "../up") == 2
    assert "goes up with '..'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        naas_lab(root, "schedules", "start", "x")
    assert exit_.value.code == 2


def test_run_while_the_previous_run_goes_exits_4(
    root: Path, capsys: pytest.CaptureFixture[str], schedules: ScheduleStore, deployed: Production
) -> None:
    [schedule] = schedules.replace(deployed.product_root, deployed, [spec(YEARLY)])
    now = utc_now()
    schedules.runs.create_run(
        RunResult("run-going", "p", RunStatus.RUNNING, deployed.product_root, created_at=now)
    )
    [firing] = schedules.claim([Claim(schedule.id, now, "started", kind="manual")])
    schedules.record([(firing.id, "started", "run-going", None)])
    assert naas_lab(root, "schedules", "run", schedule.id) == 4
    assert "previous run run-going has not ended" in capsys.readouterr().err


def test_run_starts_the_production_run_and_exits_with_its_status(
    root: Path, capsys: pytest.CaptureFixture[str], schedules: ScheduleStore, deployed: Production
) -> None:
    [schedule] = schedules.replace(deployed.product_root, deployed, [spec(YEARLY)])
    assert naas_lab(root, "schedules", "run", schedule.id) == 6  # FAILED
    out = capsys.readouterr().out
    assert f"of schedule {schedule.id} started" in out
    assert ": FAILED" in out and "not a pipeline notebook" in out
    [firing] = schedules.firings(schedule.id)
    run = schedules.runs.get_run(firing.run_id or "")
    assert run.source == "scheduler" and run.deployment_id == "d-1"


# -- naas-lab scheduler -----------------------------------------------------------------------


def scheduler_process(root: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "naas_lab_ext.cli",
            "--root",
            str(root),
            "scheduler",
            "--db-url",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen[str], text: str, timeout: float = 60) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if text in line:
            return lines
    process.kill()
    raise AssertionError(f"no '{text}' in the output: {lines}")


def test_the_headless_scheduler_fires_prints_a_line_per_firing_and_stops_on_sigterm(
    root: Path, schedules: ScheduleStore, deployed: Production, run_store_url: str
) -> None:
    # Given a schedule whose due time passed while no scheduler ran (catch_up="latest")
    [schedule] = schedules.replace(
        deployed.product_root,
        deployed,
        [spec("0 0 * * *", catch_up="latest"), spec(YEARLY)],
        now=utc_now() - timedelta(days=1),
    )[:1]
    process = scheduler_process(root, run_store_url)
    try:
        # When the scheduler starts, it says so, then runs the missed due time at once
        lines = read_until(process, "started run")
        assert lines[0].startswith("Scheduler started on sqlite:///")
        assert "2 schedule(s), 0 paused" in lines[0] and "Ctrl-C stops it" in lines[0]
        assert schedule.id in lines[-1] and "catch_up='latest' runs it now" in lines[-1]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    # Then it stops cleanly
    assert process.returncode == 0, err
    assert "Scheduler stopped" in out
    [firing] = schedules.firings(schedule.id)
    assert firing.outcome == "started" and firing.pid == process.pid
