"""The store's faults: a missing or empty file is created with a warning that the history was
not found (a log line and a ``store.created`` event); a damaged one is refused with what to do,
and never touched."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import StoreUnavailable
from naas_lab_ext.database.engine import Database
from naas_lab_ext.database.health import StoreHealth
from naas_lab_ext.events.store import EventStore
from naas_lab_ext.pipelines.store.repository import RunStore


def created_events(store: RunStore) -> list[dict[str, object]]:
    page = EventStore(store.db).page(kinds=["store.created"])
    return [dict(e.details, message=e.message, level=e.level.value) for e in page.events]


def test_a_missing_store_is_created_with_a_warning_and_an_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "data" / "runs.sqlite"
    # When the store is opened where there is no file
    with caplog.at_level(logging.WARNING, logger="naas_lab_ext"):
        store = RunStore(f"sqlite:///{path}")
    # Then it is created, a warning says the history was not found there, and so does an event
    assert path.is_file()
    assert f"The history was not found at {path} (no such file)" in caplog.text
    [event] = created_events(store)
    assert event["path"] == str(path) and event["reason"] == "missing"
    assert event["level"] == "warning"
    assert "history was not found" in str(event["message"])
    assert StoreHealth(store.db).to_json()["warning"] == store.db.created_message()
    store.close()
    # and opening it again (it exists now) says nothing more
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="naas_lab_ext"):
        again = RunStore(f"sqlite:///{path}")
    assert "history was not found" not in caplog.text
    assert len(created_events(again)) == 1
    assert StoreHealth(again.db).to_json() == {
        "ok": True,
        "location": str(path),
        "error": None,
        "warning": None,
    }
    again.close()


def test_an_empty_store_is_not_taken_silently_for_a_new_one(tmp_path: Path) -> None:
    # Given a store truncated to 0 bytes (the history it held is gone)
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"")
    # When it is opened
    store = RunStore(f"sqlite:///{path}")
    # Then the event says so: an empty file, where the history was expected
    [event] = created_events(store)
    assert event["reason"] == "empty" and event["path"] == str(path)
    assert "an empty file, 0 bytes" in str(event["message"])
    store.close()


def test_the_notice_is_recorded_once_whichever_store_opens_the_database(tmp_path: Path) -> None:
    # Given a database opened by the events' store first (the CLI of events), then the runs'
    db = Database(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    events = EventStore(db)
    EventStore(db)
    assert [e.kind for e in events.page().events] == ["store.created"]
    db.close()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda: os.urandom(64 * 1024), id="garbage"),
        pytest.param(lambda: b"SQLite format 3\x00" + b"\xff" * 4080, id="bad-header"),
    ],
)
def test_a_damaged_store_is_refused_with_what_to_do_and_left_as_it_is(
    tmp_path: Path, damage: object
) -> None:
    path = tmp_path / "runs.sqlite"
    data = damage()  # type: ignore[operator]
    path.write_bytes(data)
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(f"sqlite:///{path}")
    # The message names the file and says what to do; the field is the setting at fault
    assert str(path) in caught.value.message
    assert f"mv '{path}' '{path}.broken'" in caught.value.message
    assert caught.value.field == "db_url"
    # and the file is untouched (what it held may still be recovered)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.sqlite"]


def test_a_store_that_cannot_be_opened_says_where_and_what_to_check(tmp_path: Path) -> None:
    # Given a store path that is a folder (SQLite cannot open it)
    path = tmp_path / "runs.sqlite"
    path.mkdir()
    with pytest.raises(StoreUnavailable) as caught:
        RunStore(f"sqlite:///{path}")
    assert str(path) in caught.value.message
    assert "permissions" in caught.value.message and caught.value.field == "db_url"


def test_the_status_of_a_store_never_shows_its_password() -> None:
    url = "postgresql://naas:s3cret@db.example:5432/naas"
    health = StoreHealth(None, StoreUnavailable("down", field="db_url"), url=url)
    assert health.to_json() == {
        "ok": False,
        "location": "postgresql://naas:***@db.example:5432/naas",
        "error": "down",
        "warning": None,
    }
