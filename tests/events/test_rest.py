"""GET /naas-lab-ext/events through a real Jupyter server: pages and tails, filters, bad
filters, the root's events only; and the same events emitted through jupyter_events."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.app import NaasLabExtApp
from naas_lab_ext.database.engine import Database
from naas_lab_ext.events import handlers
from naas_lab_ext.events.emitter import SCHEMA_ID, EventsTask
from naas_lab_ext.events.store import EventStore
from tests.server.test_openapi import response_validator

pytestmark = pytest.mark.both_databases


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    # No template sync at start: its event would mix with the ones these tests record.
    return {**jp_server_config, "NaasLabExtApp": {"templates_sync_at_start": False}}


@pytest.fixture
def events(run_store_url: str) -> EventStore:
    """The server's events log (the same store: $NAAS_LAB_DB_URL)."""
    return EventStore(Database(run_store_url))


@pytest.fixture
def extension(jp_serverapp: Any) -> NaasLabExtApp:
    [app] = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    assert isinstance(app, NaasLabExtApp)
    return app


def record(events: EventStore, root: Path) -> None:
    sales = (root / "sales").resolve()
    events.record(
        "run.started",
        "Run of 'daily' started",
        subject_type="run",
        subject_id="r1",
        product_root=sales,
    )
    events.record(
        "run.failed",
        "Run of 'daily' failed at step Check: ValueError: bad rows",
        subject_type="run",
        subject_id="r1",
        product_root=sales,
        details={"run_id": "r1", "pipeline": "daily"},
    )
    events.record(
        "templates.synced", "Templates synchronised: 18 templates", subject_type="templates"
    )
    events.record(
        "deploy.failed",
        "Deploy of 'hr' failed at Requirements: no such package",
        subject_type="deployment",
        subject_id="d1",
        product_root=(root / "team" / "hr").resolve(),
    )
    events.record(
        "run.failed",
        "another root's run",
        subject_type="run",
        product_root=root.parent / "elsewhere" / "sales",
    )


async def get(api: Any, **params: Any) -> tuple[int, Any]:
    pairs = [
        (k, v)
        for k, value in params.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    return await api("GET", "events", params=pairs)  # type: ignore[no-any-return]


async def test_pages_newest_first_of_the_products_under_the_root(
    api: Any, root: Path, events: EventStore, extension: NaasLabExtApp
) -> None:
    record(events, root)
    validate = response_validator("/events", "get", 200)
    status, first = await get(api, limit=2)
    assert status == 200, first
    validate.validate(first)
    assert [e["kind"] for e in first["events"]] == ["deploy.failed", "templates.synced"]
    assert first["events"][0]["product"] == "team/hr"
    assert first["events"][1]["product"] is None
    status, second = await get(api, limit=2, before=first["next_before"])
    validate.validate(second)
    assert [e["kind"] for e in second["events"]] == ["run.failed", "run.started"]
    assert second["next_before"] is None  # the other root's event is not shown
    failed = second["events"][0]
    assert failed["details"] == {"run_id": "r1", "pipeline": "daily"}
    assert failed["level"] == "error" and failed["subject_id"] == "r1"
    assert failed["at"].endswith("Z")


async def test_filters_combine(api: Any, root: Path, events: EventStore) -> None:
    record(events, root)
    status, body = await get(api, product="sales", level="error")
    assert status == 200, body
    assert [e["message"][:18] for e in body["events"]] == ["Run of 'daily' fai"]
    _, body = await get(api, level=["error", "warning"], kind="deploy.failed,run.failed")
    assert [e["kind"] for e in body["events"]] == ["deploy.failed", "run.failed"]
    _, body = await get(api, subject_type="deployment", subject_id="d1")
    assert [e["subject_id"] for e in body["events"]] == ["d1"]
    _, body = await get(api, product="team/hr/")
    assert len(body["events"]) == 1


async def test_what_is_new_since_a_cursor(api: Any, root: Path, events: EventStore) -> None:
    validate = response_validator("/events", "get", 200)
    status, start = await get(api, after=-1)
    assert status == 200 and start == {"events": [], "last_id": 0}
    validate.validate(start)
    record(events, root)
    _, tail = await get(api, after=start["last_id"], level="error")
    validate.validate(tail)
    assert [e["kind"] for e in tail["events"]] == ["run.failed", "deploy.failed"]  # oldest first
    assert tail["last_id"] == 5  # past the other root's event too
    _, again = await get(api, after=tail["last_id"])
    assert again == {"events": [], "last_id": 5}
    _, everything = await get(api, after=0, limit=2)
    assert [e["id"] for e in everything["events"]] == [1, 2] and everything["last_id"] == 2


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"level": "fatal"}, "level", "Unknown level 'fatal'"),
        ({"kind": "run.exploded"}, "kind", "Unknown event kind"),
        ({"subject_type": "job"}, "subject_type", "Unknown subject type"),
        ({"product": "../elsewhere"}, "product", ""),
        ({"limit": 0}, "limit", "between 1 and 500"),
        ({"before": "x"}, "before", "whole number"),
        ({"after": -2}, "after", ""),
        ({"after": 3, "before": 9}, "before", "not both"),
    ],
)
async def test_bad_filters_answer_400_saying_what_is_allowed(
    api: Any, params: dict[str, Any], field: str, words: str
) -> None:
    status, body = await get(api, **params)
    assert status == 400, body
    response_validator("/events", "get", 400).validate(body)
    assert body["field"] == field and words in body["message"]


def test_the_schema_ships_in_the_package() -> None:
    text = (resources.files("naas_lab_ext.events") / "event.schema.json").read_text()
    schema = json.loads(text)
    assert schema["$id"] == SCHEMA_ID and schema["version"] == "1"


async def test_every_event_is_emitted_through_jupyter_events(
    jp_serverapp: Any, extension: NaasLabExtApp, events: EventStore, root: Path
) -> None:
    # Given a listener of the server's event logger (as another extension would add)
    received: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        received.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=SCHEMA_ID, listener=listener)
    task = extension.settings[handlers.EMITTER]
    assert isinstance(task, EventsTask)
    task.interval = 0.1
    task.start()
    try:
        # When events are recorded by any process sharing the store
        record(events, root)
        for _ in range(100):
            if len(received) >= 4:
                break
            await asyncio.sleep(0.05)
    finally:
        await task.stop()
    # Then each event of the root (or of no product) is emitted once, oldest first
    assert [e["kind"] for e in received] == [
        "run.started",
        "run.failed",
        "templates.synced",
        "deploy.failed",
    ]
    assert received[1]["product"] == "sales" and received[1]["details"]["run_id"] == "r1"
    assert not task.running
