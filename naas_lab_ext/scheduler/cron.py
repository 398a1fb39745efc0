"""Cron expressions in a timezone: validated with croniter, next due times right across DST.

A schedule says ``"0 8 * * *"`` in ``"Europe/Paris"``: every day at 08:00 Paris time, which is
06:00 or 07:00 UTC depending on the season. Due times are computed in the schedule's zone and
returned as aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ..core.errors import InvalidInput

__all__ = ["Cron", "parse_cron"]

MAX_EXPRESSION = 200


@dataclass(frozen=True)
class Cron:
    """A validated cron expression and its timezone."""

    expression: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def every_minute(self) -> bool:
        """True when it fires every minute (allowed, with a warning)."""
        return self.expression.split()[:1] == ["*"] and all(
            field == "*" for field in self.expression.split()[1:5]
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment`` (aware), in UTC."""
        local = moment.astimezone(self.zone)
        due: datetime = croniter(self.expression, local).get_next(datetime)
        return due.astimezone(timezone.utc)


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
        croniter(text)
    except (ValueError, KeyError) as exc:
        message = f"'{text}' is not a valid cron expression: {exc}."
        raise InvalidInput(message, field="cron") from None
    if not isinstance(timezone_name, str) or not timezone_name.strip():
        raise InvalidInput("Give a timezone, e.g. 'UTC' or 'Europe/Paris'.", field="timezone")
    try:
        ZoneInfo(timezone_name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{timezone_name}' is not a timezone: use an IANA name such as 'UTC', "
            "'Europe/Paris' or 'America/New_York'.",
            field="timezone",
        ) from None
    return Cron(text, timezone_name.strip())
