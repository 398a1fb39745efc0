"""The scheduler loop on a controllable clock: fire times, DST, catch-up, overlap, pause,
changes made by another process."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.loop import FiringEvent, Scheduler
from naas_lab_ext.scheduler.repository import ScheduleStore
from tests.scheduler.conftest import FakeClock, FakeLauncher, production, run_until, spec, utc


def outcomes(schedules: ScheduleStore, schedule_id: str) -> list[tuple[str, str]]:
    """(due time HH:MM, outcome) of a schedule's firings, oldest first."""
    return [
        (f.due_at.strftime("%d %H:%M"), f.outcome)
        for f in reversed(schedules.firings(schedule_id, limit=100))
    ]


# -- fire times -------------------------------------------------------------------------------


def test_it_fires_each_due_time_on_time(
    schedules: ScheduleStore, launcher: FakeLauncher, clock: FakeClock, tmp_path: Path
) -> None:
    # Given two schedules (one in Paris time) deployed at 07:00 UTC
    prod = production(tmp_path)
    daily, _paris = schedules.replace(
        prod.product_root,
        prod,
        [spec("0 8 * * *", parameters={"days": 7}), spec("30 9 * * *", timezone="Europe/Paris")],
        now=clock.now(),
    )
    launcher.instant = True
    # When the loop runs for two days (polling every minute, to keep the test short)
    scheduler = Scheduler(schedules, launcher, clock, poll_interval=60)
    run_until(scheduler, clock, utc(2026, 5, 6, 7, 0))
    # Then each due time launched one run, at the due time itself
    assert launcher.fired_at == [
        utc(2026, 5, 4, 7, 30),
        utc(2026, 5, 4, 8, 0),
        utc(2026, 5, 5, 7, 30),
        utc(2026, 5, 5, 8, 0),
    ]
    production_, pipeline, parameters, _ = launcher.calls[1]
    assert production_ == prod and pipeline == "models/__pipeline__.ipynb"
    assert parameters == {"days": 7}
    assert launcher.store.get_run("run-0002").source == "scheduler"
    assert outcomes(schedules, daily.id) == [("04 08:00", "started"), ("05 08:00", "started")]
    [firing, _] = schedules.firings(daily.id)
    assert firing.run_id == "run-0004" and firing.outcome == "started"
    # and slept in between, waking for the due times and the polls only
    assert min(clock.sleeps) > 0 and max(clock.sleeps) <= 60
    assert len(clock.sleeps) <= 2 * 86400 / 60 + 10


