"""Time-ordered identifiers: output versions and run ids that sort as text.

A version looks like ``2026-11-23T08.00.00.000Z``: UTC, millisecond precision, with ``.``
instead of ``:`` so it is a valid file name everywhere. Sorting the strings sorts the times.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .errors import InvalidInput

VERSION_FORMAT = "%Y-%m-%dT%H.%M.%S"
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z$")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_version(moment: datetime | None = None) -> str:
    """The version string of ``moment`` (default: now), e.g. ``2026-11-23T08.00.00.000Z``."""
    moment = (moment or utc_now()).astimezone(timezone.utc)
    return f"{moment.strftime(VERSION_FORMAT)}.{moment.microsecond // 1000:03d}Z"


def parse_version(version: str) -> datetime:
    """The UTC time of a version string; :class:`InvalidInput` if it is not one."""
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        raise InvalidInput(
            f"'{version}' is not a version: expected UTC time like 2026-11-23T08.00.00.000Z.",
            field="version",
        )
    moment = datetime.strptime(version[:19], VERSION_FORMAT).replace(tzinfo=timezone.utc)
    return moment.replace(microsecond=int(version[20:23]) * 1000)


def is_version(text: str) -> bool:
    return bool(VERSION_PATTERN.match(text))
