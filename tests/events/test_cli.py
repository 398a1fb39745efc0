"""``naas-lab events``: the log of the products under the root, filtered, as text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events.store import EventStore


@pytest.fixture
def root(tmp_path: Path, run_store_url: str) -> Path:
    folder = (tmp_path / "root").resolve()
    events = EventStore(Database(run_store_url))
    events.record(
        "run.started",
        "Run of 'daily' started",
        subject_type="run",
        subject_id="r1",
        product_root=folder / "sales",
    )
    events.record(
        "run.failed",
        "Run of 'daily' failed: KeyError: 'region'",
        subject_type="run",
        subject_id="r1",
        product_root=folder / "sales",
    )
    events.record(
        "schedule.skipped",
        "Schedule of 'hr' skipped",
        subject_type="schedule",
        subject_id="s1",
        product_root=folder / "hr",
    )
    events.record("templates.synced", "Templates synchronised", subject_type="templates")
    events.record("run.failed", "not ours", subject_type="run", product_root=tmp_path / "other")
    return folder


def test_the_log_newest_first_with_levels_and_products(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(root), "events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert "INFO" in lines[0] and " -  templates.synced" in lines[0]
    assert "WARNING" in lines[1] and "hr  schedule.skipped" in lines[1]
    assert "ERROR" in lines[2] and "sales  run.failed  Run of 'daily' failed" in lines[2]


def test_filters_paging_and_json(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(root), "events", "--product", "sales", "--level", "error"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "KeyError" in line
    assert (
        main(["--root", str(root), "events", "--kind", "run.started,templates.synced", "--json"])
        == 0
    )
    page = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in page["events"]] == ["templates.synced", "run.started"]
    assert page["next_before"] is None
    assert main(["--root", str(root), "events", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "(older events: add --before 4)" in out
    assert main(["--root", str(root), "events", "--limit", "1", "--before", "4"]) == 0
    assert "schedule.skipped" in capsys.readouterr().out


def test_bad_filters_exit_2_with_the_allowed_values(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(root), "events", "--level", "fatal"]) == 2
    assert "Use one of: info, warning, error" in capsys.readouterr().err
    assert main(["--root", str(root), "events", "--product", "nothing-here"]) == 0
    assert "No event matches." in capsys.readouterr().out