def test_an_idle_scheduler_wakes_every_5_seconds_only(
    scheduler: Scheduler, schedules: ScheduleStore, clock: FakeClock, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    schedules.replace(prod.product_root, prod, [spec("0 8 * * *")], now=clock.now())
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 30))
    assert clock.sleeps == [5.0] * (30 * 60 // 5)


@pytest.mark.parametrize(
    ("zone", "night", "hour"),
    [
        ("Europe/Paris", utc(2026, 3, 28, 12), 2),  # 02:00 -> 03:00
        ("Europe/Paris", utc(2026, 10, 24, 12), 2),  # 03:00 -> 02:00
        ("America/New_York", utc(2026, 3, 7, 12), 2),
        ("America/New_York", utc(2026, 10, 31, 12), 1),  # 02:00 -> 01:00
    ],
)
def test_a_dst_night_fires_a_fixed_time_schedule_once(
    schedules: ScheduleStore, run_store: RunStore, tmp_path: Path, zone: str, night, hour: int
) -> None:
    clock = FakeClock(night)
    launcher = FakeLauncher(run_store, clock, instant=True)
    scheduler = Scheduler(schedules, launcher, clock, poll_interval=600)
    prod = production(tmp_path)
    [schedule] = schedules.replace(
        prod.product_root, prod, [spec(f"30 {hour} * * *", timezone=zone)], now=clock.now()
    )
    run_until(scheduler, clock, night + timedelta(days=3))
    local_days = [t.astimezone(schedule.parsed.zone).date() for t in launcher.fired_at]
    assert len(launcher.fired_at) == 3 and len(set(local_days)) == 3


# -- restarts: catch_up -----------------------------------------------------------------------


def restarted(
    schedules: ScheduleStore, launcher: FakeLauncher, clock: FakeClock, events: list[FiringEvent]
) -> Scheduler:
    return Scheduler(schedules, launcher, clock, on_firing=events.append)


def test_catch_up_skip_records_the_missed_due_times_and_waits_for_the_next(
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    events: list[FiringEvent],
    tmp_path: Path,
) -> None:
    # Given an hourly schedule, fired at 08:00, then no scheduler from 08:30 to 10:30
    prod = production(tmp_path)
    [hourly] = schedules.replace(prod.product_root, prod, [spec("0 * * * *")], now=clock.now())
    run_until(restarted(schedules, launcher, clock, events), clock, utc(2026, 5, 4, 8, 30))
    launcher.finish("run-0001")
    clock.advance(2 * 3600)
    # When a scheduler starts again
    scheduler = restarted(schedules, launcher, clock, events)
    scheduler.tick()
    # Then nothing ran for 09:00 and 10:00: one skipped firing says what was missed
    assert len(launcher.calls) == 1
    assert outcomes(schedules, hourly.id)[-1] == ("04 10:00", "skipped")
    assert "missed the due times from 2026-05-04 09:00:00 UTC to 2026-05-04 10:00:00 UTC" in (
        events[-1].line()
    )
    assert "catch_up='skip'" in events[-1].line()
    # and the next due time fires as usual
    run_until(scheduler, clock, utc(2026, 5, 4, 11, 1))
    assert launcher.fired_at[1:] == [utc(2026, 5, 4, 11, 0)]


def test_catch_up_latest_runs_the_latest_missed_due_time_at_once(
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    events: list[FiringEvent],
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [hourly] = schedules.replace(
        prod.product_root, prod, [spec("0 * * * *", catch_up="latest")], now=clock.now()
    )
    run_until(restarted(schedules, launcher, clock, events), clock, utc(2026, 5, 4, 8, 30))
    launcher.finish("run-0001")
    clock.advance(2 * 3600)  # down over 09:00 and 10:00
    scheduler = restarted(schedules, launcher, clock, events)
    scheduler.tick()
    # The latest missed one (10:00) runs now; 09:00 is recorded skipped
    assert launcher.fired_at == [utc(2026, 5, 4, 8), utc(2026, 5, 4, 10, 30)]
    assert outcomes(schedules, hourly.id) == [
        ("04 08:00", "started"),
        ("04 09:00", "skipped"),
        ("04 10:00", "started"),
    ]
    assert "catch_up='latest' runs it now" in events[-1].line()
    launcher.finish("run-0002")
    run_until(scheduler, clock, utc(2026, 5, 4, 11, 1))
    assert launcher.fired_at[-1] == utc(2026, 5, 4, 11)


def test_a_restart_within_the_grace_period_fires_the_due_time_late(
    schedules: ScheduleStore, launcher: FakeLauncher, clock: FakeClock, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    schedules.replace(prod.product_root, prod, [spec("0 8 * * *")], now=clock.now())
    clock.current = utc(2026, 5, 4, 8, 0, 20)  # started 20 s after the due time
    Scheduler(schedules, launcher, clock).tick()
    assert launcher.fired_at == [utc(2026, 5, 4, 8, 0, 20)]


# -- overlap ----------------------------------------------------------------------------------


def test_overlap_skip_skips_while_the_previous_run_goes(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    events: list[FiringEvent],
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [every] = schedules.replace(prod.product_root, prod, [spec("*/10 * * * *")], now=clock.now())
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 25))  # 07:10 runs, 07:20 finds it running
    assert [e.outcome for e in events] == ["started", "skipped"]
    assert "the previous run run-0001 has not ended (overlap='skip')" in events[-1].line()
    launcher.finish("run-0001")
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 35))
    assert outcomes(schedules, every.id) == [
        ("04 07:10", "started"),
        ("04 07:20", "skipped"),
        ("04 07:30", "started"),
    ]


