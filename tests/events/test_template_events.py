"""The events of template syncs: synced, a source that failed (its templates kept), a sync
that failed as a whole; recorded by the server's sync and the CLI's."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.cli import main
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events.store import Event, EventStore
from naas_lab_ext.templates import library as templates_library
from naas_lab_ext.templates.library import open_library
from tests.template_factory import write_template


@pytest.fixture
def events(run_store_url: str) -> EventStore:
    return EventStore(Database(run_store_url))


@pytest.fixture
def team(tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    write_template(folder / "One.ipynb")
    write_template(folder / "Two.ipynb")
    return folder


def template_events(events: EventStore) -> list[Event]:
    return list(reversed(events.page(subject_type="templates").events))


def test_syncs_and_failures_are_recorded(
    tmp_path: Path, team: Path, events: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    source = f"https://ada:s3cret@git.example.com/none.git#{team}"  # never reached below
    library = open_library(
        root,
        sources=[str(team)],
        include_default=False,
        index_dir=str(tmp_path / "index"),
        events=events,
    )
    library.sync()
    [synced] = template_events(events)
    assert synced.kind == "templates.synced" and synced.level.value == "info"
    assert synced.message == "Templates synchronised: 2 templates (2 added, 0 updated, 0 removed)"
    assert synced.product_root is None and synced.details["templates"] == 2
    # When the source is gone, its templates are kept and the event says why
    shutil.move(str(team), str(tmp_path / "moved"))
    library.sync()
    failed = template_events(events)[-1]
    assert (failed.kind, failed.level.value) == ("templates.sync_failed", "error")
    assert "1 source(s) failed, their previous templates were kept" in failed.message
    assert "does not exist" in failed.message

    # When the sync fails as a whole, nothing changed and the event says so
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"cannot write to the disk (while fetching {source})")

    monkeypatch.setattr(templates_library, "sync_templates", broken)
    with pytest.raises(RuntimeError):
        library.sync()
    last = template_events(events)[-1]
    assert last.kind == "templates.sync_failed"
    assert last.message.startswith("Template sync failed, nothing was changed: cannot write")
    assert "s3cret" not in f"{last.message} {last.details}"
    library.close()


def test_the_cli_sync_is_recorded_too(
    tmp_path: Path, team: Path, events: EventStore, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    args = ["--root", str(root), "templates", "sync", "--no-default", "--source", str(team)]
    assert main([*args, "--index-dir", str(tmp_path / "index")]) == 0
    [synced] = template_events(events)
    assert synced.kind == "templates.synced" and synced.details["root"] == str(root.resolve())


async def test_the_servers_sync_is_recorded(api: Any, events: EventStore) -> None:
    status, _ = await api("POST", "templates", "sync", body={"wait": True})
    assert status == 200
    status, body = await api("GET", "events", params={"kind": "templates.synced"})
    assert status == 200 and body["events"], body
    assert body["events"][0]["product"] is None
    assert body["events"][0]["subject_type"] == "templates"
