"""Cron expressions in a timezone: validated with croniter, due times right across DST.

A schedule says ``"0 8 * * *"`` in ``"Europe/Paris"``: every day at 08:00 Paris time, which is
06:00 or 07:00 UTC depending on the season. Due times are computed in the schedule's zone and
returned as aware UTC datetimes.

Daylight saving time, as Vixie cron does it:

* croniter walks the *wall clock* of the zone (naive local times, no DST arithmetic);
* a local time that does not exist (skipped when clocks go forward) is due at the next valid
  instant: ``30 2 * * *`` in Europe/Paris fires at 03:00 CEST on the spring-forward day, once;
* a local time that happens twice (when clocks go back) is due once, at its first occurrence,
  for a *fixed-time* schedule (minute and hour fields are not wildcards: ``30 2 * * *``);
  a *wildcard* schedule (``*/15 * * * *``, ``0 * * * *``) keeps its rhythm in real time and
  fires in both passes of the repeated hour, as it would on any other day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from ..core.errors import InvalidInput
from ..core.text import shown

__all__ = ["Cron", "parse_cron"]

MAX_EXPRESSION = 200
#: The longest timezone name taken (IANA names are far shorter).
MAX_TIMEZONE = 64
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EVERY_MINUTE_FIELDS = ("*", "*/1", "0-59")
_EPOCH = datetime(1970, 1, 1)


def _utc(wall: datetime, zone: ZoneInfo, fold: int) -> datetime:
    return wall.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc)


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time ``wall`` happens in ``zone`` (not skipped by a DST jump)."""
    return _utc(wall, zone, 0).astimezone(zone).replace(tzinfo=None) == wall


