"""ScheduleStore: a product's schedules replaced atomically, paused, deleted; firings claimed
once."""

from __future__ import annotations

from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput, NotFound
from naas_lab_ext.pipelines.results import RunStatus
from naas_lab_ext.pipelines.store.repository import RunStore
from naas_lab_ext.scheduler.repository import Claim, ScheduleStore
from tests.scheduler.conftest import FakeClock, FakeLauncher, production, spec, utc

pytestmark = pytest.mark.both_databases

NOW = utc(2026, 5, 4, 7, 0)


def test_replace_creates_the_declared_schedules_with_their_production(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    made = schedules.replace(
        prod.product_root,
        prod,
        [spec("0 8 * * *", parameters={"days": 7}), spec("30 9 * * 1", timezone="Europe/Paris")],
        now=NOW,
    )
    assert [s.cron for s in made] == ["0 8 * * *", "30 9 * * 1"]
    daily, weekly = made
    assert daily.next_due == utc(2026, 5, 4, 8, 0)
    assert weekly.next_due == utc(2026, 5, 4, 7, 30)  # Monday 09:30 in Paris (CEST)
    assert daily.parameters == {"days": 7} and not daily.paused
    assert daily.production() == prod
    assert schedules.for_product(prod.product_root) == made
    assert schedules.get(daily.id) == daily


def test_replace_keeps_unchanged_schedules_ids_paused_state_and_firings(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    # Given a product deployed with three schedules, one paused and one that fired
    first = production(tmp_path, deployment="d-1")
    kept, changed, dropped = schedules.replace(
        first.product_root,
        first,
        [spec("0 8 * * *"), spec("0 9 * * *"), spec("0 10 * * *", pipeline="models/b.ipynb")],
        now=NOW,
    )
    schedules.claim([Claim(kept.id, utc(2026, 5, 4, 8), "skipped")])
    schedules.pause(kept.id)
    # When the next deploy declares the first unchanged, the second with another cron, and
    # drops the third
    second = production(tmp_path, deployment="d-2")
    now = utc(2026, 5, 5, 12, 0)
    after = schedules.replace(
        second.product_root, second, [spec("0 8 * * *"), spec("15 9 * * *")], now=now
    )
    # Then the unchanged one keeps its id, its pause and its firings, and runs the new deploy
    same, new = after
    assert same.id == kept.id and same.paused
    assert same.deployment_id == "d-2" and same.copy_root == second.copy_root
    assert same.created_at == kept.created_at and same.updated_at == now
    assert [f.due_at for f in schedules.firings(kept.id)] == [utc(2026, 5, 4, 8)]
    # and the others are new (next due after now), or gone with their firings
    assert new.id not in (changed.id, dropped.id) and new.next_due == utc(2026, 5, 6, 9, 15)
    assert {s.id for s in schedules.for_product(first.product_root)} == {same.id, new.id}
    for gone in (changed.id, dropped.id):
        with pytest.raises(NotFound, match=f"No schedule '{gone}'"):
            schedules.get(gone)


def test_replace_with_nothing_removes_every_schedule_of_the_product_only(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    sales, hr = production(tmp_path, "sales"), production(tmp_path, "hr")
    schedules.replace(sales.product_root, sales, [spec(), spec("0 9 * * *")], now=NOW)
    [other] = schedules.replace(hr.product_root, hr, [spec()], now=NOW)
    assert schedules.replace(sales.product_root, sales, [], now=NOW) == []
    assert schedules.for_product(sales.product_root) == []
    assert schedules.all() == [other]


def test_replace_is_all_or_nothing(schedules: ScheduleStore, tmp_path: Path) -> None:
    prod = production(tmp_path)
    before = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    with pytest.raises(InvalidInput, match="not a valid cron") as error:
        schedules.replace(prod.product_root, prod, [spec("0 9 * * *"), spec("0 25 * * *")])
    assert error.value.field == "cron"
    assert schedules.for_product(prod.product_root) == before


def test_identical_declarations_make_one_schedule(schedules: ScheduleStore, tmp_path: Path) -> None:
    prod = production(tmp_path)
    made = schedules.replace(prod.product_root, prod, [spec(), spec(), spec("0 9 * * *")])
    assert len(made) == 2


def test_pause_resume_delete_and_the_change_counter(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    counts = [schedules.changes()]
    assert schedules.pause(schedule.id).paused
    counts.append(schedules.changes())
    schedules.pause(schedule.id)  # already paused: no change
    counts.append(schedules.changes())
    resumed = schedules.resume(schedule.id, now=utc(2026, 5, 10, 9))
    assert not resumed.paused and resumed.next_due == utc(2026, 5, 11, 8)  # nothing caught up
    counts.append(schedules.changes())
    schedules.delete(schedule.id)
    counts.append(schedules.changes())
    assert counts[1] > counts[0] and counts[2] == counts[1] and counts[4] > counts[3] > counts[2]
    for action in (schedules.pause, schedules.resume, schedules.delete, schedules.get):
        with pytest.raises(NotFound, match="naas-lab schedules list"):
            action(schedule.id)


def test_a_firing_is_claimed_once(schedules: ScheduleStore, tmp_path: Path) -> None:
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    due, following = utc(2026, 5, 4, 8), utc(2026, 5, 5, 8)
    [won] = schedules.claim([Claim(schedule.id, due, "started", following)])
    assert won.due_at == due and won.outcome == "started" and won.run_id is None
    assert schedules.get(schedule.id).next_due == following
    # the same due time again, in the same batch or later: nothing
    assert schedules.claim([Claim(schedule.id, due, "started", following)]) == []
    assert (
        schedules.claim([Claim(schedule.id, due, "skipped"), Claim(schedule.id, due, "queued")])
        == []
    )
    # the next due time moves on, never back
    schedules.claim([Claim(schedule.id, utc(2026, 5, 3, 8), "skipped", due)])
    assert schedules.get(schedule.id).next_due == following
    assert [f.due_at for f in schedules.firings(schedule.id)] == [due, utc(2026, 5, 3, 8)]


def test_claims_without_on_conflict_use_a_savepoint_per_firing(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    # Databases without INSERT ... ON CONFLICT take the portable path
    schedules.on_conflict = False
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    due, following = utc(2026, 5, 4, 8), utc(2026, 5, 5, 8)
    [won] = schedules.claim([Claim(schedule.id, due, "started", following)])
    again = schedules.claim(
        [Claim(schedule.id, due, "skipped"), Claim(schedule.id, following, "queued")]
    )
    assert [f.due_at for f in again] == [following]
    assert schedules.get(schedule.id).next_due == following
    assert {f.id for f in schedules.firings(schedule.id)} == {won.id, again[0].id}


def test_two_stores_on_one_database_claim_each_firing_once(
    schedules: ScheduleStore, run_store_url: str, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec("* * * * *")], now=NOW)
    other = ScheduleStore(RunStore(run_store_url))
    dues = [utc(2026, 5, 4, 8, minute) for minute in range(30)]
    # Interleaved: each store claims every due time, one after the other
    mine, theirs = [], []
    for due in dues:
        mine += schedules.claim([Claim(schedule.id, due, "started")])
        theirs += other.claim([Claim(schedule.id, due, "started")])
    assert len(mine) == 30 and theirs == []
    other.runs.close()


def test_paused_or_deleted_schedules_get_no_due_firing(
    schedules: ScheduleStore, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [paused, deleted] = schedules.replace(
        prod.product_root, prod, [spec(), spec("0 9 * * *")], now=NOW
    )
    schedules.pause(paused.id)
    schedules.delete(deleted.id)
    due = utc(2026, 5, 4, 8)
    assert (
        schedules.claim([Claim(paused.id, due, "started"), Claim(deleted.id, due, "started")]) == []
    )
    # a manual firing (run now) of a paused schedule is allowed
    assert len(schedules.claim([Claim(paused.id, due, "started", kind="manual")])) == 1


def test_queued_firings_are_taken_once_and_runs_are_joined(
    schedules: ScheduleStore, run_store: RunStore, clock: FakeClock, tmp_path: Path
) -> None:
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    launcher = FakeLauncher(run_store, clock)
    [first] = schedules.claim([Claim(schedule.id, utc(2026, 5, 4, 8), "started")])
    run = launcher.start_production(prod, schedule.pipeline)
    schedules.record([(first.id, "started", run.run_id, None)])
    assert schedules.busy([schedule.id]) == {schedule.id: run.run_id}
    assert schedules.last_runs([schedule.id])[schedule.id].status == RunStatus.RUNNING
    before = schedules.changes()
    [queued] = schedules.claim([Claim(schedule.id, utc(2026, 5, 5, 8), "queued")])
    assert schedules.changes() > before
    assert schedules.queued() == [queued]
    assert schedules.take_queued(queued.id) and not schedules.take_queued(queued.id)
    assert schedules.queued() == []
    launcher.finish(run.run_id, RunStatus.FAILED)
    assert schedules.busy([schedule.id]) == {}
    assert schedules.last_runs([schedule.id])[schedule.id].status == RunStatus.FAILED


def test_an_unknown_outcome_is_refused(schedules: ScheduleStore, tmp_path: Path) -> None:
    prod = production(tmp_path)
    [schedule] = schedules.replace(prod.product_root, prod, [spec()], now=NOW)
    with pytest.raises(InvalidInput, match="Unknown firing outcome"):
        schedules.claim([Claim(schedule.id, NOW, "done")])
