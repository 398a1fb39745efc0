"""Reading the events log: filters shared by pages and tails, a tail's cursor, the events of a
root (and of no product), secrets kept out, pruning in batches."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.core.clock import utc_now
from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events.redact import redact_text
from naas_lab_ext.events.service import EventService, split_values
from naas_lab_ext.events.store import EventFilter, EventStore, event_values, record_events

pytestmark = pytest.mark.both_databases

ROOT = Path("/srv/root")


@pytest.fixture
def events(run_store_url: str) -> EventStore:
    return EventStore(Database(run_store_url))


def fill(events: EventStore) -> None:
    events.record(
        "run.failed",
        "sales failed",
        subject_type="run",
        subject_id="r1",
        product_root=ROOT / "sales",
    )
    events.record(
        "run.succeeded",
        "team/hr ok",
        subject_type="run",
        subject_id="r2",
        product_root=ROOT / "team" / "hr",
    )
    events.record("templates.synced", "18 templates", subject_type="templates")
    events.record(
        "run.failed",
        "elsewhere failed",
        subject_type="run",
        subject_id="r3",
        product_root=Path("/srv/rootless/sales"),
    )
    events.record(
        "deploy.failed",
        "sales deploy failed",
        subject_type="deployment",
        subject_id="d1",
        product_root=ROOT / "sales",
    )


def test_a_root_sees_its_products_and_the_events_of_no_product(events: EventStore) -> None:
    fill(events)
    page = events.page(under=ROOT)
    # /srv/rootless shares the prefix "/srv/root" but is another folder: not shown
    assert [e.message for e in page.events] == [
        "sales deploy failed",
        "18 templates",
        "team/hr ok",
        "sales failed",
    ]
    assert page.events[1].to_json(relative_to=ROOT)["product"] is None
    assert page.events[2].to_json(relative_to=ROOT)["product"] == "team/hr"


def test_a_tail_returns_what_is_new_and_a_cursor_past_what_the_filters_left_out(
    events: EventStore,
) -> None:
    start = events.tail(-1)
    assert start.events == [] and start.last_id == events.last_id() == 0
    fill(events)
    errors = EventFilter(under=ROOT, levels=("error",))
    tail = events.tail(start.last_id, filters=errors)
    assert [e.message for e in tail.events] == ["sales failed", "sales deploy failed"]
    assert tail.last_id == events.last_id()  # past the elsewhere event it left out
    assert events.tail(tail.last_id, filters=errors).events == []
    # a full page stops at its last event: the next call goes on from there
    first = events.tail(0, limit=2)
    assert [e.id for e in first.events] == [1, 2] and first.last_id == 2
    rest = events.tail(first.last_id, limit=2)
    assert [e.id for e in rest.events] == [3, 4]
    # only the cursor, for a reader that starts now
    assert events.tail(-1).last_id == 5


def test_filters_by_kind_subject_and_product(events: EventStore) -> None:
    fill(events)
    sales = EventFilter(product_root=ROOT / "sales")
    assert [e.kind for e in events.page(filters=sales).events] == ["deploy.failed", "run.failed"]
    deploys = EventFilter(under=ROOT, subject_type="deployment", subject_id="d1")
    assert [e.subject_id for e in events.page(filters=deploys).events] == ["d1"]
    kinds = EventFilter(under=ROOT, kinds=("run.failed", "templates.synced"))
    assert len(events.page(filters=kinds).events) == 2


def test_bad_filters_name_what_is_allowed(events: EventStore) -> None:
    with pytest.raises(InvalidInput, match="Unknown subject type 'job'") as caught:
        events.page(filters=EventFilter(subject_type="job"))
    assert caught.value.field == "subject_type"
    with pytest.raises(InvalidInput, match="limit"):
        events.tail(0, limit=501)
    service = EventService(ROOT, events)
    with pytest.raises(InvalidInput) as outside:
        service.filters(product="../elsewhere")
    assert outside.value.field == "product"
    with pytest.raises(InvalidInput, match="after must be an event id"):
        service.tail(service.filters(), after=-2)


def test_values_repeat_or_separate_with_commas() -> None:
    assert split_values(["error,warning", " info ", ""]) == ("error", "warning", "info")


def test_no_password_or_token_reaches_the_log(events: EventStore) -> None:
    events.record(
        "run.failed",
        "could not connect to postgresql://ada:s3cret@db.example.com/sales",
        subject_type="run",
        details={
            "error": "POST https://hooks.example.com/x?token=abc123&channel=ops failed",
            "nested": ["https://user:pa55@git.example.com/repo.git"],
        },
    )
    [event] = events.page().events
    text = f"{event.message} {event.details}"
    for secret in ("s3cret", "abc123", "pa55"):
        assert secret not in text
    assert "postgresql://ada:***@db.example.com/sales" in event.message
    assert "token=***&channel=ops" in event.details["error"]
    assert redact_text("no url here: a=b") == "no url here: a=b"


def test_many_events_are_recorded_in_one_statement(events: EventStore) -> None:
    rows = [
        event_values("schedule.fired", f"fired {n}", subject_type="schedule", subject_id=str(n))
        for n in range(300)
    ]
    with events.db.write() as session:
        record_events(session, rows)
    assert events.last_id() == 300
    with pytest.raises(ValueError, match="unknown event kind"):
        event_values("run.exploded", "x", subject_type="run")


def test_pruning_goes_in_batches_and_keeps_the_recent_ones(events: EventStore) -> None:
    old = utc_now() - timedelta(days=100)
    rows = [
        event_values("run.succeeded", f"old {n}", subject_type="run", at=old) for n in range(25)
    ]
    with events.db.write() as session:
        record_events(session, rows)
    events.record("run.succeeded", "recent", subject_type="run")
    assert events.prune(90, batch=10) == 25
    assert [e.message for e in events.page().events] == ["recent"]
    assert events.prune(0) == 0  # 0: keep everything