def _transition(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped over the non-existent wall time ``wall`` (UTC)."""
    # fold=1 reads ``wall`` with the offset after the jump (an instant before it), fold=0
    # with the offset before (an instant after it): the jump lies between, found to the second.
    low, high = _utc(wall, zone, 1), _utc(wall, zone, 0)
    if low > high:
        low, high = high, low
    before = low.astimezone(zone).utcoffset()
    while (high - low) > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _clock(text: str, hour: int, minute: int) -> str:
    return f"{text}{hour:02d}:{minute:02d}"


def _number(field: str) -> int | None:
    return int(field) if field.isdigit() else None


@dataclass(frozen=True)
class Cron:
    """A validated cron expression and its timezone."""

    expression: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def fields(self) -> list[str]:
        return self.expression.split()

    @property
    def every_minute(self) -> bool:
        """True when it fires every minute of the hours it names (allowed, with a warning)."""
        return self.fields[0] in EVERY_MINUTE_FIELDS

    @property
    def fixed_time(self) -> bool:
        """True when neither the minute nor the hour is a wildcard: such a schedule fires once
        on the day the clocks go back, at the first of the repeated local times."""
        return not (self.fields[0].startswith("*") or self.fields[1].startswith("*"))

    # -- due times ----------------------------------------------------------------------------

    def _instants(self, wall: datetime) -> tuple[datetime, ...]:
        """The instants (UTC) the wall-clock due time ``wall`` stands for, earliest first."""
        zone = self.zone
        if not _exists(wall, zone):
            return (_transition(wall, zone),)
        first, second = _utc(wall, zone, 0), _utc(wall, zone, 1)
        if first == second or self.fixed_time:
            return (first,)
        return (first, second)

    def _walls(self, start: datetime, *, forward: bool) -> Iterator[datetime]:
        it = croniter(self.expression, start)
        step = it.get_next if forward else it.get_prev
        while True:
            yield step(datetime)

    def _shift(self, moment: datetime) -> tuple[datetime, timedelta]:
        """The wall time of ``moment`` and how far a repeated hour there spans (else 0)."""
        local = moment.astimezone(self.zone)
        wall = local.replace(tzinfo=None)
        offsets = (
            wall.replace(tzinfo=self.zone, fold=0).utcoffset() or timedelta(0),
            wall.replace(tzinfo=self.zone, fold=1).utcoffset() or timedelta(0),
        )
        return wall.replace(microsecond=0), abs(offsets[0] - offsets[1])

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment`` (aware), in UTC."""
        moment = moment.astimezone(timezone.utc)
        wall, shift = self._shift(moment)
        best: datetime | None = None
        # Walls before ``wall`` can still be due later when the hour repeats (their second
        # pass); the first-pass instants grow with the wall time, so stop once one passes best.
        for candidate in self._walls(wall - shift - timedelta(seconds=1), forward=True):
            instants = self._instants(candidate)
            if best is not None and instants[0] >= best:
                return best
            later = [i for i in instants if i > moment]
            if later and (best is None or later[0] < best):
                best = later[0]
        raise AssertionError("unreachable: croniter yields due times forever")

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last due time at or before ``moment`` (aware), in UTC."""
        moment = moment.astimezone(timezone.utc)
        wall, shift = self._shift(moment)
        best: datetime | None = None
        for candidate in self._walls(wall + shift + timedelta(minutes=1), forward=False):
            instants = self._instants(candidate)
            if best is not None and instants[-1] <= best:
                return best
            earlier = [i for i in instants if i <= moment]
            if earlier and (best is None or earlier[-1] > best):
                best = earlier[-1]
        raise AssertionError("unreachable: croniter yields due times forever")

    def due_between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """The due times in ``(start, end]``, earliest first, at most ``limit`` of them."""
        found: list[datetime] = []
        due = self.next_after(start)
        while due <= end and len(found) < limit:
            found.append(due)
            due = self.next_after(due)
        return found

    # -- words --------------------------------------------------------------------------------

    def describe(self) -> str:
        """The schedule in words for the panel ("every day at 08:00 (UTC)"); the expression
        itself when it is not one of the common shapes."""
        minute, hour, day, month, weekday = self.fields
        zone = f" ({self.timezone})"
        if minute in EVERY_MINUTE_FIELDS and hour == "*" and day == month == weekday == "*":
            return "every minute"
        if day != "*" or month != "*" or weekday != "*":
            at = self._at(minute, hour)
            when = self._days(day, month, weekday)
            if at is not None and when is not None:
                return f"{when} at {at}{zone}"
            return f"cron '{self.expression}'{zone}"
        step = minute.removeprefix("*/")
        if hour == "*" and minute.startswith("*/") and step.isdigit():
            return f"every {step} minutes"
        if hour == "*" and (value := _number(minute)) is not None:
            return f"every hour at :{value:02d}"
        hours_step = hour.removeprefix("*/")
        if (
            hour.startswith("*/")
            and hours_step.isdigit()
            and (value := _number(minute)) is not None
        ):
            return f"every {hours_step} hours at :{value:02d}{zone}"
        at = self._at(minute, hour)
        if at is not None:
            return f"every day at {at}{zone}"
        return f"cron '{self.expression}'{zone}"

    @staticmethod
    def _at(minute: str, hour: str) -> str | None:
        """ "08:00", "08:00 and 18:00" for fixed minutes and hours; None otherwise."""
        minutes = [_number(m) for m in minute.split(",")]
        hours = [_number(h) for h in hour.split(",")]
        if len(minutes) != 1 or None in minutes or None in hours or len(hours) > 4:
            return None
        times = [_clock("", h or 0, minutes[0] or 0) for h in hours]
        return times[0] if len(times) == 1 else f"{', '.join(times[:-1])} and {times[-1]}"

    @staticmethod
    def _days(day: str, month: str, weekday: str) -> str | None:
        if weekday == "*" and month == "*" and (value := _number(day)) is not None:
            return f"on day {value} of every month"
        if weekday == "*" and (d := _number(day)) is not None and (m := _number(month)):
            return f"every year on {d} {MONTH_NAMES[(m - 1) % 12]}" if m <= 12 else None
        if day != "*" or month != "*":
            return None
        try:
            days = croniter.expand(f"0 0 * * {weekday}")[0][4]
        except (ValueError, KeyError):
            return None
        numbers = sorted({int(d) % 7 for d in days if d != "*"})
        if numbers == [1, 2, 3, 4, 5]:
            return "every weekday (Monday to Friday)"
        if numbers == [0, 6]:
            return "every Saturday and Sunday"
        if not numbers:
            return None
        names = [DAY_NAMES[d] for d in numbers]
        return "every " + (
            names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        )


def parse_cron(expression: object, timezone_name: object = "UTC") -> Cron:
    """A :class:`Cron`, or :class:`InvalidInput` saying what is wrong (croniter's message for
    a bad expression, the unknown zone for a bad timezone)."""
    if not isinstance(expression, str) or not expression.strip():
        raise InvalidInput(
            "Give a cron expression: minute hour day month weekday, e.g. '0 8 * * *' for every "
            "day at 08:00.",
            field="cron",
        )
    text = " ".join(expression.split())
    if len(text) > MAX_EXPRESSION or len(text.split()) != 5:
        raise InvalidInput(
            f"'{text[:60]}' is not a cron expression: give 5 fields (minute hour day month "
            "weekday), e.g. '0 8 * * *' for every day at 08:00.",
            field="cron",
        )
    try:
        croniter(text, _EPOCH).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidInput(
            f"'{text}' never fires: no date matches its day and month (e.g. 30 February).",
            field="cron",
        ) from None
    except (ValueError, KeyError) as exc:
        message = f"'{text}' is not a valid cron expression: {exc}."
        raise InvalidInput(message, field="cron") from None
    if not isinstance(timezone_name, str) or not timezone_name.strip():
        raise InvalidInput("Give a timezone, e.g. 'UTC' or 'Europe/Paris'.", field="timezone")
    try:
        if len(timezone_name) > MAX_TIMEZONE:
            raise ValueError(timezone_name)
        ZoneInfo(timezone_name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise InvalidInput(
            f"'{shown(timezone_name)}' is not a timezone: use an IANA name such as 'UTC', "
            "'Europe/Paris' or 'America/New_York'.",
            field="timezone",
        ) from None
    return Cron(text, timezone_name.strip())