def test_overlap_queue_starts_the_firing_when_the_previous_run_ends(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    events: list[FiringEvent],
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [every] = schedules.replace(
        prod.product_root, prod, [spec("*/10 * * * *", overlap="queue")], now=clock.now()
    )
    # 07:10 runs; 07:20 is queued behind it; 07:30 is skipped (one firing waits at most)
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 35))
    assert outcomes(schedules, every.id) == [
        ("04 07:10", "started"),
        ("04 07:20", "queued"),
        ("04 07:30", "skipped"),
    ]
    assert len(launcher.calls) == 1
    # When the run ends at 07:35, the queued firing starts within the 5 s poll
    launcher.finish("run-0001")
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 36))
    assert len(launcher.calls) == 2
    assert utc(2026, 5, 4, 7, 35) <= launcher.fired_at[1] <= utc(2026, 5, 4, 7, 35, 5)
    queued = next(f for f in schedules.firings(every.id) if f.due_at == utc(2026, 5, 4, 7, 20))
    assert queued.outcome == "started" and queued.run_id == "run-0002"
    assert "queued until the previous run ended" in events[-1].line()
    # and nothing is queued twice: the next due times behave as usual
    launcher.finish("run-0002")
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 41))
    assert outcomes(schedules, every.id)[-1] == ("04 07:40", "started")


# -- pause, failures, warnings ----------------------------------------------------------------


