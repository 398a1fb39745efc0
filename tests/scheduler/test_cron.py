"""Cron expressions in a timezone: due times (across DST both ways), words, bad input."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.scheduler.cron import parse_cron
from tests.scheduler.conftest import utc


def fire_times(expression: str, zone: str, start: datetime, count: int) -> list[datetime]:
    cron = parse_cron(expression, zone)
    times = []
    moment = start
    for _ in range(count):
        moment = cron.next_after(moment)
        times.append(moment)
    return times


def local(times: list[datetime], zone: str) -> list[str]:
    cron = parse_cron("* * * * *", zone)
    return [t.astimezone(cron.zone).strftime("%m-%d %H:%M%z") for t in times]


# -- fire times -------------------------------------------------------------------------------


def test_due_times_are_utc_and_strictly_after_the_moment() -> None:
    cron = parse_cron("0 8 * * *")
    assert cron.next_after(utc(2026, 5, 4, 7, 59, 59)) == utc(2026, 5, 4, 8, 0)
    assert cron.next_after(utc(2026, 5, 4, 8, 0)) == utc(2026, 5, 5, 8, 0)
    assert cron.next_after(utc(2026, 5, 4, 8, 0, 0, 1)) == utc(2026, 5, 5, 8, 0)
    assert cron.latest_at_or_before(utc(2026, 5, 4, 8, 0)) == utc(2026, 5, 4, 8, 0)
    assert cron.latest_at_or_before(utc(2026, 5, 4, 7, 59)) == utc(2026, 5, 3, 8, 0)


def test_a_timezone_moves_the_utc_due_time_with_the_season() -> None:
    winter = fire_times("0 8 * * *", "Europe/Paris", utc(2026, 1, 10), 1)
    summer = fire_times("0 8 * * *", "Europe/Paris", utc(2026, 7, 10), 1)
    assert winter == [utc(2026, 1, 10, 7, 0)]
    assert summer == [utc(2026, 7, 10, 6, 0)]
    assert fire_times("30 9 * * 1", "America/New_York", utc(2026, 5, 1), 2) == [
        utc(2026, 5, 4, 13, 30),
        utc(2026, 5, 11, 13, 30),
    ]


def test_due_between_lists_every_due_time_in_the_span() -> None:
    cron = parse_cron("*/15 * * * *")
    assert cron.due_between(utc(2026, 5, 4, 8, 0), utc(2026, 5, 4, 9, 0)) == [
        utc(2026, 5, 4, 8, 15),
        utc(2026, 5, 4, 8, 30),
        utc(2026, 5, 4, 8, 45),
        utc(2026, 5, 4, 9, 0),
    ]
    assert len(cron.due_between(utc(2026, 5, 4), utc(2026, 5, 5), limit=10)) == 10


# -- DST: a local time that does not exist, or happens twice ----------------------------------

SPRING = {"Europe/Paris": utc(2026, 3, 28, 12), "America/New_York": utc(2026, 3, 7, 12)}
AUTUMN = {"Europe/Paris": utc(2026, 10, 24, 12), "America/New_York": utc(2026, 10, 31, 12)}


@pytest.mark.parametrize("zone", sorted(SPRING))
def test_a_time_skipped_by_spring_forward_fires_once_at_the_next_valid_instant(zone: str) -> None:
    # Given 02:30 every day, and the night the clocks jump from 02:00 to 03:00
    times = fire_times("30 2 * * *", zone, SPRING[zone], 3)
    # Then it fires once that night, at 03:00 (the jump), then at 02:30 again
    assert [t[6:11] for t in local(times, zone)] == ["03:00", "02:30", "02:30"]
    assert len({t.date() for t in times}) == 3


@pytest.mark.parametrize("zone", sorted(AUTUMN))
def test_a_time_repeated_by_fall_back_fires_once(zone: str) -> None:
    # Given 01:30 every day, and the night the clock goes back over 01:00-02:00 (New York)
    # or 02:00-03:00 (Paris): choose the repeated hour of the zone
    hour = 1 if zone == "America/New_York" else 2
    times = fire_times(f"30 {hour} * * *", zone, AUTUMN[zone], 3)
    # Then it fires once that night (the first 0{hour}:30), and every night after
    days = [t[:5] for t in local(times, zone)]
    assert len(set(days)) == 3, local(times, zone)
    assert all(t[6:11] == f"0{hour}:30" for t in local(times, zone))
    # its first firing is at the first pass (summer offset), the next day in winter time
    assert local(times, zone)[0][-5:] != local(times, zone)[1][-5:]
    # and the same from inside the repeated hour's second pass: nothing more that night
    cron = parse_cron(f"30 {hour} * * *", zone)
    for second_pass in (times[0] + timedelta(minutes=59), times[0] + timedelta(hours=1)):
        assert cron.next_after(second_pass) == times[1]
    assert cron.latest_at_or_before(times[0] + timedelta(hours=2)) == times[0]


def test_a_wildcard_schedule_keeps_its_rhythm_in_real_time_across_dst() -> None:
    # Every 30 minutes in Paris: the repeated hour runs twice (real time goes on), and the
    # skipped hour simply has no due time.
    autumn = fire_times("*/30 * * * *", "Europe/Paris", utc(2026, 10, 24, 23, 10), 7)
    assert [t.minute for t in autumn] == [30, 0, 30, 0, 30, 0, 30]
    assert all((b - a).total_seconds() == 1800 for a, b in itertools.pairwise(autumn))
    spring = fire_times("*/30 * * * *", "Europe/Paris", utc(2026, 3, 29, 0, 10), 3)
    assert local(spring, "Europe/Paris") == [
        "03-29 01:30+0100",
        "03-29 03:00+0200",
        "03-29 03:30+0200",
    ]


def test_latest_at_or_before_agrees_with_next_after_across_dst() -> None:
    for expression in ("30 2 * * *", "*/30 * * * *", "0 * * * *"):
        cron = parse_cron(expression, "Europe/Paris")
        moment = utc(2026, 10, 24, 20)
        while moment < utc(2026, 10, 25, 6):
            due = cron.next_after(moment)
            assert cron.latest_at_or_before(due) == due
            assert cron.latest_at_or_before(due.replace(microsecond=1) - (due - moment) / 2) in (
                cron.latest_at_or_before(moment),
                due,
            )
            moment = due
        moment = utc(2026, 3, 28, 20)
        while moment < utc(2026, 3, 29, 6):
            due = cron.next_after(moment)
            assert cron.latest_at_or_before(due) == due
            moment = due


# -- words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "zone", "words"),
    [
        ("0 8 * * *", "UTC", "every day at 08:00 (UTC)"),
        ("*/15 * * * *", "UTC", "every 15 minutes"),
        ("30 9 * * 1", "Europe/Paris", "every Monday at 09:30 (Europe/Paris)"),
        ("0 6 1 * *", "UTC", "on day 1 of every month at 06:00 (UTC)"),
        ("5 * * * *", "UTC", "every hour at :05"),
        ("* * * * *", "UTC", "every minute"),
        ("0 8 * * 1-5", "UTC", "every weekday (Monday to Friday) at 08:00 (UTC)"),
        ("0 8 * * mon,wed,fri", "UTC", "every Monday, Wednesday and Friday at 08:00 (UTC)"),
        ("0 8,18 * * *", "UTC", "every day at 08:00 and 18:00 (UTC)"),
        ("0 */6 * * *", "UTC", "every 6 hours at :00 (UTC)"),
        ("0 7 25 12 *", "UTC", "every year on 25 December at 07:00 (UTC)"),
        ("*/15 8-17 * * 1-5", "UTC", "cron '*/15 8-17 * * 1-5' (UTC)"),
    ],
)
def test_describe_says_the_schedule_in_words(expression: str, zone: str, words: str) -> None:
    assert parse_cron(expression, zone).describe() == words


def test_every_minute_is_flagged() -> None:
    assert parse_cron("* * * * *").every_minute
    assert parse_cron("*/1 8 * * *").every_minute
    assert not parse_cron("*/5 * * * *").every_minute
    assert not parse_cron("0 8 * * *").every_minute


# -- bad input --------------------------------------------------------------------------------


def test_a_bad_cron_is_refused_with_croniters_message() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_cron("61 * * * *")
    assert error.value.field == "cron"
    assert "'61 * * * *' is not a valid cron expression" in error.value.message
    assert "out of range" in error.value.message


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("", "Give a cron expression"),
        ("0 8 * *", "give 5 fields"),
        ("@daily", "give 5 fields"),
        ("0 0 30 2 *", "never fires"),
        (None, "Give a cron expression"),
    ],
)
def test_cron_mistakes_say_what_to_write(expression: object, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_cron(expression)


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'Mars/Olympus' is not a timezone") as error:
        parse_cron("0 8 * * *", "Mars/Olympus")
    assert error.value.field == "timezone"


@pytest.mark.parametrize("name", ["a" * 300, "x/" * 3000, "Europe/Paris\x00", "\ud800"])
def test_a_timezone_no_file_system_takes_is_refused_not_raised(name: str) -> None:
    # A name over 255 bytes made ZoneInfo raise OSError (File name too long)
    with pytest.raises(InvalidInput, match="is not a timezone") as error:
        parse_cron("0 8 * * *", name)
    assert error.value.field == "timezone"
    error.value.message.encode("utf-8")  # shown escaped, never a lone surrogate
