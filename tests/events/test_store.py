"""The events log: recorded with the change it tells of, read back a page at a time (keyset)
or after a cursor, pruned by age."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events.store import EventStore, record_event
from naas_lab_ext.pipelines.results import (
    RunResult,
    RunStatus,
    StepFailure,
    StepResult,
    StepStatus,
)
from naas_lab_ext.pipelines.store.repository import RunStore

pytestmark = pytest.mark.both_databases

SALES = Path("/products/sales")


@pytest.fixture
def events(run_store_url: str) -> EventStore:
    return EventStore(Database(run_store_url))


def test_pages_go_newest_first_with_a_cursor_and_filters(events: EventStore) -> None:
    for n in range(7):
        events.record(
            "schedule.fired" if n % 2 else "run.failed",
            f"event {n}",
            subject_type="schedule" if n % 2 else "run",
            subject_id=f"s{n}",
            product_root=SALES if n < 5 else Path("/products/other"),
        )
    first = events.page(limit=3)
    assert [e.message for e in first.events] == ["event 6", "event 5", "event 4"]
    second = events.page(limit=3, before=first.next_before)
    assert [e.message for e in second.events] == ["event 3", "event 2", "event 1"]
    last = events.page(limit=3, before=second.next_before)
    assert [e.message for e in last.events] == ["event 0"] and last.next_before is None
    failed = events.page(levels=["error"], product_root=SALES)
    assert [e.message for e in failed.events] == ["event 4", "event 2", "event 0"]
    assert all(e.kind == "run.failed" for e in failed.events)
    fired = events.page(kinds=["schedule.fired"], under=Path("/products"))
    assert len(fired.events) == 3
    assert fired.events[0].to_json(relative_to=Path("/products"))["product"] == "other"


def test_readers_tail_after_a_cursor(events: EventStore) -> None:
    start = events.last_id()
    events.record("templates.synced", "18 templates", subject_type="templates")
    events.record("templates.sync_failed", "git failed", subject_type="templates")
    tail = events.after(start)
    assert [(e.kind, e.level.value) for e in tail] == [
        ("templates.synced", "info"),
        ("templates.sync_failed", "error"),
    ]
    assert events.after(tail[-1].id) == []


def test_bad_filters_say_what_is_allowed(events: EventStore) -> None:
    with pytest.raises(InvalidInput, match="Unknown level 'fatal'"):
        events.page(levels=["fatal"])
    with pytest.raises(InvalidInput, match=r"Unknown event kind 'run\.exploded'"):
        events.page(kinds=["run.exploded"])
    with pytest.raises(InvalidInput, match="limit"):
        events.page(limit=0)


def test_details_that_json_cannot_hold_are_made_safe(events: EventStore) -> None:
    events.record(
        "notification.failed",
        "x",
        subject_type="notification",
        details={"nan": math.nan, "path": Path("/x"), "nested": {"inf": math.inf}},
    )
    [event] = events.page(limit=1).events
    assert event.details == {"nan": None, "path": "/x", "nested": {"inf": None}}


def test_old_events_are_pruned(events: EventStore) -> None:
    with events.db.write() as session:
        record_event(
            session,
            "run.succeeded",
            "old",
            subject_type="run",
            at=utc_now() - timedelta(days=40),
        )
    events.record("run.succeeded", "new", subject_type="run")
    assert events.prune(30) == 1
    assert [e.message for e in events.page().events] == ["new"]


def test_the_run_store_records_the_events_of_its_runs(run_store_url: str) -> None:
    store = RunStore(run_store_url)
    events = EventStore(store.db)
    begin = events.last_id()
    now = utc_now()
    steps = [StepResult("Collect", "notebook"), StepResult("Check", "notebook")]
    run = RunResult(
        "r1",
        "daily",
        RunStatus.RUNNING,
        SALES,
        steps,
        created_at=now,
        started_at=now,
        source="scheduler",
        deployment_id="d-1",
    )
    store.create_run(run)
    failed = StepResult(
        "Check",
        "notebook",
        status=StepStatus.FAILED,
        error=StepFailure(name="ValueError", message="3 bad rows"),
    )
    store.update_step("r1", failed)
    run.steps[1] = failed
    run.status, run.ended_at = RunStatus.FAILED, now + timedelta(seconds=2)
    store.finish_run(run)
    tail = events.after(begin)
    assert [e.kind for e in tail] == ["run.started", "step.failed", "run.failed"]
    assert tail[2].message == "Run of 'daily' failed at step Check: ValueError: 3 bad rows"
    assert tail[2].details["deployment_id"] == "d-1" and tail[2].details["duration"] == 2.0
    assert tail[1].details["step"] == "Check"
    assert all(e.product_root == SALES and e.subject_id == "r1" for e in tail)
    store.close()