def test_a_paused_schedule_never_fires_and_catches_nothing_up_when_resumed(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [hourly] = schedules.replace(
        prod.product_root, prod, [spec("0 * * * *", catch_up="latest")], now=clock.now()
    )
    schedules.pause(hourly.id)
    run_until(scheduler, clock, utc(2026, 5, 4, 12, 30))
    assert launcher.calls == [] and schedules.firings(hourly.id) == []
    schedules.resume(hourly.id, now=clock.now())
    run_until(scheduler, clock, utc(2026, 5, 4, 13, 30))
    assert launcher.fired_at == [utc(2026, 5, 4, 13)]


def test_a_run_that_cannot_start_is_recorded_failed_with_the_reason(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    events: list[FiringEvent],
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    [daily] = schedules.replace(prod.product_root, prod, [spec()], now=clock.now())
    launcher.fail = "The deployment's copy is gone: deploy the product again."
    scheduler = Scheduler(schedules, launcher, clock, on_firing=events.append, poll_interval=60)
    run_until(scheduler, clock, utc(2026, 5, 4, 8, 1))
    [firing] = schedules.firings(daily.id)
    assert firing.outcome == "failed" and firing.message == launcher.fail
    assert events[-1].outcome == "failed" and launcher.fail in events[-1].line()
    # the next due time is tried again
    launcher.fail = None
    run_until(scheduler, clock, utc(2026, 5, 5, 8, 1))
    assert outcomes(schedules, daily.id)[-1] == ("05 08:00", "started")


def test_an_every_minute_schedule_fires_every_minute_with_a_warning(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    with caplog.at_level(logging.WARNING, logger="naas_lab_ext.scheduler"):
        schedules.replace(prod.product_root, prod, [spec("* * * * *")], now=clock.now())
        launcher.instant = True
        run_until(scheduler, clock, utc(2026, 5, 4, 7, 3, 1))
    assert launcher.fired_at == [utc(2026, 5, 4, 7, m) for m in (1, 2, 3)]
    warnings = [r.getMessage() for r in caplog.records if "every minute" in r.getMessage()]
    assert len(warnings) == 2  # once when declared, once when the scheduler loads it


def test_a_stopped_scheduler_starts_nothing(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    schedules.replace(prod.product_root, prod, [spec()], now=clock.now())
    scheduler.stop()
    clock.current = utc(2026, 5, 4, 8)
    scheduler.tick()
    assert launcher.calls == []


def test_the_headless_loop_runs_until_stopped(
    schedules: ScheduleStore, launcher: FakeLauncher, clock: FakeClock, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    schedules.replace(prod.product_root, prod, [spec("0 * * * *")], now=clock.now())

    def stop_after_three(event: FiringEvent) -> None:
        launcher.finish(event.run_id or "")
        if launcher.count == 3:
            scheduler.stop()

    scheduler = Scheduler(schedules, launcher, clock, on_firing=stop_after_three)
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert launcher.fired_at == [utc(2026, 5, 4, h) for h in (8, 9, 10)]


# -- another process changes the schedules ----------------------------------------------------


def test_changes_made_by_another_process_are_picked_up_within_the_poll(
    scheduler: Scheduler,
    schedules: ScheduleStore,
    launcher: FakeLauncher,
    clock: FakeClock,
    run_store_url: str,
    tmp_path: Path,
) -> None:
    # Given a scheduler running, and another process's store on the same database
    other = ScheduleStore(RunStore(run_store_url))
    prod = production(tmp_path)
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 0, 30))
    assert scheduler.schedules == []
    # When that process deploys a schedule (07:00:30), the scheduler knows it 5 s later
    [new] = other.replace(prod.product_root, prod, [spec("2 7 * * *")], now=clock.now())
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 0, 35))
    assert [s.id for s in scheduler.schedules] == [new.id]
    run_until(scheduler, clock, utc(2026, 5, 4, 7, 3))
    assert launcher.fired_at == [utc(2026, 5, 4, 7, 2)]
    launcher.finish("run-0001")
    # A pause one second before a due time is honoured even before the next poll
    clock.current = utc(2026, 5, 5, 7, 1, 59)
    other.pause(new.id)
    run_until(scheduler, clock, utc(2026, 5, 5, 7, 3))
    assert len(launcher.calls) == 1
    # and a deleted schedule is forgotten
    other.delete(new.id)
    run_until(scheduler, clock, utc(2026, 5, 5, 7, 4))
    assert scheduler.schedules == []
    other.runs.close()


def test_two_schedulers_on_one_store_fire_each_due_time_once(
    schedules: ScheduleStore,
    run_store: RunStore,
    clock: FakeClock,
    run_store_url: str,
    tmp_path: Path,
) -> None:
    prod = production(tmp_path)
    made = schedules.replace(
        prod.product_root, prod, [spec(f"{m} * * * *") for m in range(0, 60, 7)], now=clock.now()
    )
    other_store = ScheduleStore(RunStore(run_store_url))
    a = Scheduler(schedules, FakeLauncher(run_store, clock), clock)
    b = Scheduler(other_store, FakeLauncher(other_store.runs, clock), clock)
    b.runs.count = 1000  # distinct run ids
    end = utc(2026, 5, 4, 10, 0)
    while clock.now() < end:
        delay = min(a.tick(), b.tick())
        for launcher in (a.runs, b.runs):
            for call in list(launcher.store.list_runs(statuses=(RunStatus.RUNNING,))[0]):
                launcher.finish(call.run_id)
        clock.advance(max(delay, 0.001))
    fired = [f for s in made for f in schedules.firings(s.id, limit=100)]
    expected = {(s.id, due) for s in made for due in s.parsed.due_between(utc(2026, 5, 4, 7), end)}
    assert len(fired) == len({(f.schedule_id, f.due_at) for f in fired})
    assert {(f.schedule_id, f.due_at) for f in fired} == expected - {(made[0].id, end)}
    assert all(f.outcome == "started" for f in fired)
    other_store.runs.close()
