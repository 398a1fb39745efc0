"""The events of schedules, recorded with the change they tell of: a deploy's replace
(created / changed / deleted), pause, resume, delete by hand, and each due time's fate (fired,
skipped for overlap or a missed time, a run that could not start)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.events.store import Event, EventFilter, EventStore
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.loop import Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from naas_lab_ext.scheduler.service import ScheduleService
from tests.scheduler.conftest import FakeClock, FakeLauncher, production, run_until, spec, utc

pytestmark = pytest.mark.both_databases


def schedule_events(store: RunStore, after: int = 0) -> list[Event]:
    """The schedule events recorded after the event ``after``, oldest first."""
    return EventStore(store.db).tail(after, filters=EventFilter(subject_type="schedule")).events


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def test_a_deploy_creates_changes_and_deletes_schedules(
    schedules: ScheduleStore, run_store: RunStore, clock: FakeClock, tmp_path: Path
) -> None:
    first = production(tmp_path, deployment="d-1")
    daily, weekly = schedules.replace(
        first.product_root,
        first,
        [spec("0 8 * * *"), spec("0 6 * * 1", pipeline="models/w.ipynb")],
        now=clock.now(),
    )
    created = schedule_events(run_store)
    assert kinds(created) == ["schedule.created", "schedule.created"]
    assert created[0].message == (
        "Schedule of 'sales' created: models/__pipeline__.ipynb every day at 08:00 (UTC)"
    )
    assert created[0].subject_id == daily.id and created[0].product_root == first.product_root
    assert created[0].details["deployment_id"] == "d-1"
    # When the next deploy moves the daily run to 09:00 and drops the weekly one
    second = production(tmp_path, deployment="d-2")
    mark = EventStore(run_store.db).last_id()
    [moved] = schedules.replace(
        second.product_root,
        second,
        [spec("0 9 * * *", parameters={"token_env": "X"})],
        now=clock.now(),
    )
    changed, deleted = schedule_events(run_store, mark)
    assert changed.kind == "schedule.changed" and changed.subject_id == moved.id
    assert changed.message.startswith("Schedule of 'sales' changed (cron, parameters): ")
    assert "every day at 09:00 (UTC) (was every day at 08:00 (UTC))" in changed.message
    assert changed.details["previous_schedule_id"] == daily.id
    assert changed.details["changes"] == {"cron": ["0 8 * * *", "0 9 * * *"]}
    assert "token_env" not in str(changed.details)  # parameters: only their name
    assert deleted.kind == "schedule.deleted" and deleted.subject_id == weekly.id
    assert deleted.details["reason"] == "deployment d-2 does not declare it"
    # A deploy that changes nothing of a schedule records nothing about it
    mark = EventStore(run_store.db).last_id()
    schedules.replace(
        second.product_root, second, [spec("0 9 * * *", parameters={"token_env": "X"})]
    )
    assert schedule_events(run_store, mark) == []


def test_a_new_notify_declaration_is_a_change_without_secrets(
    schedules: ScheduleStore, run_store: RunStore, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [daily] = schedules.replace(prod.product_root, prod, [spec()])
    mark = EventStore(run_store.db).last_id()
    hook = "https://hooks.example.com/services/T000/B000/XXXXsecretXXXX"
    notify: dict[str, Any] = {"on_failure": {"to": ["ops@example.com"], "webhooks": [hook]}}
    schedules.replace(prod.product_root, prod, [spec(notify=notify)])
    [changed] = schedule_events(run_store, mark)
    assert changed.kind == "schedule.changed" and changed.subject_id == daily.id
    assert changed.details["changed"] == ["notify"]
    assert "XXXXsecretXXXX" not in f"{changed.message} {changed.details}"


def test_pause_resume_and_delete_by_hand(
    schedules: ScheduleStore, run_store: RunStore, launcher: FakeLauncher, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [daily] = schedules.replace(prod.product_root, prod, [spec()])
    service = ScheduleService(tmp_path / "root", schedules, launcher)
    mark = EventStore(run_store.db).last_id()
    service.pause(daily.id)
    service.pause(daily.id)  # already paused: nothing happened, nothing recorded
    service.resume(daily.id)
    service.delete(daily.id)
    paused, resumed, deleted = schedule_events(run_store, mark)
    assert (paused.kind, paused.level.value) == ("schedule.paused", "info")
    assert paused.message == (
        "Schedule of 'sales' paused: models/__pipeline__.ipynb every day at 08:00 (UTC)"
    )
    assert resumed.kind == "schedule.resumed"
    assert deleted.kind == "schedule.deleted"
    assert "the product's next deploy declares it again" in deleted.message


def test_each_due_time_tells_what_became_of_it(
    schedules: ScheduleStore,
    run_store: RunStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [every] = schedules.replace(prod.product_root, prod, [spec("*/10 * * * *")], now=clock.now())
    scheduler = Scheduler(schedules, launcher, clock, poll_interval=60)
    mark = EventStore(run_store.db).last_id()
    # 07:10 fires; 07:20 finds its run still going (overlap='skip')
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 25))
    fired, skipped = schedule_events(run_store, mark)
    assert fired.kind == "schedule.fired" and fired.level.value == "info"
    assert fired.message == (
        "Schedule of 'sales' fired: models/__pipeline__.ipynb due 2026-05-04 07:10 UTC, "
        "run run-0001"
    )
    assert fired.details["run_id"] == "run-0001" and fired.details["due_at"] == (
        "2026-05-04T07:10:00Z"
    )
    assert skipped.kind == "schedule.skipped" and skipped.level.value == "warning"
    assert "the previous run run-0001 has not ended (overlap='skip')" in skipped.message
    assert skipped.details["outcome"] == "skipped"
    # A run that cannot start: skipped, at the error level, with the reason
    launcher.finish("run-0001")
    launcher.fail = "The deployment's copy is gone: deploy the product again."
    mark = EventStore(run_store.db).last_id()
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 31))
    [failed] = schedule_events(run_store, mark)
    assert (failed.kind, failed.level.value) == ("schedule.skipped", "error")
    assert failed.details["outcome"] == "failed"
    assert failed.message == (
        "Schedule of 'sales' could not start models/__pipeline__.ipynb due 2026-05-04 07:30 "
        "UTC: The deployment's copy is gone: deploy the product again."
    )
    # Missed while no scheduler ran (catch_up='skip'): one skipped event says so
    launcher.fail = None
    clock.advance(3600 + 300)  # 08:36: 08:30 is more than a minute late
    mark = EventStore(run_store.db).last_id()
    Scheduler(schedules, launcher, clock).tick()
    [missed] = schedule_events(run_store, mark)
    assert missed.kind == "schedule.skipped" and "while no scheduler ran" in missed.message
    assert missed.subject_id == every.id


def test_run_now_is_a_manual_firing(
    schedules: ScheduleStore, run_store: RunStore, launcher: FakeLauncher, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [daily] = schedules.replace(prod.product_root, prod, [spec()])
    mark = EventStore(run_store.db).last_id()
    run = ScheduleService(tmp_path / "root", schedules, launcher).run_now(daily.id)
    [fired] = schedule_events(run_store, mark)
    assert fired.kind == "schedule.fired" and fired.details["firing"] == "manual"
    assert fired.message == (
        f"Schedule of 'sales' run now: models/__pipeline__.ipynb, run {run.run_id}"
    )
